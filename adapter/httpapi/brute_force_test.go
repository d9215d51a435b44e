package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// outcome is what a login attempt tells the client: its status, its error's reason, and whether it
// says when to try again — all a guesser can compare.
type outcome struct {
	Status     int
	Reason     string
	Message    string
	RetryAfter bool
}

// login tries identifier and password from ip, as a client there.
func (c *contract) loginFrom(t *testing.T, ip, identifier, password string) outcome {
	t.Helper()
	body, err := json.Marshal(map[string]string{"identifier": identifier, "password": password})
	require.NoError(t, err)
	req := httptest.NewRequest("POST", "http://hub.test/api/v1/auth/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = net.JoinHostPort(ip, "40000")
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, req)
	o := outcome{Status: rec.Code, RetryAfter: rec.Header().Get("Retry-After") != ""}
	if rec.Code >= 400 {
		var e struct {
			Error struct {
				Message string
				Details struct{ Reason string }
			}
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), "%s", rec.Body.String())
		o.Reason, o.Message = e.Error.Details.Reason, e.Error.Message
	}
	return o
}

// TestBruteForce (S6): 100 wrong passwords from 10 client addresses against one account lock it —
// per address after a few, then everywhere — so that even its password is refused; an identifier
// with no account answers the same 100 attempts exactly alike (status, reason, Retry-After: a login
// for an unknown identifier costs a password hash too, see usecase/account's login). One address
// trying many accounts is held by its own limit.
func TestBruteForce(t *testing.T) {
	t.Parallel()
	c := newContract(t, func(cfg *core.Config) {
		def := ratelimit.DefaultRules()
		cfg.RateLimits.Login.Limit, cfg.RateLimits.LoginIP.Limit = def.Login.Limit, def.LoginIP.Limit
	})
	const pw = "saffron-harbour-lighthouse-81"
	status, body, _ := c.call("POST", "/api/v1/auth/register", "", map[string]string{"email": "s6@example.com",
		"username": "s6victim", "display_name": "Victim", "password": pw}, true)
	require.Equal(t, 201, status, "%s", body)

	attack := func(identifier string, net int) []outcome {
		var out []outcome
		for ip := 1; ip <= 10; ip++ {
			for range 10 {
				out = append(out, c.loginFrom(t, fmt.Sprintf("198.51.%d.%d", net, ip), identifier, "wrong-guess-0000"))
			}
		}
		return out
	}
	real, none := attack("s6victim", 100), attack("s6nobody", 101)
	require.Equal(t, real, none, "an account and no account answer a guesser alike")

	tally := map[outcome]int{}
	for _, o := range real {
		tally[o]++
		require.Contains(t, []int{401, 429}, o.Status, "%+v", o)
		if o.Status == 429 {
			require.True(t, o.RetryAfter, "a refusal says when to try again")
		}
	}
	t.Logf("100 guesses from 10 addresses: %v", tally)
	weighed, locked := 0, 0
	for o, n := range tally {
		switch {
		case o.Status == 401 && o.Reason == "bad_credentials":
			weighed += n
		case o.Status == 429 && o.Reason == "login_locked":
			locked += n
		}
	}
	require.Positive(t, weighed)
	require.LessOrEqual(t, weighed, 50, "at most 5 guesses an address are weighed")
	require.Positive(t, locked, "the account locks")
	// Locked everywhere: the owner's own password, from an address never seen, waits too.
	owner := c.loginFrom(t, "203.0.113.77", "s6victim", pw)
	require.Equal(t, 429, owner.Status, "%+v", owner)
	require.True(t, owner.RetryAfter)
	require.Equal(t, owner, c.loginFrom(t, "203.0.113.78", "s6nobody", pw), "alike for no account")

	// One address cycling through accounts is held by its own limit.
	var held int
	for i := range 60 {
		if o := c.loginFrom(t, "192.0.2.200", fmt.Sprintf("someone%d", i), "wrong-guess-0000"); o.Status == 429 {
			held++
			require.True(t, o.RetryAfter)
		}
	}
	require.GreaterOrEqual(t, held, 10, "past %d attempts an address is held, whatever the identifiers", ratelimit.DefaultRules().LoginIP.Limit.Count)

	// An IPv6 client picks any address of its /64 at will: a fresh one per guess is the same client.
	held = 0
	for i := range 60 {
		if o := c.loginFrom(t, fmt.Sprintf("2001:db8:5:6::%x", i+1), fmt.Sprintf("another%d", i), "wrong-guess-0000"); o.Status == 429 {
			held++
		}
	}
	require.GreaterOrEqual(t, held, 10, "a /64 is one address to the limits")
}
