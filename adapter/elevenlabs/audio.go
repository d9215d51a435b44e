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

// Layer III's bitrates (kbit/s) by index, for MPEG-1 and for MPEG-2 and 2.5, and the sample rates
// by index for MPEG-1 (MPEG-2 halves them, MPEG-2.5 quarters them).
var (
	bitratesV1   = [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}
	bitratesV2   = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}
	sampleRateV1 = [4]int{44100, 48000, 32000, 0}
)

// mp3Duration counts the MPEG Layer III frames of data, after an ID3v2 tag, and returns how long
// they play; 0 when data does not start with such frames. Trailing bytes that are not a frame (an
// ID3v1 tag) end the count.
func mp3Duration(data []byte) time.Duration {
	pos := 0
	if len(data) >= 10 && string(data[:3]) == "ID3" {
		size := int(data[6]&0x7F)<<21 | int(data[7]&0x7F)<<14 | int(data[8]&0x7F)<<7 | int(data[9]&0x7F)
		pos = 10 + size
		if data[5]&0x10 != 0 { // a footer
			pos += 10
		}
	}
	var samples, rate int
	for pos+4 <= len(data) {
		h := data[pos : pos+4]
		if h[0] != 0xFF || h[1]&0xE0 != 0xE0 || h[1]&0x06 != 0x02 { // sync, Layer III
			break
		}
		version := h[1] >> 3 & 0x03 // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
		r := sampleRateV1[h[2]>>2&0x03]
		var kbps, perFrame int
		switch version {
		case 3:
			kbps, perFrame = bitratesV1[h[2]>>4], 1152
		case 2:
			kbps, perFrame, r = bitratesV2[h[2]>>4], 576, r/2
		case 0:
			kbps, perFrame, r = bitratesV2[h[2]>>4], 576, r/4
		}
		if kbps == 0 || r == 0 || (rate != 0 && r != rate) {
			break
		}
		rate = r
		length := perFrame/8*kbps*1000/r + int(h[2]>>1&0x01)
		if length < 4 || pos+length > len(data) {
			break // a frame cut short: the count ends with the last whole one
		}
		samples += perFrame
		pos += length
	}
	if rate == 0 {
		return 0
	}
	return time.Duration(samples) * time.Second / time.Duration(rate)
}
