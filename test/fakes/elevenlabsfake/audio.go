package elevenlabsfake

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// OutputFormats are the values of output_format that ElevenLabs accepts. The fake renders the MP3
// ones at 44.1 kHz and every PCM one; the others (MP3 at 22.05/24 kHz, μ-law, A-law, Opus) are
// valid but answered 400 output_format_not_rendered — a limit of the fake, not of the API.
var OutputFormats = []string{
	"mp3_22050_32", "mp3_24000_48", "mp3_44100_32", "mp3_44100_64", "mp3_44100_96", "mp3_44100_128", "mp3_44100_192",
	"pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_32000", "pcm_44100", "pcm_48000",
	"ulaw_8000", "alaw_8000",
	"opus_48000_32", "opus_48000_64", "opus_48000_96", "opus_48000_128", "opus_48000_192",
}

// DefaultOutputFormat is what the API answers when output_format is absent.
const DefaultOutputFormat = "mp3_44100_128"

// SpokenLength is how long the fake's speech of text lasts at speed (0: 1): 40 ms plus 65 ms a
// character, about the pace of ElevenLabs' voices, so a longer text gives longer audio.
func SpokenLength(text string, speed float64) time.Duration {
	if speed <= 0 {
		speed = 1
	}
	ms := 40 + float64(65*utf8.RuneCountInString(text))/speed
	return time.Duration(ms * float64(time.Millisecond))
}

// mp3Bitrates are the MPEG-1 Layer III bitrate indexes of the bitrates the fake renders (kbit/s).
var mp3Bitrates = map[int]byte{32: 1, 64: 5, 96: 7, 128: 9, 192: 11}

// Render returns the audio of length d in format, and whether the fake renders that format. MP3 is
// a run of silent MPEG-1 Layer III frames (44.1 kHz, mono, 1152 samples each, as many as cover d):
// real frames that players, and the hub's sniffing, accept. PCM is 16-bit little-endian mono
// silence, as many samples as d holds at the rate.
func Render(format string, d time.Duration) ([]byte, bool) {
	codec, rest, _ := strings.Cut(format, "_")
	rateText, bitrateText, _ := strings.Cut(rest, "_")
	rate, err := strconv.Atoi(rateText)
	if err != nil {
		return nil, false
	}
	switch codec {
	case "pcm":
		return make([]byte, 2*int(d.Seconds()*float64(rate))), true
	case "mp3":
		kbps, _ := strconv.Atoi(bitrateText)
		index, ok := mp3Bitrates[kbps]
		if rate != 44100 || !ok {
			return nil, false
		}
		frameLen := 144 * kbps * 1000 / rate // no padding: a little below the nominal bitrate
		frames := int((d.Seconds()*float64(rate) + 1151) / 1152)
		out := make([]byte, frames*frameLen)
		for i := 0; i < len(out); i += frameLen {
			// sync, MPEG-1, Layer III, no CRC; bitrate, 44.1 kHz, no padding; mono, original.
			out[i], out[i+1], out[i+2], out[i+3] = 0xFF, 0xFB, index<<4, 0xC4
		}
		return out, true
	}
	return nil, false
}
