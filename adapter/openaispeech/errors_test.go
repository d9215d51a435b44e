package openaispeech_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaispeech"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/speechfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

// providerText is what the fake puts in every error body: it may reach the log, never a client.
const providerText = "provider secret words"

func request() voice.Request { return voice.Request{Text: "Hello! It's raining."} }

// TestErrorKinds: what the service answers decides the kind, hence whether the call is retried.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		b      speechfake.Behaviour
		req    voice.Request
		kind   domain.Kind
		reason string
		after  time.Duration
	}{
		{"429 with Retry-After", speechfake.RateLimited("7"), request(), domain.KindRateLimited, "speech_rate_limited", 7 * time.Second},
		{"429 without Retry-After", speechfake.RateLimited(""), request(), domain.KindRateLimited, "speech_rate_limited", 0},
		{"429 out of quota", speechfake.QuotaExceeded(), request(), domain.KindInternal, "speech_quota_exceeded", 0},
		{"500", speechfake.Error(500), request(), domain.KindUnavailable, "speech_unavailable", 0},
		{"503 with Retry-After", speechfake.Behaviour{Status: 503, RetryAfter: "3"}, request(), domain.KindUnavailable, "speech_unavailable", 3 * time.Second},
		{"403", speechfake.Error(403), request(), domain.KindInternal, "speech_auth", 0},
		{"404", speechfake.Error(404), request(), domain.KindInternal, "speech_not_found", 0},
		{"other 400", speechfake.Error(400), request(), domain.KindInvalid, "speech_rejected", 0},
		{"unknown voice", speechfake.Succeed(), voice.Request{Text: "Hi.", VoiceID: "bogus"}, domain.KindInvalid, "unknown_voice", 0},
		{"unknown model", speechfake.Succeed(), voice.Request{Text: "Hi.", Model: "tts-9"}, domain.KindInternal, "speech_not_found", 0},
		{"HTML page", speechfake.WrongContentType(), request(), domain.KindUnavailable, "unusable_audio", 0},
		{"empty body", speechfake.EmptyBody(), request(), domain.KindUnavailable, "unusable_audio", 0},
		{"not audio", speechfake.NotAudio(), request(), domain.KindUnavailable, "unusable_audio", 0},
		{"flac", speechfake.OtherFormat("flac"), request(), domain.KindUnavailable, "unusable_audio", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := speechfake.New(t, speechfake.WithAPIKey(testKey), speechfake.WithErrorMessage(providerText),
				speechfake.WithBehaviour(tc.b))
			_, err := newSynthesizer(t, fake).Synthesize(t.Context(), tc.req)
			requireKind(t, err, tc.kind, tc.reason)
			assert.InDelta(t, tc.after, domain.AsError(err).RetryAfter, float64(time.Second), "RetryAfter")
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

// requireKind checks err's kind and reason, and that the service's text stays out of the message
// a client sees.
func requireKind(t *testing.T, err error, kind domain.Kind, reason string) {
	t.Helper()
	require.Error(t, err)
	e := domain.AsError(err)
	require.NotNil(t, e, "%v", err)
	assert.Equal(t, kind, e.Kind, "%v", err)
	assert.Equal(t, reason, e.Reason, "%v", err)
	assert.NotContains(t, e.Message, providerText)
	assert.NotContains(t, e.Message, "fake provider detail")
}

// TestBadKey: a rejected key is misconfiguration, and the key the service quotes back is
// redacted from the cause that reaches the log.
func TestBadKey(t *testing.T) {
	t.Parallel()
	fake := speechfake.New(t, speechfake.WithAPIKey("sk-the-right-key-000"), speechfake.WithErrorMessage(providerText))
	_, err := newSynthesizer(t, fake).Synthesize(t.Context(), request())
	requireKind(t, err, domain.KindInternal, "speech_auth")
	assert.Contains(t, err.Error(), providerText, "the cause keeps the service's words for the log")
	assert.NotContains(t, err.Error(), testKey)
	assert.NotContains(t, err.Error(), "0123456789abcdef")
}

// TestSlowService: an answer slower than the caller's deadline or the adapter's Timeout is given
// up on with a retryable error.
func TestSlowService(t *testing.T) {
	t.Parallel()
	fake := speechfake.New(t, speechfake.WithAPIKey(testKey), speechfake.WithBehaviour(speechfake.Slow(time.Minute)))

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := newSynthesizer(t, fake).Synthesize(ctx, request())
	requireKind(t, err, domain.KindUnavailable, "speech_timeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, domain.KindOf(err).Retryable())

	short := newSynthesizer(t, fake, func(c *openaispeech.Config) { c.Timeout = 50 * time.Millisecond })
	_, err = short.Synthesize(t.Context(), request())
	requireKind(t, err, domain.KindUnavailable, "speech_timeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "TTS_TIMEOUT", "the error says which limit ran out")
}

// TestCancelledWhileWaiting: cancelling a call in flight ends it at once, saying so.
func TestCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	fake := speechfake.New(t, speechfake.WithBehaviour(speechfake.Hang()))
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := newSynthesizer(t, fake).Synthesize(ctx, request())
		errc <- err
	}()
	awaittest.Closed(t, fake.Arrived(1), "the request's arrival")
	cancel()
	err := awaittest.Recv(t, errc, "the call's end")
	requireKind(t, err, domain.KindUnavailable, "speech_cancelled")
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

// TestUnreachable: no server is a retryable unavailability.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	syn, err := openaispeech.New(openaispeech.Config{BaseURL: url}, nil)
	require.NoError(t, err)
	_, err = syn.Synthesize(t.Context(), request())
	requireKind(t, err, domain.KindUnavailable, "speech_unavailable")
}

// TestRefusedBeforeAnyCall: blank text and text over the API's limit never reach the service.
func TestRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	fake := speechfake.New(t)
	syn := newSynthesizer(t, fake)
	_, err := syn.Synthesize(t.Context(), voice.Request{Text: " \n"})
	requireKind(t, err, domain.KindInvalid, "speech_text_empty")
	_, err = syn.Synthesize(t.Context(), voice.Request{Text: strings.Repeat("é", openaispeech.MaxTextRunes+1)})
	requireKind(t, err, domain.KindInvalid, "speech_text_too_long")
	assert.Empty(t, fake.Requests())

	_, err = syn.Synthesize(t.Context(), voice.Request{Text: strings.Repeat("é", openaispeech.MaxTextRunes), Format: media.WAV})
	require.NoError(t, err, "the limit itself is allowed")
}
