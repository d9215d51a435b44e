package e2e

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLockoutAfterFiveWrongPasswords: five failures from one address lock the account for 30
// minutes from that address, while its owner, elsewhere, still logs in; an unknown account answers
// exactly the same way.
func TestLockoutAfterFiveWrongPasswords(t *testing.T) {
	t.Parallel()
	forEachProfile(t, func(t *testing.T, h *hub) {
		u := h.client(t).register(t)
		for _, ident := range []string{u.Username, unique("nobody")} {
			attacker := h.client(t)
			var last *response
			for i := range 5 {
				last = attacker.do("POST", "/api/v1/auth/login", map[string]string{"identifier": ident, "password": "wrong-" + strconv.Itoa(i)})
				if i < 4 {
					require.Equal(t, http.StatusUnauthorized, last.StatusCode, "%s: attempt %d", ident, i+1)
					require.Equal(t, "bad_credentials", last.apiError(t).Details.Reason)
				}
			}
			require.Equal(t, http.StatusTooManyRequests, last.StatusCode, "%s: the fifth failure locks", ident)
			require.Equal(t, "login_locked", last.apiError(t).Details.Reason)

			retry, err := strconv.Atoi(last.Header.Get("Retry-After"))
			require.NoError(t, err)
			require.InDelta(t, 30*60, retry, 5)
			// The address's login budget (5 per 15 min) is spent too: refused either way.
			res := attacker.do("POST", "/api/v1/auth/login", map[string]string{"identifier": ident, "password": password})
			require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s: refused there even with the right password", ident)
			require.Equal(t, "rate_limited", res.apiError(t).Code)

			owner := h.client(t) // another address: not locked out
			res = owner.do("POST", "/api/v1/auth/login", map[string]string{"identifier": ident, "password": "wrong-again"})
			require.Equal(t, http.StatusUnauthorized, res.StatusCode, "%s: another address is not locked", ident)
			require.Equal(t, "bad_credentials", res.apiError(t).Details.Reason)
		}
		res := h.client(t).do("POST", "/api/v1/auth/login", map[string]string{"identifier": u.Username, "password": password})
		require.Equal(t, http.StatusOK, res.StatusCode, "the owner logs in")
	})
}

// TestRateLimits: the defaults of SPEC §3.1 hold on every store — register 3 per day per IP, login 5
// per 15 minutes per IP and identifier — and answer 429 with Retry-After.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	forEachProfile(t, func(t *testing.T, h *hub) {
		c := h.client(t)
		for range 3 {
			c.register(t)
		}
		name := unique("fourth")
		res := c.do("POST", "/api/v1/auth/register", map[string]string{"email": name + "@example.com", "username": name,
			"display_name": "Four", "password": password})
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", res.body)
		require.Equal(t, "rate_limited", res.apiError(t).Details.Reason)
		retry, err := strconv.Atoi(res.Header.Get("Retry-After"))
		require.NoError(t, err)
		require.Greater(t, retry, 60)

		u := h.client(t).register(t)
		same := h.client(t)
		for range 5 {
			same.login(t, u.Username)
		}
		res = same.do("POST", "/api/v1/auth/login", map[string]string{"identifier": u.Username, "password": password})
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
		require.Equal(t, "rate_limited", res.apiError(t).Details.Reason)
		require.NotEmpty(t, res.Header.Get("Retry-After"))
		h.client(t).login(t, u.Username) // from another address
	})
}

// TestCrossSiteRequestsWithTheCookieAreRefused: CSRF defence for cookie sessions, none needed (and
// none applied) for bearer tokens.
func TestCrossSiteRequestsWithTheCookieAreRefused(t *testing.T) {
	t.Parallel()
	forEachProfile(t, func(t *testing.T, h *hub) {
		c := h.client(t)
		u := c.register(t)
		c.login(t, u.Username)

		res := c.do("POST", "/api/v1/auth/logout", nil, header("Origin", "https://evil.example"), header("Sec-Fetch-Site", "cross-site"))
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		require.Equal(t, "cross_origin", res.apiError(t).Details.Reason)
		res = c.do("PATCH", "/api/v1/me", map[string]string{"display_name": "pwned"}, header("Origin", "https://evil.example"))
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		res = c.do("GET", "/api/v1/me", nil, header("Sec-Fetch-Site", "cross-site"))
		require.Equal(t, http.StatusOK, res.StatusCode, "safe methods pass")
		var me struct {
			User user `json:"user"`
		}
		res.json(t, &me)
		require.NotEqual(t, "pwned", me.User.DisplayName)

		res = c.do("POST", "/api/v1/auth/logout", nil, header("Sec-Fetch-Site", "same-origin"))
		require.Equal(t, http.StatusNoContent, res.StatusCode)

		api := h.client(t)
		api.bearer = api.login(t, u.Username)
		res = api.do("PATCH", "/api/v1/me", map[string]string{"display_name": "Via API"}, header("Sec-Fetch-Site", "cross-site"))
		require.Equal(t, http.StatusOK, res.StatusCode, "bearer requests are exempt")
	})
}
