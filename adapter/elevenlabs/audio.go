package elevenlabs

import (
	"encoding/binary"
	"time"
)

// pcmRate is the sample rate of the PCM asked for when the hub wants WAV: the models' own.
const pcmRate = 24_000

// wavFile wraps 16-bit little-endian mono PCM at pcmRate in a WAV header.
func wavFile(pcm []byte) []byte {
	pcm = pcm[:len(pcm)&^1] // whole samples only
	out := make([]byte, 44+len(pcm))
	le := binary.LittleEndian
	copy(out[0:], "RIFF")
	le.PutUint32(out[4:], uint32(36+len(pcm)))
	copy(out[8:], "WAVEfmt ")
	le.PutUint32(out[16:], 16)        // fmt chunk size
	le.PutUint16(out[20:], 1)         // PCM
	le.PutUint16(out[22:], 1)         // mono
	le.PutUint32(out[24:], pcmRate)   // sample rate
	le.PutUint32(out[28:], 2*pcmRate) // bytes a second
	le.PutUint16(out[32:], 2)         // bytes a frame
	le.PutUint16(out[34:], 16)        // bits a sample
	copy(out[36:], "data")
	le.PutUint32(out[40:], uint32(len(pcm)))
	copy(out[44:], pcm)
	return out
}

// pcmDuration is how long n bytes of the PCM play.
func pcmDuration(n int) time.Duration { return time.Duration(n/2) * time.Second / pcmRate }
