package voice_test

import (
	"context"
	"encoding/binary"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/voice"
)

// hearing is a transcriber that says what it is told and keeps what it heard.
type hearing struct {
	mu    sync.Mutex
	heard []voice.Recording
	out   voice.Transcript
	err   error
}

func (h *hearing) Transcribe(_ context.Context, rec voice.Recording) (voice.Transcript, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.heard = append(h.heard, rec)
	return h.out, h.err
}

func (h *hearing) calls() []voice.Recording {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]voice.Recording(nil), h.heard...)
}

// wav is a mono 16-bit 8 kHz WAV of d.
func wav(d time.Duration) []byte {
	n := int(d.Seconds() * 8000 * 2)
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

func noteApp(t *testing.T, h *hearing) (*voice.App, *mediafake.Blobs, *mediafake.Rows) {
	t.Helper()
	blobs, rows := mediafake.NewBlobs(), &mediafake.Rows{}
	app, err := voice.NewApp(voice.Deps{Transcriber: h, Blobs: blobs, Media: rows, Clock: clocktest.New(now)})
	require.NoError(t, err)
	require.True(t, app.Transcribes())
	require.False(t, app.Configured(), "no speech backend: replies are not spoken")
	return app, blobs, rows
}

func TestAVoiceNoteIsHeardAndKept(t *testing.T) {
	t.Parallel()
	h := &hearing{out: voice.Transcript{Text: "  Hello   there.\n", Language: "en"}}
	app, blobs, rows := noteApp(t, h)
	owner, comp := domain.NewID(now), domain.NewID(now.Add(time.Millisecond))
	rec := wav(2 * time.Second)
	note, err := app.TranscribeNote.Handle(context.Background(), voice.TranscribeNote{OwnerID: owner, CompanionID: comp,
		Data: rec, Language: " EN "})
	require.NoError(t, err)
	require.Equal(t, "Hello there.", note.Text)
	require.Equal(t, []voice.Recording{{Data: rec, ContentType: media.WAV, Language: "en"}}, h.calls())
	data, ct, ok := blobs.Blob(note.Audio.String())
	require.True(t, ok)
	require.Equal(t, rec, data)
	require.Equal(t, "audio/wav", ct)
	created := rows.Created()
	require.Len(t, created, 1)
	require.Equal(t, owner, created[0].OwnerID)
	require.Equal(t, comp, created[0].CompanionID)
	require.Equal(t, media.KindAudio, created[0].Kind)
}

func TestAVoiceNoteIsRecognisedByItsBytes(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		data []byte
		want media.ContentType
	}{
		"webm": {[]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01 webm"), media.WebM},
		"m4a":  {[]byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00"), media.M4A},
		"ogg":  {[]byte("OggS\x00\x02 opus"), media.OGG},
		"mp3":  {[]byte("ID3\x04\x00 frames"), media.MP3},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := &hearing{out: voice.Transcript{Text: "hi"}}
			app, _, _ := noteApp(t, h)
			_, err := app.TranscribeNote.Handle(context.Background(), voice.TranscribeNote{Data: tc.data})
			require.NoError(t, err)
			require.Equal(t, tc.want, h.calls()[0].ContentType)
		})
	}
}

func TestABadVoiceNoteIsNamedAndNotHeard(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   voice.TranscribeNote
		code string
	}{
		"empty":        {voice.TranscribeNote{}, "required"},
		"not audio":    {voice.TranscribeNote{Data: []byte("<html>hi</html>")}, "unsupported_type"},
		"too large":    {voice.TranscribeNote{Data: append([]byte("OggS"), make([]byte, voice.MaxNoteBytes)...)}, "too_large"},
		"too long":     {voice.TranscribeNote{Data: wav(voice.MaxNoteDuration + time.Second)}, "too_long"},
		"bad language": {voice.TranscribeNote{Data: wav(time.Second), Language: "en; rm -rf"}, "invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := &hearing{out: voice.Transcript{Text: "hi"}}
			app, blobs, _ := noteApp(t, h)
			_, err := app.TranscribeNote.Handle(context.Background(), tc.in)
			requireKind(t, err, domain.KindInvalid)
			require.Contains(t, err.Error(), tc.code)
			require.Empty(t, h.calls(), "nothing is heard")
			require.Zero(t, blobs.Count(), "nothing is kept")
		})
	}
}

func TestAVoiceNoteWithoutWordsOrTooLongIsNotKept(t *testing.T) {
	t.Parallel()
	for name, out := range map[string]voice.Transcript{
		"no words":  {Text: " \n "},
		"too long":  {Text: "words", Duration: voice.MaxNoteDuration + time.Minute},
		"long text": {Text: strings.Repeat("word ", 2000)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			app, blobs, _ := noteApp(t, &hearing{out: out})
			note, err := app.TranscribeNote.Handle(context.Background(), voice.TranscribeNote{Data: wav(time.Second)})
			if name == "long text" {
				require.NoError(t, err)
				require.Len(t, []rune(note.Text), 4000, "held to what a message may say")
				return
			}
			requireKind(t, err, domain.KindInvalid)
			require.Zero(t, blobs.Count())
		})
	}
}

func TestAFailedTranscriptionKeepsNothing(t *testing.T) {
	t.Parallel()
	down := domain.E(domain.KindUnavailable, "transcription_unavailable", "down")
	app, blobs, _ := noteApp(t, &hearing{err: down})
	_, err := app.TranscribeNote.Handle(context.Background(), voice.TranscribeNote{Data: wav(time.Second)})
	require.ErrorIs(t, err, down)
	require.Zero(t, blobs.Count())
}

func TestVoiceNotesWithoutATranscriberAreNotConfigured(t *testing.T) {
	t.Parallel()
	app, err := voice.NewApp(voice.Deps{Synthesizer: &fakeSynth{}, Blobs: mediafake.NewBlobs(), Media: &mediafake.Rows{},
		Clock: clocktest.New(now)})
	require.NoError(t, err)
	require.False(t, app.Transcribes())
	_, err = app.TranscribeNote.Handle(context.Background(), voice.TranscribeNote{Data: wav(time.Second)})
	require.ErrorIs(t, err, usecase.ErrNotConfigured)
}
