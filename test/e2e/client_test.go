package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"github.com/stretchr/testify/require"
)

// client talks to a hub as one user agent: its own cookie jar and, optionally, its own IP
// (announced through the trusted proxy header).
type client struct {
	t      *testing.T
	h      *hub
	http   *http.Client
	ip     string
	bearer string
}

func (h *hub) client(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &client{t: t, h: h, http: &http.Client{Jar: jar}, ip: randomIP()}
}

// randomIP returns an address in 198.18.0.0/15 (benchmarking range), distinct per client, so rate
// limits of parallel tests sharing a Redis never meet.
func randomIP() string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("198.%d.%d.%d", 18+b[0]%2, b[1], 1+b[0]%250)
}

func unique(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

type response struct {
	*http.Response
	body []byte
}

func (r *response) json(t require.TestingT, v any) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details struct {
		Reason            string `json:"reason"`
		RetryAfterSeconds int    `json:"retry_after_seconds"`
		Hints             []string
		Fields            []struct {
			Field string `json:"field"`
			Code  string `json:"code"`
		} `json:"fields"`
	} `json:"details"`
}

func (r *response) apiError(t *testing.T) apiError {
	t.Helper()
	var e struct {
		Error apiError `json:"error"`
	}
	r.json(t, &e)
	require.NotEmpty(t, e.Error.Code, "an error body: %s", r.body)
	return e.Error
}

type reqOpt func(*http.Request)

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// do sends a request; body is JSON-encoded unless it is a string (sent as is).
func (c *client) do(method, path string, body any, opts ...reqOpt) *response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte: // sent as it is (a form, a file), its Content-Type given with header
		rd = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		require.NoError(c.t, err)
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, c.h.URL+path, rd)
	require.NoError(c.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Forwarded-For", c.ip)
	req.Header.Set("User-Agent", "companionhub-e2e")
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for _, o := range opts {
		o(req)
	}
	res, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return &response{Response: res, body: data}
}

type user struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
}

const password = "saffron-harbour-lighthouse-81"

// register creates a fresh account and returns its username.
func (c *client) register(t *testing.T) user {
	t.Helper()
	name := unique("user")
	c.h.secret(password)
	c.h.secret(name + "@example.com")
	res := c.do("POST", "/api/v1/auth/register", map[string]string{"email": name + "@Example.com", "username": name,
		"display_name": "Test " + name, "password": password})
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
	var out struct {
		User user `json:"user"`
	}
	res.json(t, &out)
	require.Equal(t, name+"@example.com", out.User.Email)
	return out.User
}

// login signs in and returns the bearer token (the cookie lands in the client's jar).
func (c *client) login(t *testing.T, identifier string) string {
	t.Helper()
	res := c.do("POST", "/api/v1/auth/login", map[string]string{"identifier": identifier, "password": password})
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	var out struct {
		Token string `json:"token"`
		User  user   `json:"user"`
	}
	res.json(t, &out)
	require.NotEmpty(t, out.Token)
	c.h.secret(out.Token)
	return out.Token
}
