package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The second outside probe of issue 11: what it found still open, each through a real hub and the
// OpenAPI document.

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

	tok := c.companionOwner(t, "ada")
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

func TestRepeatedMembersAndParametersAreRefused(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	tok := c.companionOwner(t, "dup_owner")

	status, body, _ := c.call("POST", "/api/v1/companions", tok, `{"name":"A","age":15,"age":24}`, false)
	require.Equal(t, 400, status, "%s", body)
	require.Equal(t, []string{"age duplicate_field"}, readAPIError(t, body).fieldCodes())
	status, body, _ = c.call("POST", "/api/v1/companions", tok, `{"name":"A","age":24,"persona":{"quirks":["a",null]}}`, false)
	require.Equal(t, 400, status, "%s", body)
	require.Equal(t, []string{"persona.quirks[1] type"}, readAPIError(t, body).fieldCodes())

	id := c.newCompanion(t, tok, `{"name":"Mira","age":26}`)
	status, body, _ = c.call("PATCH", "/api/v1/companions/"+id, tok, `{"persona":{"style":"a","style":"b"}}`, false,
		header{"Content-Type", "application/merge-patch+json"})
	require.Equal(t, 400, status, "%s", body)
	require.Equal(t, []string{"persona.style duplicate_field"}, readAPIError(t, body).fieldCodes())
	status, body, _ = c.call("POST", "/api/v1/companions/"+id+"/messages", tok, `{"text":"hi","text":"bye"}`, false)
	require.Equal(t, 400, status, "%s", body)
	require.Equal(t, []string{"text duplicate_field"}, readAPIError(t, body).fieldCodes())

	for _, q := range []string{"limit=1&limit=0", "limit=5&limit=5", "cursor=a&cursor=b"} {
		status, body, _ = c.call("GET", "/api/v1/companions?"+q, tok, nil, false)
		require.Equal(t, 400, status, "%s: %s", q, body)
		require.Contains(t, readAPIError(t, body).fieldCodes(), strings.SplitN(q, "=", 2)[0]+" duplicate_field", q)
	}
}

func TestNamesThatShowNothingAreRefused(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	tok := c.companionOwner(t, "name_owner")
	for name, code := range map[string]string{
		`\u3164`: "required", `\u115F`: "required", `\u2800`: "required", `Mi\u2028ka`: "format", `Mi\u2029ka`: "format",
	} {
		status, body, _ := c.call("POST", "/api/v1/companions", tok, `{"name":"`+name+`","age":24}`, false)
		require.Equal(t, 400, status, "%s: %s", name, body)
		require.Equal(t, []string{"name " + code}, readAPIError(t, body).fieldCodes(), name)
	}
	status, body, _ := c.call("PATCH", "/api/v1/me", tok, `{"display_name":"\u3164"}`, false)
	require.Equal(t, 400, status, "%s", body)
	require.Equal(t, []string{"display_name required"}, readAPIError(t, body).fieldCodes())
	status, _, _ = c.call("POST", "/api/v1/companions", tok, `{"name":"A\u200dB","age":24}`, true)
	require.Equal(t, 201, status, "a joiner between visible characters stays allowed")
}

func TestALastEventIDBeyondJSONSafeIntegersIsRefused(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	tok := c.companionOwner(t, "resume_owner")
	id := c.newCompanion(t, tok, `{"name":"Mira","age":26}`)
	status, body, _ := c.call("POST", "/api/v1/companions/"+id+"/messages", tok, `{"text":"hi"}`, true)
	require.Equal(t, 202, status, "%s", body)
	var sent struct {
		Turn struct {
			EventsURL string `json:"events_url"`
		} `json:"turn"`
	}
	require.NoError(t, json.Unmarshal(body, &sent))
	for _, bad := range []string{"9223372036854775807", "9007199254740992", "-1", "+5", "1e3", "99999999999999999999"} {
		status, body, _ := c.call("GET", sent.Turn.EventsURL, tok, nil, true, header{"Last-Event-ID", bad})
		require.Equal(t, 400, status, "%s: %s", bad, body)
		requireReason(t, body, "invalid", "invalid_last_event_id")
	}
	status, body, _ = c.call("GET", sent.Turn.EventsURL+"?last_event_id=9223372036854775807", tok, nil, false)
	require.Equal(t, 400, status, "%s", body)
	requireReason(t, body, "invalid", "invalid_last_event_id")
	status, body, _ = c.call("GET", sent.Turn.EventsURL, tok, nil, true, header{"Last-Event-ID", "1"})
	require.Equal(t, 200, status, "%s", body)
	require.NotContains(t, string(body), "id: -")
}
