package openaistt_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaistt"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/sttfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

// providerText is what the fake puts in every error body: it may reach the log, never a client.
const providerText = "provider secret words"

// TestErrorKinds: what the service answers decides the kind, hence whether the call is retried.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	speech := sttfake.SpeechWAV()
	for _, tc := range []struct {
		name   string
		b      sttfake.Behaviour
		rec    voice.Recording
		kind   domain.Kind
		reason string
		after  time.Duration
	}{
		{"429 with Retry-After", sttfake.RateLimited("7"), speech, domain.KindRateLimited, "transcription_rate_limited", 7 * time.Second},
		{"429 without Retry-After", sttfake.RateLimited(""), speech, domain.KindRateLimited, "transcription_rate_limited", 0},
		{"429 out of quota", sttfake.QuotaExceeded(), speech, domain.KindInternal, "transcription_quota_exceeded", 0},
		{"500", sttfake.Error(500), speech, domain.KindUnavailable, "transcription_unavailable", 0},
		{"503 with Retry-After", sttfake.Behaviour{Status: 503, RetryAfter: "3"}, speech, domain.KindUnavailable, "transcription_unavailable", 3 * time.Second},
		{"401", sttfake.Error(401), speech, domain.KindInternal, "transcription_auth", 0},
		{"403", sttfake.Error(403), speech, domain.KindInternal, "transcription_auth", 0},
		{"404", sttfake.Error(404), speech, domain.KindInternal, "transcription_not_found", 0},
		{"413", sttfake.Error(413), speech, domain.KindInvalid, "transcription_audio_too_large", 0},
		{"400 could not decode", sttfake.Error(400), speech, domain.KindInvalid, "transcription_audio_unreadable", 0},
		{"other 400", sttfake.Behaviour{Status: 400, ErrorParam: "prompt", ErrorCode: "invalid_value"}, speech, domain.KindInvalid, "transcription_rejected", 0},
		{"422", sttfake.Error(422), speech, domain.KindInvalid, "transcription_rejected", 0},
		{"not audio the server reads", sttfake.Succeed(), voice.Recording{Data: []byte("not audio at all"), ContentType: media.OGG},
			domain.KindInvalid, "transcription_audio_unreadable", 0},
		{"too short", sttfake.Succeed(), voice.Recording{Data: sttfake.WAV(make([]int16, 100)), ContentType: media.WAV},
			domain.KindInvalid, "transcription_audio_unreadable", 0},
		{"empty body", sttfake.EmptyBody(), speech, domain.KindUnavailable, "transcription_bad_response", 0},
		{"garbled JSON", sttfake.Garbled(), speech, domain.KindUnavailable, "transcription_bad_response", 0},
		{"HTML page", sttfake.HTML(), speech, domain.KindUnavailable, "transcription_bad_response", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := sttfake.New(t, sttfake.WithAPIKey(testKey), sttfake.WithErrorMessage(providerText),
				sttfake.WithBehaviour(tc.b))
			_, err := newTranscriber(t, fake).Transcribe(t.Context(), tc.rec)
			requireKind(t, err, tc.kind, tc.reason)
			assert.InDelta(t, tc.after, domain.AsError(err).RetryAfter, float64(time.Second), "RetryAfter")
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

// TestTooLargeForTheServer: a server with a lower limit than the API's answers 413, which is the
// recording's fault.
func TestTooLargeForTheServer(t *testing.T) {
	t.Parallel()
	fake := sttfake.New(t, sttfake.WithMaxFileBytes(1000), sttfake.WithErrorMessage(providerText))
	_, err := newTranscriber(t, fake).Transcribe(t.Context(), voice.Recording{Data: sttfake.Sample("mp3", 2000), ContentType: media.MP3})
	requireKind(t, err, domain.KindInvalid, "transcription_audio_too_large")
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
	fake := sttfake.New(t, sttfake.WithAPIKey("sk-the-right-key-000"), sttfake.WithErrorMessage(providerText))
	_, err := newTranscriber(t, fake).Transcribe(t.Context(), sttfake.SpeechWAV())
	requireKind(t, err, domain.KindInternal, "transcription_auth")
	assert.Contains(t, err.Error(), providerText, "the cause keeps the service's words for the log")
	assert.NotContains(t, err.Error(), testKey)
	assert.NotContains(t, err.Error(), "0123456789abcdef")
}

// TestSlowService: an answer slower than the caller's deadline or the adapter's Timeout is given
// up on with a retryable error.
func TestSlowService(t *testing.T) {
	t.Parallel()
	fake := sttfake.New(t, sttfake.WithAPIKey(testKey), sttfake.WithBehaviour(sttfake.Slow(time.Minute)))

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := newTranscriber(t, fake).Transcribe(ctx, sttfake.SpeechWAV())
	requireKind(t, err, domain.KindUnavailable, "transcription_timeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, domain.KindOf(err).Retryable())

	short := newTranscriber(t, fake, func(c *openaistt.Config) { c.Timeout = 50 * time.Millisecond })
	_, err = short.Transcribe(t.Context(), sttfake.SpeechWAV())
	requireKind(t, err, domain.KindUnavailable, "transcription_timeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "STT_TIMEOUT", "the error says which limit ran out")
}

// TestCancelledWhileWaiting: cancelling a call in flight ends it at once, saying so.
func TestCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	fake := sttfake.New(t, sttfake.WithBehaviour(sttfake.Hang()))
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := newTranscriber(t, fake).Transcribe(ctx, sttfake.SpeechWAV())
		errc <- err
	}()
	awaittest.Closed(t, fake.Arrived(1), "the request's arrival")
	cancel()
	err := awaittest.Recv(t, errc, "the call's end")
	requireKind(t, err, domain.KindUnavailable, "transcription_cancelled")
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

// TestUnreachable: no server is a retryable unavailability.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	tr, err := openaistt.New(openaistt.Config{BaseURL: url}, nil)
	require.NoError(t, err)
	_, err = tr.Transcribe(t.Context(), sttfake.SpeechWAV())
	requireKind(t, err, domain.KindUnavailable, "transcription_unavailable")
}

// TestRefusedBeforeAnyCall: an empty recording, one over the API's limit and one of no format it
// reads never reach the service.
func TestRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	fake := sttfake.New(t)
	tr := newTranscriber(t, fake)
	_, err := tr.Transcribe(t.Context(), voice.Recording{ContentType: media.WAV})
	requireKind(t, err, domain.KindInvalid, "transcription_audio_empty")
	_, err = tr.Transcribe(t.Context(), voice.Recording{Data: sttfake.Sample("mp3", openaistt.MaxFileBytes+1), ContentType: media.MP3})
	requireKind(t, err, domain.KindInvalid, "transcription_audio_too_large")
	_, err = tr.Transcribe(t.Context(), voice.Recording{Data: []byte("plain text, no audio")})
	requireKind(t, err, domain.KindInvalid, "transcription_audio_unsupported")
	assert.Empty(t, fake.Requests())
}
