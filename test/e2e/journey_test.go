package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// forEachProfile runs fn as a subtest per deployment profile, each with its own hub.
func forEachProfile(t *testing.T, fn func(t *testing.T, h *hub)) {
	for _, p := range profiles {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			fn(t, startHub(t, p.env(t)))
		})
	}
}

func TestOperationsEndpoints(t *testing.T) {
	t.Parallel()
	forEachProfile(t, func(t *testing.T, h *hub) {
		c := h.client(t)
		res := c.do("GET", "/healthz", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)

		res = c.do("GET", "/readyz", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		var ready struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}
		res.json(t, &ready)
		require.Equal(t, "ok", ready.Status)
		require.Equal(t, "ok", ready.Checks["database"])

		res = c.do("GET", "/api/v1/openapi.json", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var doc map[string]any
		res.json(t, &doc)
		require.Contains(t, doc["paths"], "/api/v1/auth/login")

		res = c.do("GET", "/metrics", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, string(res.body), `companionhub_http_requests_total{method="GET",route="GET /healthz",status="200"} 1`)
		require.Contains(t, string(res.body), "go_goroutines")
		require.Contains(t, string(res.body), "companionhub_password_hash_waiting 0")
		require.NotEmpty(t, res.Header.Get("X-Request-ID"))
	})
}

// TestAccountJourney is the path a new user takes: register, log in, use the API with the cookie
// and with the bearer token, manage sessions and the password, read the audit trail, log out.
func TestAccountJourney(t *testing.T) {
	t.Parallel()
	forEachProfile(t, func(t *testing.T, h *hub) {
		browser, api := h.client(t), h.client(t)
		u := browser.register(t)

		browser.login(t, u.Username)
		cookies := browser.http.Jar.Cookies(mustURL(t, h.URL))
		require.Len(t, cookies, 1)
		h.secret(cookies[0].Value)
		raw := browser.do("POST", "/api/v1/auth/login", map[string]string{"identifier": u.Email, "password": password})
		require.Equal(t, http.StatusOK, raw.StatusCode)
		setCookie := raw.Header.Get("Set-Cookie")
		require.Contains(t, setCookie, "HttpOnly")
		require.Contains(t, setCookie, "SameSite=Lax")
		require.NotContains(t, setCookie, "Secure", "plain HTTP: not Secure")
		h.secret(browser.http.Jar.Cookies(mustURL(t, h.URL))[0].Value)

		res := browser.do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "with the cookie")
		var me struct {
			User user `json:"user"`
		}
		res.json(t, &me)
		require.Equal(t, u.ID, me.User.ID)
		require.Equal(t, "no-store", res.Header.Get("Cache-Control"))

		api.bearer = api.login(t, u.Email)
		res = api.do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "with the bearer token")

		anonymous := h.client(t)
		res = anonymous.do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusUnauthorized, res.StatusCode)
		require.Equal(t, "unauthenticated", res.apiError(t).Code)

		res = browser.do("PATCH", "/api/v1/me", map[string]string{"display_name": "Dora"})
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		res.json(t, &me)
		require.Equal(t, "Dora", me.User.DisplayName)

		res = api.do("GET", "/api/v1/me/sessions", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var sessions struct {
			Items []struct {
				ID        string `json:"id"`
				Current   bool   `json:"current"`
				UserAgent string `json:"user_agent"`
				IP        string `json:"ip"`
			} `json:"items"`
		}
		res.json(t, &sessions)
		require.Len(t, sessions.Items, 2, "the browser's rotated session and the API's")
		current := 0
		for _, s := range sessions.Items {
			require.Equal(t, "companionhub-e2e", s.UserAgent)
			if s.Current {
				current++
				require.Equal(t, api.ip, s.IP, "the client IP behind the trusted proxy")
			}
		}
		require.Equal(t, 1, current)

		// Revoke the browser's session from the API client.
		var browserSession string
		for _, s := range sessions.Items {
			if !s.Current {
				browserSession = s.ID
			}
		}
		res = api.do("DELETE", "/api/v1/me/sessions/"+browserSession, nil)
		require.Equal(t, http.StatusNoContent, res.StatusCode, "%s", res.body)
		res = browser.do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusUnauthorized, res.StatusCode)
		res = api.do("DELETE", "/api/v1/me/sessions/"+browserSession, nil)
		require.Equal(t, http.StatusNotFound, res.StatusCode)

		// Change the password; the old one stops working.
		const newPassword = "quince-meadow-tangent-53"
		h.secret(newPassword)
		res = api.do("POST", "/api/v1/me/password", map[string]string{"current_password": password, "new_password": newPassword})
		require.Equal(t, http.StatusNoContent, res.StatusCode, "%s", res.body)
		res = anonymous.do("POST", "/api/v1/auth/login", map[string]string{"identifier": u.Username, "password": password})
		require.Equal(t, http.StatusUnauthorized, res.StatusCode)
		res = anonymous.do("POST", "/api/v1/auth/login", map[string]string{"identifier": u.Username, "password": newPassword})
		require.Equal(t, http.StatusOK, res.StatusCode)

		res = api.do("GET", "/api/v1/me/audit?limit=3", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var audit struct {
			Items []struct {
				Action string `json:"action"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		res.json(t, &audit)
		require.Len(t, audit.Items, 3)
		require.NotEmpty(t, audit.NextCursor)
		var actions []string
		for cursor := ""; ; {
			res = api.do("GET", "/api/v1/me/audit?limit=3&cursor="+cursor, nil)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
			audit.NextCursor = ""
			res.json(t, &audit)
			for _, it := range audit.Items {
				actions = append(actions, it.Action)
			}
			if cursor = audit.NextCursor; cursor == "" {
				break
			}
		}
		require.Equal(t, []string{"login_success", "login_failure", "password_change", "session_revoke", "profile_update",
			"login_success", "login_success", "login_success", "register"}, actions)

		// Log out: the token stops working; logging out everywhere ends the last session too.
		res = api.do("POST", "/api/v1/auth/logout", nil)
		require.Equal(t, http.StatusNoContent, res.StatusCode)
		res = api.do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusUnauthorized, res.StatusCode)

		other := h.client(t)
		other.bearer = loginWith(t, other, u.Username, newPassword)
		res = other.do("POST", "/api/v1/auth/logout-all", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var revoked struct {
			Revoked int `json:"revoked"`
		}
		res.json(t, &revoked)
		require.GreaterOrEqual(t, revoked.Revoked, 1)
		res = other.do("GET", "/api/v1/me", nil)
		require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	})
}

func loginWith(t *testing.T, c *client, ident, pw string) string {
	t.Helper()
	res := c.do("POST", "/api/v1/auth/login", map[string]string{"identifier": ident, "password": pw})
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	var out struct {
		Token string `json:"token"`
	}
	res.json(t, &out)
	c.h.secret(out.Token)
	return out.Token
}

func TestBadInputGetsClearErrors(t *testing.T) {
	t.Parallel()
	forEachProfile(t, func(t *testing.T, h *hub) {
		c := h.client(t)
		res := c.do("POST", "/api/v1/auth/register", `{"email": "x@example.com",`)
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		require.Equal(t, "malformed_json", res.apiError(t).Details.Reason)

		res = c.do("POST", "/api/v1/auth/register", `{"email":"a@example.com","usrname":"typo"}`)
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		require.Equal(t, "usrname", res.apiError(t).Details.Fields[0].Field)

		res = c.do("POST", "/api/v1/auth/register", map[string]string{"email": "not-an-email", "username": "x",
			"display_name": "", "password": "short"})
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		e := res.apiError(t)
		require.Equal(t, "invalid", e.Code)
		var fields []string
		for _, f := range e.Details.Fields {
			fields = append(fields, f.Field)
		}
		require.ElementsMatch(t, []string{"email", "username", "display_name", "password"}, fields)

		res = c.do("POST", "/api/v1/auth/register", map[string]string{"email": unique("w") + "@example.com",
			"username": unique("w"), "display_name": "W", "password": "aaaaaaaaaaaaaaaa"})
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		e = res.apiError(t)
		require.Equal(t, "weak_password", e.Details.Reason)
		require.NotEmpty(t, e.Details.Hints)

		res = c.do("POST", "/api/v1/auth/register", `{}`, header("Content-Type", "text/plain"))
		require.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)

		res = c.do("POST", "/api/v1/auth/login", strings.Repeat("x", 2<<20))
		require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)

		res = c.do("GET", "/api/v1/nothing-here", nil)
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		require.Equal(t, "not_found", res.apiError(t).Code)
		var generic map[string]json.RawMessage
		res.json(t, &generic)
		require.Contains(t, generic, "error")
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}
