package voice_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/voice"
)

func TestSpeakReplyNeedsAVoice(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]companion.Voice{
		"none":               {},
		"disabled":           {Provider: "elevenlabs", VoiceID: "EXAVITQu4vr4xnSDxMaL"},
		"enabled without id": {Provider: "elevenlabs", Enabled: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)

			// Even with nothing to say, the missing voice is what the owner can act on.
			for _, text := range []string{"Hello there.", "*smiles*"} {
				_, key, err := e.speak(t, v, text)
				require.ErrorIs(t, err, voice.ErrNoVoice)
				require.True(t, key.IsZero())
			}
			// Never a silent fallback to the backend's default voice.
			require.Empty(t, e.synth.requests())
			require.Zero(t, e.blobs.Count())
		})
	}
}

func TestSpeakReplyWithNothingToSay(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "   \n", "*smiles and nods*", "*waves* *leaves*"} {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)

			_, key, err := e.speak(t, aVoice, text)

			require.ErrorIs(t, err, voice.ErrNothingToSay)
			requireKind(t, err, domain.KindInvalid)
			require.True(t, key.IsZero())
			require.Empty(t, e.synth.requests(), "a blank text costs no synthesis")
		})
	}
}

func TestSpeakReplyAsksForTheSpokenTextAsMP3(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	_, _, err := e.speak(t, aVoice, "*smiles* Hello there.\n\nHow   are you?")
	require.NoError(t, err)

	reqs := e.synth.requests()
	require.Len(t, reqs, 1)
	require.Equal(t, voice.Request{Text: "Hello there. How are you?", VoiceID: aVoice.VoiceID, Format: media.MP3}, reqs[0])
}

func TestSpeakReplyStoresTheAudio(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// MP3 was asked for; a backend that cannot make it says what it sent, and that is stored.
	ogg := []byte("OggS\x00\x02\x00\x00 and pages")
	e.synth.out = voice.Audio{Data: ogg, ContentType: media.OGG}

	in, key, err := e.speak(t, aVoice, "Good night.")
	require.NoError(t, err)

	rows := e.media.Created()
	require.Len(t, rows, 1)
	row := rows[0]
	require.Equal(t, row.Key, key, "the reply carries the key of the recorded file")
	require.Equal(t, in.OwnerID, row.OwnerID)
	require.Equal(t, in.CompanionID, row.CompanionID)
	require.Equal(t, media.KindAudio, row.Kind)
	require.Equal(t, media.OGG, row.ContentType)
	require.Equal(t, int64(len(ogg)), row.Bytes)
	require.Zero(t, row.Width, "sounds have no dimensions")
	require.Equal(t, now, row.CreatedAt)
	require.True(t, strings.HasPrefix(key.String(), "aud/") && strings.HasSuffix(key.String(), ".ogg"), key.String())
	_, err = media.ParseKey(key.String())
	require.NoError(t, err)

	data, ct, ok := e.blobs.Blob(key.String())
	require.True(t, ok, "the row names a stored blob")
	require.Equal(t, ogg, data)
	require.Equal(t, "audio/ogg", ct)
}

func TestSpeakReplyRefusesUnusableAudio(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.synth.out = voice.Audio{Data: []byte("<html>rate limited</html>"), ContentType: media.MP3}

	_, key, err := e.speak(t, aVoice, "Hello.")

	require.ErrorIs(t, err, voice.ErrUnusableAudio)
	require.True(t, key.IsZero())
	require.Zero(t, e.blobs.Count(), "nothing unchecked is stored")
	require.Empty(t, e.media.Created())
}

func TestSpeakReplyReturnsSynthesizerErrorsUnchanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cause := domain.E(domain.KindInvalid, "unknown_voice", "the backend has no such voice")
	e.synth.err = cause

	_, key, err := e.speak(t, aVoice, "Hello.")

	// Unchanged: its kind decides whether the turn tries again.
	require.Same(t, cause, err)
	require.True(t, key.IsZero())
	require.Zero(t, e.blobs.Count())
	require.Empty(t, e.media.Created())
}

func TestSpeakReplyMediaRowFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind     domain.Kind
		keepBlob bool
	}{
		{domain.KindConflict, false},
		// A dropped connection may hide a row that was written: an orphan beats a row naming nothing.
		{domain.KindUnavailable, true},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			cause := domain.Errorf(tc.kind, "media row refused")
			e.media.Err = cause

			_, key, err := e.speak(t, aVoice, "Hello.")

			require.ErrorIs(t, err, cause)
			require.True(t, key.IsZero())
			require.Equal(t, tc.keepBlob, e.blobs.Count() == 1, "blobs left: %d", e.blobs.Count())
			require.Equal(t, !tc.keepBlob, len(e.blobs.Deleted()) == 1)
		})
	}
}

func TestSpeakReplySaysWhatItMadeAndHowLongItPlays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spoken, err := e.app.SpeakReply.Handle(context.Background(), voice.SpeakReply{OwnerID: domain.NewID(now),
		CompanionID: domain.NewID(now), Voice: aVoice, Text: "Hello."})
	require.NoError(t, err)
	require.False(t, spoken.Key.IsZero())
	require.Equal(t, media.MP3, spoken.ContentType)
	require.Equal(t, 2*time.Second, spoken.Duration, "the backend's")
}
