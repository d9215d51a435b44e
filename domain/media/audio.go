package media

import (
	"bytes"
	"encoding/binary"
	"time"
)

// SniffAudio recognises the audio types the hub stores by their first bytes (zero for anything
// else): a RIFF WAVE, an Ogg stream, an MP3 (an ID3v2 tag, or an MPEG audio frame — 11 set bits
// and a layer that is not 00, which AAC's ADTS frames have).
func SniffAudio(b []byte) ContentType {
	switch {
	case len(b) >= 12 && bytes.HasPrefix(b, []byte("RIFF")) && string(b[8:12]) == "WAVE":
		return WAV
	case bytes.HasPrefix(b, []byte("OggS")):
		return OGG
	case bytes.HasPrefix(b, []byte("ID3")), len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0 && b[1]&0x06 != 0:
		return MP3
	}
	return ContentType{}
}

// AudioDuration is how long audio b of type ct plays, read from the file itself: a WAV's data
// over its byte rate, an MP3's frames, an Ogg Opus stream's last granule position. 0 when the
// file does not say (or ct is another type).
func AudioDuration(ct ContentType, b []byte) time.Duration {
	switch ct {
	case WAV:
		return wavDuration(b)
	case MP3:
		return mp3Duration(b)
	case OGG:
		return opusDuration(b)
	}
	return 0
}

// wavDuration reads a WAV file's length from its fmt and data chunks: the data's bytes over the
// byte rate. A data size larger than what came (streamed WAVs say 0xFFFFFFFF) counts what came.
// 0 when the header does not say.
func wavDuration(b []byte) time.Duration {
	le := binary.LittleEndian
	var byteRate uint32
	for i := 12; i+8 <= len(b); {
		id, size := string(b[i:i+4]), int64(le.Uint32(b[i+4:]))
		body := i + 8
		switch {
		case id == "fmt " && size >= 16 && body+16 <= len(b):
			byteRate = le.Uint32(b[body+8:])
		case id == "data":
			size = min(size, int64(len(b)-body))
			if byteRate == 0 {
				return 0
			}
			return time.Duration(size) * time.Second / time.Duration(byteRate)
		}
		next := int64(body) + size + size&1 // chunks are padded to even sizes
		if next > int64(len(b)) {
			return 0
		}
		i = int(next)
	}
	return 0
}

// The MPEG audio tables: bit rates in kbit/s by version (1; 2 and 2.5) and layer (I, II, III),
// and sample rates by version (1, 2, 2.5).
var (
	mpegBitrates = [2][3][16]int{
		{
			{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
			{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
		},
		{
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		},
	}
	mpegSampleRates = [3][3]int{{44100, 48000, 32000}, {22050, 24000, 16000}, {11025, 12000, 8000}}
)

// mp3Duration adds up the samples of an MP3's MPEG frames, after any ID3v2 tag, walking from
// header to header: exact for constant and variable bit rates alike. It stops at the first bytes
// that are no frame (an ID3v1 tag, garbage) and at a frame cut short; 0 when the first frame
// cannot be read.
func mp3Duration(b []byte) time.Duration {
	i := 0
	if len(b) >= 10 && bytes.HasPrefix(b, []byte("ID3")) {
		size := int(b[6]&0x7F)<<21 | int(b[7]&0x7F)<<14 | int(b[8]&0x7F)<<7 | int(b[9]&0x7F)
		i = 10 + size
		if b[5]&0x10 != 0 { // a footer
			i += 10
		}
	}
	// Samples are summed per run of one sample rate, and divided once: a sum of per-frame
	// durations would round every frame.
	var total time.Duration
	samples, runRate := 0, 0
	flush := func() {
		if runRate > 0 {
			total += time.Duration(samples) * time.Second / time.Duration(runRate)
		}
		samples = 0
	}
	for i+4 <= len(b) {
		length, n, rate := mpegFrame(b[i:])
		if length == 0 || i+length > len(b) {
			break
		}
		if rate != runRate {
			flush()
			runRate = rate
		}
		samples += n
		i += length
	}
	flush()
	return total
}

// mpegFrame reads an MPEG audio frame header: the frame's length in bytes, its samples and the
// sample rate; a zero length when h is no frame header (free-format frames included).
func mpegFrame(h []byte) (length, samples, rate int) {
	if h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return 0, 0, 0
	}
	version := (h[1] >> 3) & 3 // 0: 2.5, 2: 2, 3: 1
	layer := (h[1] >> 1) & 3   // 1: III, 2: II, 3: I
	bitrateIdx, rateIdx := h[2]>>4, (h[2]>>2)&3
	padding := int(h[2]>>1) & 1
	if version == 1 || layer == 0 || bitrateIdx == 0 || bitrateIdx == 15 || rateIdx == 3 {
		return 0, 0, 0
	}
	v1 := version == 3
	vi, ri := 1, 1 // version 2's rows
	switch version {
	case 3:
		vi, ri = 0, 0
	case 0:
		ri = 2
	}
	li := 3 - int(layer) // 0: I, 1: II, 2: III
	bitrate := mpegBitrates[vi][li][bitrateIdx] * 1000
	rate = mpegSampleRates[ri][rateIdx]
	switch {
	case li == 0:
		return (12*bitrate/rate + padding) * 4, 384, rate
	case li == 1 || v1:
		return 144*bitrate/rate + padding, 1152, rate
	default: // Layer III of MPEG-2 and 2.5: half the samples
		return 72*bitrate/rate + padding, 576, rate
	}
}

// opusDuration reads an Ogg Opus stream's length: the last page's granule position (in 48 kHz
// samples) less the pre-skip its OpusHead declares. 0 for other Ogg streams (Vorbis, FLAC) and
// streams whose pages do not say.
func opusDuration(b []byte) time.Duration {
	le := binary.LittleEndian
	head := bytes.Index(b, []byte("OpusHead"))
	if head < 0 || head+12 > len(b) {
		return 0
	}
	preSkip := int64(le.Uint16(b[head+10:]))
	last := bytes.LastIndex(b, []byte("OggS"))
	if last < 0 || last+14 > len(b) {
		return 0
	}
	granule := int64(le.Uint64(b[last+6:]))
	if granule <= preSkip { // -1: no packet ends on the page; or nothing but pre-skip
		return 0
	}
	return time.Duration(granule-preSkip) * time.Second / 48_000
}
