package sttfake

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Extensions are the file name extensions the API accepts, and the format each names.
var Extensions = map[string]string{
	"flac": "flac", "m4a": "mp4", "mp3": "mp3", "mp4": "mp4", "mpeg": "mp3", "mpga": "mp3",
	"oga": "ogg", "ogg": "ogg", "wav": "wav", "webm": "webm",
}

// supportedList is the list OpenAI's "Invalid file format" message quotes.
const supportedList = "['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']"

// Sniff names the format of b by its signature: "wav", "mp3", "ogg", "webm", "mp4", "flac", or ""
// for none the API reads.
func Sniff(b []byte) string {
	switch {
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "wav"
	case bytes.HasPrefix(b, []byte("OggS")):
		return "ogg"
	case bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return "webm"
	case len(b) >= 8 && string(b[4:8]) == "ftyp":
		return "mp4"
	case bytes.HasPrefix(b, []byte("fLaC")):
		return "flac"
	case bytes.HasPrefix(b, []byte("ID3")), len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		return "mp3"
	}
	return ""
}

// DefaultTranscript is what the server hears in a recording with sound when WithTranscript does
// not say.
func DefaultTranscript(data []byte) string { return fmt.Sprintf("transcript of %d bytes", len(data)) }

// wavInfo reads a PCM WAV's byte rate and data chunk; ok is false when b is not one.
func wavInfo(b []byte) (byteRate uint32, data []byte, ok bool) {
	if Sniff(b) != "wav" {
		return 0, nil, false
	}
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8:]
		if size < len(body) {
			body = body[:size]
		}
		switch id {
		case "fmt ":
			if len(body) >= 12 {
				byteRate = binary.LittleEndian.Uint32(body[8:12])
			}
		case "data":
			return byteRate, body, byteRate > 0
		}
		p += 8 + size + size%2
	}
	return 0, nil, false
}

// duration is how long b plays: from a WAV's header, else its size at 128 kbit/s.
func duration(b []byte) time.Duration {
	if rate, data, ok := wavInfo(b); ok {
		return time.Duration(float64(len(data)) / float64(rate) * float64(time.Second))
	}
	return time.Duration(float64(len(b)) * 8 / 128000 * float64(time.Second))
}

// silent reports whether b is a WAV whose samples are all zero.
func silent(b []byte) bool {
	_, data, ok := wavInfo(b)
	return ok && len(bytes.Trim(data, "\x00")) == 0
}

// WAV is a 16 kHz mono 16-bit PCM WAV of samples.
func WAV(samples []int16) []byte {
	const rate = 16000
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*len(samples)))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1)) // PCM
	le(uint16(1)) // mono
	le(uint32(rate))
	le(uint32(2 * rate)) // byte rate
	le(uint16(2))        // block align
	le(uint16(16))       // bits per sample
	b.WriteString("data")
	le(uint32(2 * len(samples)))
	le(samples)
	return b.Bytes()
}

// SpeechWAV is a second of sound (a 400 Hz square wave) as a WAV recording: what the server
// transcribes.
func SpeechWAV() voice.Recording {
	s := make([]int16, 16000)
	for i := range s {
		s[i] = 8000
		if i/20%2 == 1 {
			s[i] = -8000
		}
	}
	return voice.Recording{Data: WAV(s), ContentType: media.WAV}
}

// SilentWAV is a second of silence as a WAV recording: the server hears nothing in it.
func SilentWAV() voice.Recording {
	return voice.Recording{Data: WAV(make([]int16, 16000)), ContentType: media.WAV}
}

// Sample returns bytes that start as files of format do ("mp3", "ogg", "webm", "mp4", "flac",
// "wav"), padded to size bytes: enough for the server, which reads signatures only (but the
// durations of WAVs).
func Sample(format string, size int) []byte {
	var head []byte
	switch format {
	case "mp3":
		head = []byte("ID3\x04\x00\x00\x00\x00\x00\x00")
	case "ogg":
		head = []byte("OggS\x00\x02")
	case "webm":
		head = []byte{0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01}
	case "mp4":
		head = []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00")
	case "flac":
		head = []byte("fLaC\x80\x00\x00\x22")
	case "wav":
		return WAV(make([]int16, max(0, (size-44)/2)))
	}
	if size < len(head) {
		size = len(head)
	}
	out := make([]byte, size)
	copy(out, head)
	for i := len(head); i < size; i++ {
		out[i] = byte(i)
	}
	return out
}

// whisperNames are Whisper's names of the languages the server knows, which verbose_json reports.
var whisperNames = map[string]string{
	"en": "english", "fr": "french", "de": "german", "es": "spanish", "it": "italian", "pt": "portuguese",
	"nl": "dutch", "ja": "japanese", "zh": "chinese", "ru": "russian", "pl": "polish", "sv": "swedish",
	"ko": "korean", "uk": "ukrainian", "tr": "turkish", "ar": "arabic",
}

// srtTime and vttTime format a subtitle timestamp.
func srtTime(d time.Duration) string { return strings.Replace(vttTime(d), ".", ",", 1) }

func vttTime(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}
