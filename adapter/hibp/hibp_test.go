package hibp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/contract/passwordcheckertest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

const (
	breachedPW = "P@ssw0rd1234"
	cleanPW    = "a clean passphrase nobody has leaked 8f3a"
)

func checkerFor(t *testing.T, base string, timeout time.Duration) *Checker {
	t.Helper()
	c := DefaultConfig()
	c.BaseURL, c.Timeout = base, timeout
	return New(c, nil)
}

func TestConformance(t *testing.T) {
	passwordcheckertest.RunBreach(t, func(t *testing.T) (accountuc.BreachChecker, string, string) {
		_, srv := newFakeRange(t, map[string]int{breachedPW: 3})
		return checkerFor(t, srv.URL, 5*time.Second), breachedPW, cleanPW
	})
}

func TestAnswers(t *testing.T) {
	tests := map[string]struct {
		tweak func(*fakeRange)
		pw    string
		want  bool
	}{
		"breached":                    {pw: breachedPW, want: true},
		"clean":                       {pw: cleanPW, want: false},
		"lower-case suffixes":         {tweak: func(f *fakeRange) { f.lower = true }, pw: breachedPW, want: true},
		"LF line endings":             {tweak: func(f *fakeRange) { f.lf = true }, pw: breachedPW, want: true},
		"own suffix only as padding":  {tweak: func(f *fakeRange) { f.zero = []string{sha1Hex(cleanPW)[5:]} }, pw: cleanPW, want: false},
		"breached once":               {tweak: func(f *fakeRange) { f.counts[sha1Hex(cleanPW)] = 1 }, pw: cleanPW, want: true},
		"unicode password":            {tweak: func(f *fakeRange) { f.counts[sha1Hex("пароль123456")] = 7 }, pw: "пароль123456", want: true},
		"trailing newline and spaces": {tweak: func(f *fakeRange) { f.body = ptr(sha1Hex(breachedPW)[5:] + ":3 \r\n\r\n") }, pw: breachedPW, want: true},
		"breached entry last, no CRLF": {tweak: func(f *fakeRange) {
			f.body = ptr("0000000000000000000000000000000000A:0\r\n" + sha1Hex(breachedPW)[5:] + ":9")
		}, pw: breachedPW, want: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, srv := newFakeRange(t, map[string]int{breachedPW: 3})
			if tt.tweak != nil {
				tt.tweak(f)
			}
			got, err := checkerFor(t, srv.URL, 5*time.Second).Breached(t.Context(), tt.pw)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestOnlyThePrefixLeaves(t *testing.T) {
	f, srv := newFakeRange(t, map[string]int{breachedPW: 3})
	c := checkerFor(t, srv.URL+"/", 5*time.Second) // a trailing slash must not double up
	_, err := c.Breached(t.Context(), breachedPW)
	require.NoError(t, err)

	reqs := f.received()
	require.Len(t, reqs, 1)
	r := reqs[0]
	full := sha1Hex(breachedPW)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "/range/"+full[:5], r.URL.Path)
	assert.Equal(t, "true", r.Header.Get("Add-Padding"))
	assert.Equal(t, "companionhub", r.Header.Get("User-Agent"))
	dump, err := httputil.DumpRequest(r, true)
	require.NoError(t, err)
	for _, secret := range []string{breachedPW, full, strings.ToLower(full), full[5:], strings.ToLower(full[5:])} {
		assert.NotContains(t, string(dump), secret)
	}
}

func TestFailuresAreUnavailable(t *testing.T) {
	tests := map[string]struct {
		tweak      func(*fakeRange)
		path       string
		timeout    time.Duration
		retryAfter time.Duration
	}{
		"500":                  {tweak: func(f *fakeRange) { f.status = 500 }},
		"503 with Retry-After": {tweak: func(f *fakeRange) { f.status = 503; f.header = http.Header{"Retry-After": {"120"}} }, retryAfter: 2 * time.Minute},
		"429 is not the user's limit": {tweak: func(f *fakeRange) {
			f.status = 429
			f.header = http.Header{"Retry-After": {"2"}}
		}, retryAfter: 2 * time.Second},
		"404 from a wrong base URL": {path: "/v3"},
		"HTML error page with 200":  {tweak: func(f *fakeRange) { f.body = ptr("<html><body>Service Unavailable</body></html>") }},
		"empty body":                {tweak: func(f *fakeRange) { f.body = ptr("") }},
		"short suffix":              {tweak: func(f *fakeRange) { f.body = ptr("ABCDEF:3\r\n") }},
		"count missing":             {tweak: func(f *fakeRange) { f.body = ptr(strings.Repeat("A", 35) + ":\r\n") }},
		"count not a number":        {tweak: func(f *fakeRange) { f.body = ptr(strings.Repeat("A", 35) + ":many\r\n") }},
		"negative count":            {tweak: func(f *fakeRange) { f.body = ptr(strings.Repeat("A", 35) + ":-1\r\n") }},
		"suffix not hex":            {tweak: func(f *fakeRange) { f.body = ptr(strings.Repeat("G", 35) + ":1\r\n") }},
		"one bad line among good":   {tweak: func(f *fakeRange) { f.body = ptr(strings.Repeat("A", 35) + ":1\r\nnonsense\r\n") }},
		"oversized body":            {tweak: func(f *fakeRange) { f.body = ptr(strings.Repeat(strings.Repeat("A", 35)+":0\r\n", maxBody/38+1)) }},
		"no answer before timeout":  {tweak: func(f *fakeRange) { f.hang = true }, timeout: 100 * time.Millisecond},
		"body stalls mid-way":       {tweak: func(f *fakeRange) { f.stallMid = true }, timeout: 100 * time.Millisecond},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, srv := newFakeRange(t, map[string]int{breachedPW: 3})
			if tt.tweak != nil {
				tt.tweak(f)
			}
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			got, err := checkerFor(t, srv.URL+tt.path, timeout).Breached(t.Context(), breachedPW)
			require.Error(t, err)
			assert.False(t, got)
			e := domain.AsError(err)
			require.NotNil(t, e, "%v", err)
			assert.Equal(t, domain.KindUnavailable, e.Kind, "%v", err)
			assert.Equal(t, tt.retryAfter, e.RetryAfter)
			assert.NotContains(t, err.Error(), sha1Hex(breachedPW)[:5], "errors must not carry the prefix")
			if tt.timeout != 0 {
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			}
		})
	}
}

func TestServiceDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	_, err := checkerFor(t, base, 5*time.Second).Breached(t.Context(), breachedPW)
	assert.True(t, domain.IsKind(err, domain.KindUnavailable), "%v", err)
	assert.NotContains(t, err.Error(), sha1Hex(breachedPW)[:5])
}

func TestCallerGivesUp(t *testing.T) {
	f, srv := newFakeRange(t, nil)
	f.hang = true
	f.arrived = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := checkerFor(t, srv.URL, time.Minute).Breached(ctx, breachedPW)
		done <- err
	}()
	awaittest.Recv(t, f.arrived, "the request") // the request is in flight
	cancel()
	err := awaittest.Recv(t, done, "Breached's return")
	assert.True(t, domain.IsKind(err, domain.KindUnavailable), "%v", err)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, DefaultConfig().Validate())
	assert.Equal(t, "https://api.pwnedpasswords.com", DefaultConfig().BaseURL)
	bad := map[string]func(*Config){
		"empty URL":        func(c *Config) { c.BaseURL = "" },
		"relative URL":     func(c *Config) { c.BaseURL = "/range" },
		"ftp URL":          func(c *Config) { c.BaseURL = "ftp://api.pwnedpasswords.com" },
		"URL with query":   func(c *Config) { c.BaseURL = "https://api.pwnedpasswords.com?x=1" },
		"zero timeout":     func(c *Config) { c.Timeout = 0 },
		"negative timeout": func(c *Config) { c.Timeout = -time.Second },
		"no user agent":    func(c *Config) { c.UserAgent = " " },
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			c := DefaultConfig()
			mutate(&c)
			assert.Error(t, c.Validate())
			assert.Panics(t, func() { New(c, nil) })
		})
	}
	assert.Error(t, Config{}.Validate(), "the zero Config must not be valid")
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	assert.Equal(t, 30*time.Second, retryAfter("30", now))
	assert.Equal(t, 90*time.Second, retryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now))
	assert.Zero(t, retryAfter("", now))
	assert.Zero(t, retryAfter("soon", now))
	assert.Zero(t, retryAfter(now.Add(-time.Hour).Format(http.TimeFormat), now))
}

func ptr(s string) *string { return &s }
