package openaispeech_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaispeech"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/fakes/speechfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

// TestRequestBody: the fields the API has, as the fake received them, with the key as a bearer
// token.
func TestRequestBody(t *testing.T) {
	t.Parallel()
	fake := speechfake.New(t, speechfake.WithAPIKey(testKey))
	syn := newSynthesizer(t, fake, func(c *openaispeech.Config) { c.Model, c.Voice = speechfake.TTS1HD, "coral" })
	for _, tc := range []struct {
		req                  voice.Request
		model, voice, format string
	}{
		{voice.Request{Text: "One."}, speechfake.TTS1HD, "coral", "mp3"},
		{voice.Request{Text: "Two.", VoiceID: "onyx", Model: speechfake.TTS1, Format: media.WAV}, speechfake.TTS1, "onyx", "wav"},
		{voice.Request{Text: "Three.", Format: media.OGG}, speechfake.TTS1HD, "coral", "opus"},
		{voice.Request{Text: "Four.", Format: media.MP3}, speechfake.TTS1HD, "coral", "mp3"},
	} {
		_, err := syn.Synthesize(t.Context(), tc.req)
		require.NoError(t, err)
		got := fake.Requests()[len(fake.Requests())-1]
		assert.Equal(t, "/v1/audio/speech", got.Path)
		assert.Equal(t, []string{"input", "model", "response_format", "voice"}, got.Params)
		assert.Equal(t, tc.req.Text, got.Input)
		assert.Equal(t, tc.model, got.Model)
		assert.Equal(t, tc.voice, got.Voice)
		require.NotNil(t, got.ResponseFormat)
		assert.Equal(t, tc.format, *got.ResponseFormat)
		assert.Equal(t, "Bearer "+testKey, got.Header.Get("Authorization"))
		assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	}
}

// TestFormats: each format comes back as what it is, with the duration the audio says.
func TestFormats(t *testing.T) {
	t.Parallel()
	fake := speechfake.New(t)
	syn := newSynthesizer(t, fake)
	text := "A sentence of some length, spoken."
	for _, tc := range []struct {
		want media.ContentType
		wire string
	}{{media.MP3, "mp3"}, {media.WAV, "wav"}, {media.OGG, "opus"}, {media.ContentType{}, "mp3"}} {
		a, err := syn.Synthesize(t.Context(), voice.Request{Text: text, Format: tc.want})
		require.NoError(t, err)
		require.NoError(t, voice.CheckAudio(a))
		assert.Equal(t, map[string]media.ContentType{"mp3": media.MP3, "wav": media.WAV, "opus": media.OGG}[tc.wire], a.ContentType)
		assert.Equal(t, time.Duration(speechfake.Duration(tc.wire, text))*time.Millisecond, a.Duration, tc.wire)
	}
}

// TestIgnoredFormat: a server that answers another format than asked is taken at its bytes.
func TestIgnoredFormat(t *testing.T) {
	t.Parallel()
	fake := speechfake.New(t, speechfake.WithBehaviour(speechfake.OtherFormat("wav")))
	a, err := newSynthesizer(t, fake).Synthesize(t.Context(), voice.Request{Text: "Hi.", Format: media.MP3})
	require.NoError(t, err)
	assert.Equal(t, media.WAV, a.ContentType)
	assert.NoError(t, voice.CheckAudio(a))
}
