package speechfake

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"unicode/utf8"
)

// The audio the fake makes: what OpenAI's API sends, in shape if not in sound. Its speech is
// 24 kHz mono, and so is the fake's; a text lasts runeMillis a character (at least one
// character's worth).
const (
	sampleRate   = 24_000
	runeMillis   = 60 // a character's share of the recording
	mp3Bitrate   = 48_000
	mp3Samples   = 576                            // samples in an MPEG-2 Layer III frame
	mp3FrameSize = 72 * mp3Bitrate / sampleRate   // 144 bytes, no padding at 24 kHz
	mp3FrameMs   = 1000 * mp3Samples / sampleRate // 24 ms
	opusPacketMs = 20                             // each Opus packet is 20 ms
	opusPreSkip  = 312                            // what libopus puts in OpusHead
	opusRate     = 48_000                         // Opus granule positions count 48 kHz samples
	wavHeader    = 44                             // canonical PCM WAV header
)

// Duration returns how long the fake's recording of text plays, in milliseconds, per format:
// WAV exactly, MP3 and Ogg Opus rounded up to whole frames and packets.
func Duration(format, text string) int {
	ms := max(runeMillis*utf8.RuneCountInString(text), runeMillis)
	switch format {
	case "mp3":
		return frames(ms, mp3FrameMs) * mp3FrameMs
	case "opus":
		return frames(ms, opusPacketMs) * opusPacketMs
	}
	return ms
}

func frames(ms, each int) int { return (ms + each - 1) / each }

// seed makes the same text give the same sound.
func seed(text string) float64 {
	h := fnv.New32a()
	h.Write([]byte(text))
	return float64(h.Sum32()%400 + 200)
}

// WAV is a PCM WAV file, 16-bit mono at 24 kHz: a quiet tone as long as Duration says.
func WAV(text string) []byte {
	n := Duration("wav", text) * sampleRate / 1000
	data := make([]byte, wavHeader+2*n)
	le := binary.LittleEndian
	copy(data[0:], "RIFF")
	le.PutUint32(data[4:], uint32(36+2*n))
	copy(data[8:], "WAVEfmt ")
	le.PutUint32(data[16:], 16)
	le.PutUint16(data[20:], 1) // PCM
	le.PutUint16(data[22:], 1) // mono
	le.PutUint32(data[24:], sampleRate)
	le.PutUint32(data[28:], sampleRate*2)
	le.PutUint16(data[32:], 2)
	le.PutUint16(data[34:], 16)
	copy(data[36:], "data")
	le.PutUint32(data[40:], uint32(2*n))
	step := 2 * math.Pi * seed(text) / sampleRate
	for i := range n {
		le.PutUint16(data[wavHeader+2*i:], uint16(int16(2000*math.Sin(step*float64(i)))))
	}
	return data
}

// MP3 is a run of silent MPEG-2 Layer III frames, 48 kbit/s mono at 24 kHz, after an ID3v2 tag
// as encoders write one: every frame a header and zeroed side information, which decoders play
// as silence.
func MP3(text string) []byte {
	id3 := []byte{'I', 'D', '3', 4, 0, 0, 0, 0, 0, 10} // ID3v2.4, 10 bytes of padding
	n := frames(Duration("mp3", text), mp3FrameMs)
	data := make([]byte, len(id3)+10, len(id3)+10+n*mp3FrameSize)
	copy(data, id3)
	for range n {
		frame := make([]byte, mp3FrameSize)
		// sync, MPEG-2, Layer III, no CRC; 48 kbit/s (index 6), 24 kHz (index 1); mono.
		copy(frame, []byte{0xFF, 0xF3, 0x64, 0xC4})
		data = append(data, frame...)
	}
	return data
}

// OggOpus is an Ogg Opus file: the OpusHead and OpusTags pages, then pages of 20 ms packets of
// silence (a lone TOC byte), the last page's granule position giving the length.
func OggOpus(text string) []byte {
	head := []byte("OpusHead\x01\x01")
	head = binary.LittleEndian.AppendUint16(head, opusPreSkip)
	head = binary.LittleEndian.AppendUint32(head, sampleRate)
	head = append(head, 0, 0, 0) // gain 0, mapping family 0
	tags := []byte("OpusTags")
	tags = binary.LittleEndian.AppendUint32(tags, uint32(len("speechfake")))
	tags = append(tags, "speechfake"...)
	tags = binary.LittleEndian.AppendUint32(tags, 0)

	const serial = 0x5EECF
	out := oggPage(nil, 0x02, 0, serial, 0, [][]byte{head})
	out = oggPage(out, 0, 0, serial, 1, [][]byte{tags})
	packets := frames(Duration("opus", text), opusPacketMs)
	granule := uint64(opusPreSkip)
	for seq := uint32(2); packets > 0; seq++ {
		n := min(packets, 255)
		packets -= n
		granule += uint64(n * opusRate * opusPacketMs / 1000)
		var flags byte
		if packets == 0 {
			flags = 0x04 // end of stream
		}
		ps := make([][]byte, n)
		for i := range ps {
			ps[i] = []byte{0xF8} // CELT fullband 20 ms, one frame, no data: silence
		}
		out = oggPage(out, flags, granule, serial, seq, ps)
	}
	return out
}

// oggPage appends one Ogg page holding packets (each under 255 bytes) to out.
func oggPage(out []byte, flags byte, granule uint64, serial, seq uint32, packets [][]byte) []byte {
	start := len(out)
	out = append(out, "OggS"...)
	out = append(out, 0, flags)
	out = binary.LittleEndian.AppendUint64(out, granule)
	out = binary.LittleEndian.AppendUint32(out, serial)
	out = binary.LittleEndian.AppendUint32(out, seq)
	out = append(out, 0, 0, 0, 0) // checksum, filled below
	out = append(out, byte(len(packets)))
	for _, p := range packets {
		out = append(out, byte(len(p)))
	}
	for _, p := range packets {
		out = append(out, p...)
	}
	binary.LittleEndian.PutUint32(out[start+22:], oggCRC(out[start:]))
	return out
}

// oggCRC is Ogg's page checksum: CRC-32 with polynomial 0x04C11DB7, not reflected, starting at 0.
func oggCRC(b []byte) uint32 {
	var crc uint32
	for _, c := range b {
		crc ^= uint32(c) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04C11DB7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
