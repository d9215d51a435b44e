package openaiembed_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaiembed"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/embedfake"
)

// providerText is what the fake puts in every error body: it may reach the log, never a client.
const providerText = "provider secret words"

// TestErrorKinds: what the service answers decides the kind, hence whether the call is retried.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		model  string
		b      embedfake.Behaviour
		kind   domain.Kind
		reason string
		after  time.Duration
	}{
		{"429 with Retry-After", embedfake.TextEmbedding3Small, embedfake.RateLimited("7"), domain.KindRateLimited, "embedding_rate_limited", 7 * time.Second},
		{"429 without Retry-After", embedfake.TextEmbedding3Small, embedfake.RateLimited(""), domain.KindRateLimited, "embedding_rate_limited", 0},
		{"429 out of quota", embedfake.TextEmbedding3Small, embedfake.Behaviour{Status: 429, ErrorCode: "insufficient_quota"}, domain.KindInternal, "embedding_billing", 0},
		{"500", embedfake.TextEmbedding3Small, embedfake.Error(500), domain.KindUnavailable, "embedding_unavailable", 0},
		{"503 with Retry-After", embedfake.TextEmbedding3Small, embedfake.Behaviour{Status: 503, RetryAfter: "3"}, domain.KindUnavailable, "embedding_unavailable", 3 * time.Second},
		{"501 no embeddings", embedfake.NomicEmbedText, embedfake.Error(501), domain.KindInternal, "embedding_unsupported", 0},
		{"403", embedfake.TextEmbedding3Small, embedfake.Error(403), domain.KindInternal, "embedding_auth", 0},
		{"404", embedfake.TextEmbedding3Small, embedfake.Error(404), domain.KindInternal, "embedding_not_found", 0},
		{"400 about the model", embedfake.TextEmbedding3Small, embedfake.Behaviour{Status: 400, ErrorParam: "model"}, domain.KindInternal, "embedding_not_found", 0},
		{"400 billing", embedfake.TextEmbedding3Small, embedfake.Behaviour{Status: 400, ErrorCode: "billing_hard_limit_reached"}, domain.KindInternal, "embedding_billing", 0},
		{"other 400", embedfake.TextEmbedding3Small, embedfake.Error(400), domain.KindInvalid, "embedding_rejected", 0},
		{"malformed JSON", embedfake.TextEmbedding3Small, embedfake.Malformed(), domain.KindUnavailable, "embedding_bad_response", 0},
		{"HTML page", embedfake.TextEmbedding3Small, embedfake.WrongContentType(), domain.KindUnavailable, "embedding_bad_response", 0},
		{"a vector missing", embedfake.TextEmbedding3Small, embedfake.MissingVector(), domain.KindUnavailable, "embedding_bad_response", 0},
		{"a vector shorter", embedfake.TextEmbedding3Small, embedfake.ShortVector(), domain.KindUnavailable, "embedding_bad_response", 0},
		{"a vector of zeros", embedfake.TextEmbedding3Small, embedfake.ZeroVector(), domain.KindUnavailable, "embedding_bad_response", 0},
		{"no indexes", embedfake.TextEmbedding3Small, embedfake.NoIndex(), domain.KindUnavailable, "embedding_bad_response", 0},
		{"unknown model", "text-embedding-4", embedfake.Succeed(), domain.KindInternal, "embedding_not_found", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := embedfake.New(t, embedfake.WithAPIKey(testKey), embedfake.WithErrorMessage(providerText),
				embedfake.WithBehaviour(tc.b))
			_, err := newEmbedder(t, fake, tc.model).Embed(t.Context(), texts)
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
	fake := embedfake.New(t, embedfake.WithAPIKey("sk-the-right-key-000"), embedfake.WithErrorMessage(providerText))
	_, err := newEmbedder(t, fake, embedfake.TextEmbedding3Small).Embed(t.Context(), texts)
	requireKind(t, err, domain.KindInternal, "embedding_auth")
	assert.Contains(t, err.Error(), providerText, "the cause keeps the service's words for the log")
	assert.NotContains(t, err.Error(), testKey)
}

// TestOllamaSaysNoEmbeddings: Ollama's plain error body for a chat model, in the status its older
// versions used, is misconfiguration too.
func TestOllamaSaysNoEmbeddings(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprint(w, `{"error":"this model does not support embeddings"}`)
	}))
	t.Cleanup(srv.Close)
	e, err := openaiembed.New(openaiembed.Config{BaseURL: srv.URL, Model: "llama3.2"}, srv.Client())
	require.NoError(t, err)
	_, err = e.Embed(t.Context(), texts)
	requireKind(t, err, domain.KindInternal, "embedding_unsupported")
}

// TestBatchFailures: a failed request fails the call, and so do vectors of another length than
// the earlier requests'.
func TestBatchFailures(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t)
	fake.Script(embedfake.Succeed(), embedfake.Error(500))
	small := func(c *openaiembed.Config) { c.BatchSize = 2 }
	_, err := newEmbedder(t, fake, embedfake.NomicEmbedText, small).Embed(t.Context(), texts)
	requireKind(t, err, domain.KindUnavailable, "embedding_unavailable")

	fake.Script(embedfake.Succeed(), embedfake.ShortVector())
	_, err = newEmbedder(t, fake, embedfake.NomicEmbedText, small).Embed(t.Context(), texts)
	requireKind(t, err, domain.KindUnavailable, "embedding_bad_response")
	assert.ErrorContains(t, err, "texts 2…")
}

// TestAnswerIsBounded: an answer far longer than the vectors asked for is not read whole.
func TestAnswerIsBounded(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, `{"data":[{"index":0,"embedding":[`+strings.Repeat("0.5,", 1<<20)+`0.5]}]}`)
	}))
	t.Cleanup(srv.Close)
	e, err := openaiembed.New(openaiembed.Config{BaseURL: srv.URL, Model: "m"}, srv.Client())
	require.NoError(t, err)
	_, err = e.Embed(t.Context(), []string{"x"})
	requireKind(t, err, domain.KindUnavailable, "embedding_bad_response")
	assert.ErrorContains(t, err, "larger than")
}

// TestHangingService: a service that never answers is given up on when the caller's deadline or
// the adapter's Timeout passes, with a retryable error.
func TestHangingService(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t, embedfake.WithBehaviour(embedfake.Hang()))

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := newEmbedder(t, fake, embedfake.NomicEmbedText).Embed(ctx, texts)
	requireKind(t, err, domain.KindUnavailable, "embedding_timeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, domain.KindOf(err).Retryable())

	short := newEmbedder(t, fake, embedfake.NomicEmbedText, func(c *openaiembed.Config) { c.Timeout = 50 * time.Millisecond })
	_, err = short.Embed(t.Context(), texts)
	requireKind(t, err, domain.KindUnavailable, "embedding_timeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "EMBEDDINGS_TIMEOUT", "the error says which limit ran out")
}

// TestSlowServiceWithinTimeout: Timeout bounds each request, not the call.
func TestSlowServiceWithinTimeout(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t, embedfake.WithBehaviour(embedfake.Slow(40*time.Millisecond)))
	e := newEmbedder(t, fake, embedfake.NomicEmbedText, func(c *openaiembed.Config) { c.Timeout, c.BatchSize = time.Second, 1 })
	vs, err := e.Embed(t.Context(), texts)
	require.NoError(t, err)
	assert.Len(t, vs, 3)
}

// TestCancelledWhileWaiting: cancelling a call in flight ends it at once, saying so.
func TestCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t, embedfake.WithBehaviour(embedfake.Hang()))
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := newEmbedder(t, fake, embedfake.NomicEmbedText).Embed(ctx, texts)
		errc <- err
	}()
	awaittest.Closed(t, fake.Arrived(1), "the request's arrival")
	cancel()
	err := awaittest.Recv(t, errc, "the call's end")
	requireKind(t, err, domain.KindUnavailable, "embedding_cancelled")
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

// TestUnreachable: no server is a retryable unavailability.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	e, err := openaiembed.New(openaiembed.Config{BaseURL: url, Model: "m"}, nil)
	require.NoError(t, err)
	_, err = e.Embed(t.Context(), texts)
	requireKind(t, err, domain.KindUnavailable, "embedding_unavailable")
}
