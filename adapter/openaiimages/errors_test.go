package openaiimages_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaiimages"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/imagesfake"
	"github.com/companionhub/companionhub/usecase/picture"
)

// providerText is what the fake puts in every error body: it may reach the log, never a client.
const providerText = "provider secret words"

// TestErrorKinds: what the service answers decides the kind, hence whether the call is retried.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		model  string
		b      imagesfake.Behaviour
		kind   domain.Kind
		reason string
		after  time.Duration
	}{
		{"429 with Retry-After", imagesfake.GPTImage1, imagesfake.RateLimited("7"), domain.KindRateLimited, "image_rate_limited", 7 * time.Second},
		{"429 without Retry-After", imagesfake.GPTImage1, imagesfake.RateLimited(""), domain.KindRateLimited, "image_rate_limited", 0},
		{"429 out of quota", imagesfake.GPTImage1, imagesfake.Behaviour{Status: 429, ErrorCode: "insufficient_quota"}, domain.KindInternal, "image_billing", 0},
		{"500", imagesfake.GPTImage1, imagesfake.Error(500), domain.KindUnavailable, "image_unavailable", 0},
		{"503 with Retry-After", imagesfake.GPTImage1, imagesfake.Behaviour{Status: 503, RetryAfter: "3"}, domain.KindUnavailable, "image_unavailable", 3 * time.Second},
		{"content policy", imagesfake.DallE3, imagesfake.ContentPolicy(), domain.KindInvalid, "picture_refused", 0},
		{"moderation", imagesfake.GPTImage1, imagesfake.ContentPolicy(), domain.KindInvalid, "picture_refused", 0},
		{"billing limit", imagesfake.DallE3, imagesfake.Behaviour{Status: 400, ErrorCode: "billing_hard_limit_reached"}, domain.KindInternal, "image_billing", 0},
		{"403", imagesfake.GPTImage1, imagesfake.Error(403), domain.KindInternal, "image_auth", 0},
		{"404", imagesfake.GPTImage1, imagesfake.Error(404), domain.KindInternal, "image_not_found", 0},
		{"400 about the model", imagesfake.GPTImage1, imagesfake.Behaviour{Status: 400, ErrorParam: "model"}, domain.KindInternal, "image_not_found", 0},
		{"other 400", imagesfake.GPTImage1, imagesfake.Error(400), domain.KindInvalid, "image_rejected", 0},
		{"malformed JSON", imagesfake.GPTImage1, imagesfake.Malformed(), domain.KindUnavailable, "image_bad_response", 0},
		{"HTML page", imagesfake.GPTImage1, imagesfake.WrongContentType(), domain.KindUnavailable, "image_bad_response", 0},
		{"not a picture", imagesfake.GPTImage1, imagesfake.NotAPicture(), domain.KindUnavailable, "image_bad_response", 0},
		{"unknown model", "dall-e-4", imagesfake.Succeed(), domain.KindInternal, "image_not_found", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := imagesfake.New(t, imagesfake.WithAPIKey(testKey), imagesfake.WithErrorMessage(providerText),
				imagesfake.WithBehaviour(tc.b))
			_, err := newGenerator(t, fake, tc.model).Generate(t.Context(), request(), nil)
			requireKind(t, err, tc.kind, tc.reason)
			assert.InDelta(t, tc.after, domain.AsError(err).RetryAfter, float64(time.Second), "RetryAfter")
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
	fake := imagesfake.New(t, imagesfake.WithAPIKey("sk-the-right-key-000"), imagesfake.WithErrorMessage(providerText))
	_, err := newGenerator(t, fake, imagesfake.GPTImage1).Generate(t.Context(), request(), nil)
	requireKind(t, err, domain.KindInternal, "image_auth")
	assert.Contains(t, err.Error(), providerText, "the cause keeps the service's words for the log")
	assert.NotContains(t, err.Error(), testKey)
}

// TestHangingService: a service that never answers is given up on when the caller's deadline or
// the adapter's Timeout passes, with a retryable error.
func TestHangingService(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t, imagesfake.WithBehaviour(imagesfake.Hang()))

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := newGenerator(t, fake, imagesfake.GPTImage1).Generate(ctx, request(), nil)
	requireKind(t, err, domain.KindUnavailable, "image_timeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, domain.KindOf(err).Retryable())

	short := newGenerator(t, fake, imagesfake.GPTImage1, func(c *openaiimages.Config) { c.Timeout = 50 * time.Millisecond })
	_, err = short.Generate(t.Context(), request(), nil)
	requireKind(t, err, domain.KindUnavailable, "image_timeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "IMAGE_TIMEOUT", "the error says which limit ran out")
}

// TestCancelledWhileWaiting: cancelling a call in flight ends it at once, saying so.
func TestCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t, imagesfake.WithBehaviour(imagesfake.Hang()))
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := newGenerator(t, fake, imagesfake.GPTImage1).Generate(ctx, request(), nil)
		errc <- err
	}()
	awaittest.Closed(t, fake.Arrived(1), "the request's arrival")
	cancel()
	err := awaittest.Recv(t, errc, "the call's end")
	requireKind(t, err, domain.KindUnavailable, "image_cancelled")
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

// TestUnreachable: no server is a retryable unavailability.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	g, err := openaiimages.New(openaiimages.Config{BaseURL: url}, nil)
	require.NoError(t, err)
	_, err = g.Generate(t.Context(), request(), nil)
	requireKind(t, err, domain.KindUnavailable, "image_unavailable")
}

// TestRefusedBeforeAnyCall: sizes outside the port's range and an empty prompt never reach the
// service.
func TestRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t)
	g := newGenerator(t, fake, imagesfake.GPTImage1)
	for _, edit := range []func(r *picture.Request){
		func(r *picture.Request) { r.Width = 32 },
		func(r *picture.Request) { r.Height = 4096 },
		func(r *picture.Request) { r.Prompt = " " },
	} {
		req := request()
		edit(&req)
		_, err := g.Generate(t.Context(), req, nil)
		require.Error(t, err)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
	}
	assert.Empty(t, fake.Requests())
}
