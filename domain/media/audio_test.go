package media_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/media"
)

// pcmWAV is a 16-bit mono WAV at 8 kHz of n bytes of silence.
func pcmWAV(n int) []byte {
	b := make([]byte, 44+n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(n))
	return b
}

func TestSniffAudio(t *testing.T) {
	t.Parallel()
	for want, b := range map[media.ContentType][]byte{
		media.WAV: pcmWAV(10),
		media.OGG: []byte("OggS\x00\x02"),
		media.MP3: []byte("ID3\x04\x00"),
		{}:        []byte("<html>"),
	} {
		require.Equal(t, want, media.SniffAudio(b))
	}
	require.Equal(t, media.MP3, media.SniffAudio([]byte{0xFF, 0xFB, 0x90, 0x00}), "an MPEG frame")
	require.True(t, media.SniffAudio([]byte{0xFF, 0xF1, 0x50, 0x80}).IsZero(), "AAC's ADTS is no MP3")
}

func TestAudioDuration(t *testing.T) {
	t.Parallel()
	require.Equal(t, 2*time.Second, media.AudioDuration(media.WAV, pcmWAV(32000)))
	require.Zero(t, media.AudioDuration(media.WAV, pcmWAV(32000)[:30]), "a cut header says nothing")
	require.Zero(t, media.AudioDuration(media.OGG, []byte("OggS")))
	require.Zero(t, media.AudioDuration(media.JPEG, pcmWAV(100)), "no audio type")
}
