package a1111

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/a1111fake"
	"github.com/companionhub/companionhub/usecase/picture"
)

func TestStatusMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		b      a1111fake.Behaviour
		kind   domain.Kind
		reason string
		wait   time.Duration
	}{
		{"429 with Retry-After", a1111fake.RateLimited("7"), domain.KindRateLimited, "image_rate_limited", 7 * time.Second},
		{"429 without", a1111fake.RateLimited(""), domain.KindRateLimited, "image_rate_limited", 0},
		{"500", a1111fake.Error(500), domain.KindUnavailable, "image_unavailable", 0},
		{"503 with Retry-After", a1111fake.Behaviour{Status: 503, RetryAfter: "3"}, domain.KindUnavailable, "image_unavailable", 3 * time.Second},
		{"401", a1111fake.Error(401), domain.KindInternal, "image_auth", 0},
		{"403", a1111fake.Error(403), domain.KindInternal, "image_auth", 0},
		{"422", a1111fake.Error(422), domain.KindInvalid, "image_rejected", 0},
		{"400", a1111fake.Error(400), domain.KindInvalid, "image_rejected", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := a1111fake.New(t, a1111fake.WithBehaviour(tc.b))
			_, err := newClient(t, fake, testConfig(fake.URL())).Generate(t.Context(), request(), nil)
			e := requireError(t, err, tc.kind, tc.reason)
			assert.Equal(t, tc.wait, e.RetryAfter)
			assert.Contains(t, e.Error(), a1111fake.ProviderText, "the server's text is kept for the log")
		})
	}
}

// Without --api every /sdapi path answers FastAPI's 404: misconfiguration.
func TestServerWithoutTheAPI(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.Model, cfg.Sampler = "m", "Euler"
	_, err := newClient(t, nil, cfg).Generate(t.Context(), request(), nil)
	requireError(t, err, domain.KindInternal, "image_not_found")
}

func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := newClient(t, nil, testConfig(url)).Generate(t.Context(), request(), nil)
	requireError(t, err, domain.KindUnavailable, "image_unavailable")
}

func TestHangingServer(t *testing.T) {
	t.Parallel()
	t.Run("caller's deadline", func(t *testing.T) {
		t.Parallel()
		fake := a1111fake.New(t, a1111fake.WithBehaviour(a1111fake.Hang()))
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := newClient(t, fake, testConfig(fake.URL())).Generate(ctx, request(), nil)
		requireError(t, err, domain.KindUnavailable, "image_timeout")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("IMAGE_TIMEOUT", func(t *testing.T) {
		t.Parallel()
		fake := a1111fake.New(t, a1111fake.WithBehaviour(a1111fake.Hang()))
		cfg := testConfig(fake.URL())
		cfg.Timeout = 50 * time.Millisecond
		_, err := newClient(t, fake, cfg).Generate(t.Context(), request(), nil)
		requireError(t, err, domain.KindUnavailable, "image_timeout")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, errTimeout, "the error says which limit ran out")
	})
}

func TestCancelledDuringTheRender(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t, a1111fake.WithBehaviour(a1111fake.Hang()))
	arrived := make(chan struct{})
	var once sync.Once
	url := front(t, fake, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.URL.Path == "/sdapi/v1/txt2img" {
			once.Do(func() { close(arrived) })
		}
		next.ServeHTTP(w, r)
	})
	c := newClient(t, nil, testConfig(url))
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Generate(ctx, request(), func(picture.Progress) {})
		errc <- err
	}()
	awaittest.Recv(t, arrived, "the render")
	cancel()
	err := awaittest.Recv(t, errc, "Generate's return")
	requireError(t, err, domain.KindUnavailable, "image_cancelled")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestAnswerSizeIsBounded(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"images": ["` + string(make([]byte, 100)) + `"]}`))
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, nil, testConfig(srv.URL))
	var a answer
	err := c.call(t.Context(), http.MethodGet, "/", nil, &a, 64)
	require.ErrorIs(t, err, providerhttp.ErrTooLarge)
	requireError(t, c.fail(t.Context(), t.Context(), err), domain.KindUnavailable, "image_bad_response")
}

func TestCredentialsAreRedacted(t *testing.T) {
	t.Parallel()
	cfg := testConfig("http://127.0.0.1:1")
	cfg.APIKey = "hub:pa55word"
	c := newClient(t, nil, cfg)
	err := c.statusError(&statusError{path: "/x", code: 500, header: http.Header{},
		body: []byte(`{"detail": "bad auth hub:pa55word, password pa55word"}`)})
	assert.NotContains(t, err.Error(), "pa55word")
	assert.Contains(t, err.Error(), "bad auth [REDACTED]", "the rest of the server's text is kept")
}
