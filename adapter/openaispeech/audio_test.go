package openaispeech_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/fakes/speechfake"
)

// TestStreamedWAV (the durations openaispeech reports, read by media.AudioDuration): a WAV streamed with an unknown length (0xFFFFFFFF) counts the bytes that came.
func TestStreamedWAV(t *testing.T) {
	t.Parallel()
	wav := speechfake.WAV("Hello.")
	want := media.AudioDuration(media.WAV, wav)
	assert.Equal(t, time.Duration(speechfake.Duration("wav", "Hello."))*time.Millisecond, want)
	binary.LittleEndian.PutUint32(wav[40:], 0xFFFFFFFF)
	assert.Equal(t, want, media.AudioDuration(media.WAV, wav))
	assert.Zero(t, media.AudioDuration(media.WAV, wav[:30]), "a cut header says nothing")
}

// TestMP3Garbage: frames stop counting at what is no frame; no frame is no duration.
func TestMP3Garbage(t *testing.T) {
	t.Parallel()
	mp3 := speechfake.MP3("Hello.")
	want := media.AudioDuration(media.MP3, mp3)
	assert.Equal(t, want, media.AudioDuration(media.MP3, append(mp3, []byte("TAG trailing junk")...)))
	assert.Zero(t, media.AudioDuration(media.MP3, []byte("ID3\x04\x00\x00\x00\x00\x00\x00junk")))
	assert.Zero(t, media.AudioDuration(media.OGG, []byte("OggS")))
}
