package elevenlabs_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/elevenlabs"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/fakes/elevenlabsfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

func sentence() voice.Request {
	return voice.Request{Text: "Hello! Shall we have some cocoa?", VoiceID: elevenlabsfake.VoiceGeorge}
}

// TestErrorMapping: each of the fake's failures gets the kind that decides retries, and neither
// ElevenLabs' words nor the key reach the error's text; the key does not reach the cause either.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		b      elevenlabsfake.Behaviour
		kind   domain.Kind
		reason string
		after  time.Duration
	}{
		{"429 concurrency", elevenlabsfake.RateLimited("7"), domain.KindRateLimited, "speech_rate_limited", 7 * time.Second},
		{"429 system busy", elevenlabsfake.SystemBusy(), domain.KindRateLimited, "speech_rate_limited", 0},
		{"401 quota", elevenlabsfake.QuotaExceeded(), domain.KindInternal, "quota_exceeded", 0},
		{"401 key", elevenlabsfake.Error(http.StatusUnauthorized), domain.KindInternal, "speech_auth", 0},
		{"403 permissions", elevenlabsfake.Error(http.StatusForbidden), domain.KindInternal, "speech_auth", 0},
		{"404 voice", elevenlabsfake.Error(http.StatusNotFound), domain.KindInvalid, "speech_voice_not_found", 0},
		{"400 voice", elevenlabsfake.Behaviour{Status: 400, DetailStatus: "voice_not_found"}, domain.KindInvalid, "speech_voice_not_found", 0},
		{"400 other", elevenlabsfake.Error(http.StatusBadRequest), domain.KindInvalid, "speech_rejected", 0},
		{"422", elevenlabsfake.Error(http.StatusUnprocessableEntity), domain.KindInvalid, "speech_rejected", 0},
		{"500", elevenlabsfake.Error(http.StatusInternalServerError), domain.KindUnavailable, "speech_unavailable", 0},
		{"503 retry after", elevenlabsfake.Behaviour{Status: 503, RetryAfter: "3"}, domain.KindUnavailable, "speech_unavailable", 3 * time.Second},
		{"empty", elevenlabsfake.Empty(), domain.KindUnavailable, "speech_bad_response", 0},
		{"html", elevenlabsfake.WrongContentType(), domain.KindUnavailable, "speech_bad_response", 0},
		{"not audio", elevenlabsfake.NotAudio(), domain.KindUnavailable, "speech_bad_response", 0},
		{"key quoted", elevenlabsfake.Behaviour{Status: 500, Message: "the proxy saw xi-api-key " + testKey},
			domain.KindUnavailable, "speech_unavailable", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := newFake(t, elevenlabsfake.WithErrorMessage("SECRET PROVIDER TEXT"))
			fake.Script(tc.b)
			_, err := newSynthesizer(t, fake).Synthesize(t.Context(), sentence())
			require.Error(t, err)
			e := domain.AsError(err)
			require.NotNil(t, e, "%v", err)
			assert.Equal(t, tc.kind, e.Kind, "%v", err)
			assert.Equal(t, tc.reason, e.Reason, "%v", err)
			assert.Equal(t, tc.after, e.RetryAfter)
			assert.NotContains(t, e.Message, "SECRET PROVIDER TEXT")
			assert.NotContains(t, err.Error(), testKey, "the key never reaches an error")
		})
	}
}

// TestFakeValidationMapsToKinds: what the fake refuses before any behaviour.
func TestFakeValidationMapsToKinds(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	syn := newSynthesizer(t, fake)
	_, err := syn.Synthesize(t.Context(), voice.Request{Text: "Hi.", VoiceID: "NoSuchVoice123"})
	assert.Equal(t, "speech_voice_not_found", domain.AsError(err).Reason, "%v", err)
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err))

	_, err = syn.Synthesize(t.Context(), voice.Request{Text: "Hi.", VoiceID: elevenlabsfake.VoiceGeorge, Model: "eleven_v9"})
	assert.Equal(t, "speech_not_found", domain.AsError(err).Reason, "%v", err)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))

	wrongKey := newSynthesizer(t, fake, func(c *elevenlabs.Config) { c.APIKey = "sk_wrong_key_123456" })
	_, err = wrongKey.Synthesize(t.Context(), sentence())
	assert.Equal(t, "speech_auth", domain.AsError(err).Reason, "%v", err)
	assert.NotContains(t, err.Error(), "sk_wrong_key_123456")
}

func TestTimeoutAndCancel(t *testing.T) {
	t.Parallel()
	fake := newFake(t, elevenlabsfake.WithBehaviour(elevenlabsfake.Hang()))
	_, err := newSynthesizer(t, fake, func(c *elevenlabs.Config) { c.Timeout = 50 * time.Millisecond }).
		Synthesize(t.Context(), sentence())
	assert.Equal(t, "speech_timeout", domain.AsError(err).Reason, "%v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, domain.KindOf(err).Retryable())

	ctx, cancel := context.WithCancel(t.Context())
	syn := newSynthesizer(t, fake)
	go func() {
		<-fake.Arrived(2)
		cancel()
	}()
	_, err = syn.Synthesize(ctx, sentence())
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))

	slow := newFake(t, elevenlabsfake.WithBehaviour(elevenlabsfake.Slow(20*time.Millisecond)))
	_, err = newSynthesizer(t, slow).Synthesize(t.Context(), sentence())
	assert.NoError(t, err, "a slow answer within the timeout is an answer")
}

// TestRefusedBeforeAnyCall: what no request is sent for.
func TestRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	syn := newSynthesizer(t, fake)
	for _, tc := range []struct {
		req    voice.Request
		reason string
	}{
		{voice.Request{Text: " \n", VoiceID: elevenlabsfake.VoiceGeorge}, "speech_text_empty"},
		{voice.Request{Text: string(make([]rune, 10_001)), VoiceID: elevenlabsfake.VoiceGeorge}, "speech_text_too_long"},
		{voice.Request{Text: "Hi."}, "speech_no_voice"},
		{voice.Request{Text: "Hi.", VoiceID: "../voices"}, "speech_voice_not_found"},
	} {
		_, err := syn.Synthesize(t.Context(), tc.req)
		require.Error(t, err)
		assert.Equal(t, tc.reason, domain.AsError(err).Reason)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
	}
	assert.Empty(t, fake.Requests())
}
