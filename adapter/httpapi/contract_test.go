package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/test/sqlitetest"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// contract sends requests through a real server (SQLite behind it) and checks every request and
// every response against the OpenAPI document: status codes, headers and bodies must be what the
// document promises. It also records which operations were exercised.
type contract struct {
	t       *testing.T
	handler http.Handler
	router  routers.Router
	mu      sync.Mutex
	seen    map[string]bool
	model   *gatedModel
	hub     *core.Hub
}

// newContract builds the hub under contract; configure, when given, changes its configuration.
func newContract(t *testing.T, configure ...func(*core.Config)) *contract {
	t.Helper()
	ctx := context.Background()
	// The hub under contract is built as `serve` builds it (core.New), on the embedded profile with
	// a test's database, files in memory, cheap password hashes and room for many registrations.
	cfg := testConfig(t)
	cfg.Speech.Provider = "" // a hub without voice, unless a test configures it
	for _, c := range configure {
		c(&cfg)
	}
	model := &gatedModel{Model: offline.New(offline.Config{}), open: make(chan struct{})}
	close(model.open)
	hub, err := core.New(ctx, cfg, zap.NewNop(), core.WithDatabase(sqlitetest.Open(t)), core.WithModel(model))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	srv := hub

	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(ctx), "the document itself is valid OpenAPI")
	doc.Servers = nil // "/" means "wherever the document is served"; match any host
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	return &contract{t: t, handler: srv.Handler(), router: router, seen: map[string]bool{}, model: model, hub: hub}
}

// testConfig is the embedded profile as the HTTP tests run it: a test's own directory, files in
// memory, cheap password hashes and room for many registrations and logins.
func testConfig(t *testing.T) core.Config {
	cfg := core.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Blobs.URL = "mem://"
	cfg.PasswordHash.MemoryKiB, cfg.PasswordHash.Iterations = 1024, 1
	cfg.RateLimits.Register.Limit = ratelimit.Limit{Count: 100, Period: time.Hour}
	cfg.RateLimits.Login.Limit = ratelimit.Limit{Count: 100, Period: time.Hour}
	return cfg
}

var options = &openapi3filter.Options{
	// Security is the server's to enforce and the tests' to check; here only shapes are compared.
	AuthenticationFunc:    func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
	IncludeResponseStatus: true,
	MultiError:            true,
}

// header is an extra request header for call.
type header struct{ name, value string }

// call sends one request and returns the status and body after validating both directions.
// validRequest=false marks requests that break the document on purpose (to test the server's
// refusals); their responses are still validated.
func (c *contract) call(method, path, token string, body any, validRequest bool, headers ...header) (int, []byte, http.Header) {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(c.t, err)
	}
	req := httptest.NewRequest(method, "http://hub.test"+path, bytes.NewReader(raw))
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, h := range headers {
		req.Header.Set(h.name, h.value)
	}
	route, params, err := c.router.FindRoute(req)
	require.NoError(c.t, err, "%s %s is documented", method, path)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: options}
	if validRequest {
		require.NoError(c.t, openapi3filter.ValidateRequest(context.Background(), in), "%s %s: request matches the document", method, path)
		req.Body = io.NopCloser(bytes.NewReader(raw)) // the validator consumed it
	}
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, req)
	res := rec.Result()
	out := rec.Body.Bytes()
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.StatusCode, Header: res.Header, Options: options,
		Body: io.NopCloser(bytes.NewReader(out)),
	})
	require.NoError(c.t, err, "%s %s → %d: response matches the document; body: %s", method, path, res.StatusCode, out)
	c.mu.Lock()
	c.seen[strings.ToUpper(method)+" "+route.Path] = true
	c.mu.Unlock()
	return res.StatusCode, out, res.Header
}

func TestResponsesMatchTheOpenAPIDocument(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	const pw = "saffron-harbour-lighthouse-81"

	status, _, _ := c.call("GET", "/healthz", "", nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("GET", "/readyz", "", nil, true)
	require.Equal(t, 200, status)
	c.call("GET", "/metrics", "", nil, true)
	c.call("GET", "/api/v1/openapi.json", "", nil, true)

	// Feedback while a password is typed: the policy's verdict, nothing stored.
	status, body, _ := c.call("POST", "/api/v1/auth/password-check", "", map[string]string{"password": "too-short", "username": "ada"}, true)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, string(body), `"acceptable":false`)
	status, body, _ = c.call("POST", "/api/v1/auth/password-check", "", map[string]string{"password": pw}, true)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, string(body), `"acceptable":true`)
	status, _, _ = c.call("POST", "/api/v1/auth/password-check", "", map[string]any{"password": 12}, false)
	require.Equal(t, 400, status)

	reg := map[string]string{"email": "ada@example.com", "username": "ada", "display_name": "Ada", "password": pw}
	status, _, _ = c.call("POST", "/api/v1/auth/register", "", reg, true)
	require.Equal(t, 201, status)
	status, _, _ = c.call("POST", "/api/v1/auth/register", "", reg, true)
	require.Equal(t, 409, status)
	status, _, _ = c.call("POST", "/api/v1/auth/register", "", map[string]string{"email": "x", "username": "x", "display_name": "", "password": "x"}, false)
	require.Equal(t, 400, status)
	status, _, _ = c.call("POST", "/api/v1/auth/register", "", `{"email":`, false)
	require.Equal(t, 400, status)

	status, _, _ = c.call("POST", "/api/v1/auth/login", "", map[string]string{"identifier": "ada", "password": "nope-nope-nope"}, true)
	require.Equal(t, 401, status)
	status, body, _ = c.call("POST", "/api/v1/auth/login", "", map[string]string{"identifier": "ada", "password": pw}, true)
	require.Equal(t, 200, status)
	var login struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(body, &login))
	tok := login.Token
	_, body, _ = c.call("POST", "/api/v1/auth/login", "", map[string]string{"identifier": "ada@example.com", "password": pw}, true)
	var second struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(body, &second))

	status, _, _ = c.call("GET", "/api/v1/me", "", nil, true)
	require.Equal(t, 401, status)
	status, _, _ = c.call("GET", "/api/v1/me", tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("PATCH", "/api/v1/me", tok, map[string]string{"display_name": "Ada L."}, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("PATCH", "/api/v1/me", tok, map[string]string{"display_name": ""}, false)
	require.Equal(t, 400, status)

	status, body, _ = c.call("GET", "/api/v1/me/sessions", tok, nil, true)
	require.Equal(t, 200, status)
	var sessions struct {
		Items []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(body, &sessions))
	require.Len(t, sessions.Items, 2)
	var other string
	for _, s := range sessions.Items {
		if !s.Current {
			other = s.ID
		}
	}
	status, _, _ = c.call("DELETE", "/api/v1/me/sessions/"+other, tok, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("DELETE", "/api/v1/me/sessions/"+other, tok, nil, true)
	require.Equal(t, 404, status)

	status, _, _ = c.call("GET", "/api/v1/me/audit?limit=2", tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("GET", "/api/v1/me/audit?limit=500", tok, nil, false)
	require.Equal(t, 400, status)

	status, _, _ = c.call("POST", "/api/v1/me/password", tok, map[string]string{"current_password": "wrong-wrong-wrong", "new_password": "quince-meadow-tangent-53"}, true)
	require.Equal(t, 400, status)
	status, _, _ = c.call("POST", "/api/v1/me/password", tok, map[string]string{"current_password": pw, "new_password": "quince-meadow-tangent-53"}, true)
	require.Equal(t, 204, status)

	status, body, _ = c.call("POST", "/api/v1/auth/login", "", map[string]string{"identifier": "ada", "password": "quince-meadow-tangent-53"}, true)
	require.Equal(t, 200, status)
	var third struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(body, &third))
	status, _, _ = c.call("POST", "/api/v1/auth/logout", tok, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("POST", "/api/v1/auth/logout", tok, nil, true)
	require.Equal(t, 401, status)
	status, _, _ = c.call("POST", "/api/v1/auth/logout-all", third.Token, nil, true)
	require.Equal(t, 200, status)

	status, body, _ = c.call("POST", "/api/v1/auth/login", "", map[string]string{"identifier": "ada", "password": "quince-meadow-tangent-53"}, true)
	require.Equal(t, 200, status)
	var fresh struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(body, &fresh))
	companionID := c.companionJourney(t, fresh.Token)
	c.chatJourney(t, fresh.Token, companionID)
	c.imagesJourney(t, fresh.Token, companionID)
	c.memoryJourney(t, fresh.Token, companionID)
	c.voiceJourney(t, fresh.Token)
	c.voiceNoteJourney(t, fresh.Token, companionID)
	c.settingsJourney(t, fresh.Token)
	c.lorebookJourney(t, fresh.Token)
	c.communityJourney(t)
	c.schedulesJourney(t)
	c.tokensJourney(t)
	c.openAIJourney(t)
	c.exportJourney(t)
	c.usageJourney(t)
	c.roomsJourney(t)
	c.roomTalkJourney(t)
	c.eraseJourney(t)

	// Locked accounts answer 429 with Retry-After, as documented.
	for range 5 {
		c.call("POST", "/api/v1/auth/login", "", map[string]string{"identifier": "ada", "password": "nope-nope-nope"}, true)
	}
	status, _, hdr := c.call("POST", "/api/v1/auth/login", "", map[string]string{"identifier": "ada", "password": "quince-meadow-tangent-53"}, true)
	require.Equal(t, 429, status)
	require.NotEmpty(t, hdr.Get("Retry-After"))

	// Every documented operation was exercised and matched.
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			require.True(t, c.seen[strings.ToUpper(method)+" "+path], "%s %s was not exercised", strings.ToUpper(method), path)
		}
	}
}
