package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// The second outside probe of issue 11: what it found still open, each through a real hub and the
// OpenAPI document.

// registerAndLogin creates an account with a strong password and returns its bearer token.
func (c *contract) registerAndLogin(t *testing.T, username string) string {
	t.Helper()
	const pw = "saffron-harbour-lighthouse-81"
	status, body, _ := c.call("POST", "/api/v1/auth/register", "",
		map[string]string{"email": username + "@example.com", "username": username, "display_name": "Ada", "password": pw}, true)
	require.Equal(t, 201, status, string(body))
	status, body, _ = c.call("POST", "/api/v1/auth/login", "", map[string]string{"identifier": username, "password": pw}, true)
	require.Equal(t, 200, status)
	var login struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(body, &login))
	return login.Token
}

func TestAccountRoutesReportEveryInvalidFieldAtOnce(t *testing.T) {
	t.Parallel()
	c := newContract(t)

	t.Run("register: a type error does not hide the other fields", func(t *testing.T) {
		status, body, _ := c.call("POST", "/api/v1/auth/register", "", `{"email":5,"username":"okuser1","password":"short"}`, false)
		require.Equal(t, 400, status)
		require.Equal(t, []string{"email type", "display_name required", "password too_short"}, readAPIError(t, body).fieldCodes())
	})
	t.Run("register: the password policy is judged with the other fields", func(t *testing.T) {
		status, body, _ := c.call("POST", "/api/v1/auth/register", "", `{"email":"bad","display_name":"","password":"password1234"}`, false)
		require.Equal(t, 400, status)
		require.Equal(t, []string{"email format", "username required", "display_name required", "password common"},
			readAPIError(t, body).fieldCodes())
	})

	tok := c.registerAndLogin(t, "ada")
	t.Run("PATCH /me: an unknown member does not hide a bad display name", func(t *testing.T) {
		status, body, _ := c.call("PATCH", "/api/v1/me", tok, `{"display_name":"\u202e","x":null}`, false)
		require.Equal(t, 400, status)
		codes := readAPIError(t, body).fieldCodes()
		require.Len(t, codes, 2, codes)
		require.Equal(t, "x unknown_field", codes[0])
		require.Contains(t, codes[1], "display_name ")
	})
	t.Run("POST /me/password: every field at once", func(t *testing.T) {
		status, body, _ := c.call("POST", "/api/v1/me/password", tok, `{"current_password":7,"new_password":"password1234","x":1}`, false)
		require.Equal(t, 400, status)
		require.Equal(t, []string{"current_password type", "x unknown_field", "new_password common"}, readAPIError(t, body).fieldCodes())
	})
}
