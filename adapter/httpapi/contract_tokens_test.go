package httpapi_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tokensJourney: tokens made (by a session only), listed without their secrets, used within their
// scope, refused beyond it, and revoked.
func (c *contract) tokensJourney(t *testing.T) {
	t.Helper()
	session := c.companionOwner(t, "tokener")
	id := c.newCompanion(t, session, `{"name":"Mira","age":28}`)
	made := func(body map[string]any) (string, string) {
		t.Helper()
		status, raw, hdr := c.call("POST", "/api/v1/me/tokens", session, body, true)
		require.Equal(t, 201, status, "%s", raw)
		require.Equal(t, "/api/v1/me/tokens", hdr.Get("Location"))
		var tok struct {
			ID    string `json:"id"`
			Token string `json:"token"`
			Hint  string `json:"hint"`
		}
		require.NoError(t, json.Unmarshal(raw, &tok))
		require.True(t, strings.HasPrefix(tok.Token, "chp_"), tok.Token)
		require.True(t, strings.HasPrefix(tok.Token, tok.Hint))
		return tok.ID, tok.Token
	}
	const pw = "saffron-harbour-lighthouse-81"
	chatID, chat := made(map[string]any{"name": "SillyTavern", "scope": "chat", "password": pw})
	_, full := made(map[string]any{"name": "Script", "scope": "full", "expires_at": time.Now().Add(24 * time.Hour).UTC(), "password": pw})

	status, body, _ := c.call("POST", "/api/v1/me/tokens", session, map[string]any{"name": " ", "scope": "admin",
		"expires_at": "2001-01-01T00:00:00Z"}, false)
	require.Equal(t, 400, status, "%s", body)
	_, _, fields := errorOf(t, body)
	require.Equal(t, map[string]string{"name": "invalid", "scope": "invalid", "expires_at": "in_the_past", "password": "required"}, fields)
	// A token outlives the session that makes it: a stolen session alone cannot mint one.
	status, body, _ = c.call("POST", "/api/v1/me/tokens", session, map[string]any{"name": "Stolen", "scope": "full",
		"password": "a-guess-at-the-password"}, true)
	require.Equal(t, 400, status, "%s", body)
	requireReason(t, body, "invalid", "wrong_password")

	// A chat token chats, and does nothing else.
	status, body, _ = c.call("GET", "/api/v1/companions/"+id+"/messages", chat, nil, true)
	require.Equal(t, 200, status, "%s", body)
	status, body, _ = c.call("GET", "/api/v1/me/sessions", chat, nil, true)
	require.Equal(t, 403, status, "%s", body)
	requireReason(t, body, "forbidden", "token_scope")
	// A full token reads the API but never makes tokens or changes the password.
	status, _, _ = c.call("GET", "/api/v1/me/sessions", full, nil, true)
	require.Equal(t, 200, status)
	status, body, _ = c.call("POST", "/api/v1/me/tokens", full, map[string]any{"name": "Another", "scope": "full", "password": pw}, true)
	require.Equal(t, 403, status, "%s", body)
	requireReason(t, body, "forbidden", "session_required")
	status, body, _ = c.call("POST", "/api/v1/me/password", full, map[string]string{"current_password": "saffron-harbour-lighthouse-81",
		"new_password": "another-long-passphrase-93"}, true)
	require.Equal(t, 403, status, "%s", body)

	status, body, _ = c.call("GET", "/api/v1/me/tokens", full, nil, true)
	require.Equal(t, 200, status, "%s", body)
	require.NotContains(t, string(body), chat, "secrets are shown once")
	require.NotContains(t, string(body), full)
	var list struct {
		Items []struct {
			Name       string     `json:"name"`
			LastUsedAt *time.Time `json:"last_used_at"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Items, 2)
	require.Equal(t, "Script", list.Items[0].Name, "newest first")
	require.NotNil(t, list.Items[0].LastUsedAt, "this very use")
	require.NotNil(t, list.Items[1].LastUsedAt, "the chat token was used")

	status, _, _ = c.call("DELETE", "/api/v1/me/tokens/"+chatID, session, nil, true)
	require.Equal(t, 204, status)
	status, body, _ = c.call("GET", "/api/v1/companions/"+id+"/messages", chat, nil, true)
	require.Equal(t, 401, status, "revoked: %s", body)
	status, _, _ = c.call("DELETE", "/api/v1/me/tokens/"+chatID, session, nil, true)
	require.Equal(t, 404, status)

	// A new password ends every token: whoever stole a session may have made one.
	status, body, _ = c.call("POST", "/api/v1/me/password", session, map[string]string{"current_password": pw,
		"new_password": "another-long-passphrase-93"}, true)
	require.Equal(t, 204, status, "%s", body)
	status, body, _ = c.call("GET", "/api/v1/me", full, nil, true)
	require.Equal(t, 401, status, "%s", body)
	status, body, _ = c.call("GET", "/api/v1/me/tokens", session, nil, true)
	require.Equal(t, 200, status, "%s", body)
	require.JSONEq(t, `{"items":[]}`, string(body))
}

// openAIJourney: the OpenAI-compatible routes, as the document describes them.
func (c *contract) openAIJourney(t *testing.T) {
	t.Helper()
	session := c.companionOwner(t, "openai_user")
	id := c.newCompanion(t, session, `{"name":"Mira","age":28}`)
	status, body, _ := c.call("GET", "/v1/models", session, nil, true)
	require.Equal(t, 200, status, "%s", body)
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Data, 1)
	status, _, _ = c.call("GET", "/v1/models/"+list.Data[0].ID, session, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("GET", "/v1/models/"+id, "", nil, true)
	require.Equal(t, 401, status)
	status, _, _ = c.call("GET", "/v1/models/nobody", session, nil, true)
	require.Equal(t, 404, status)

	chat := map[string]any{"model": list.Data[0].ID, "messages": []map[string]string{{"role": "user", "content": "Hi!"}}}
	status, body, _ = c.call("POST", "/v1/chat/completions", session, chat, true)
	require.Equal(t, 200, status, "%s", body)
	chat["stream"] = true
	status, body, hdr := c.call("POST", "/v1/chat/completions", session, chat, true)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, hdr.Get("Content-Type"), "text/event-stream")
	require.True(t, strings.HasSuffix(string(body), "data: [DONE]\n\n"), "%s", body)
	status, body, _ = c.call("POST", "/v1/chat/completions", session, map[string]any{"model": id, "messages": []map[string]string{}}, true)
	require.Equal(t, 400, status, "%s", body)
}

// eraseJourney: an account deleted by its owner, with the password, by a session only.
func (c *contract) eraseJourney(t *testing.T) {
	t.Helper()
	session := c.companionOwner(t, "leaver")
	c.newCompanion(t, session, `{"name":"Mira","age":28}`)
	status, raw, _ := c.call("POST", "/api/v1/me/tokens", session, map[string]any{"name": "Script", "scope": "full",
		"password": "saffron-harbour-lighthouse-81"}, true)
	require.Equal(t, 201, status, "%s", raw)
	var tok struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(raw, &tok))
	status, body, _ := c.call("DELETE", "/api/v1/me", tok.Token, map[string]string{"password": "saffron-harbour-lighthouse-81"}, true)
	require.Equal(t, 403, status, "%s", body)
	requireReason(t, body, "forbidden", "session_required")
	status, body, _ = c.call("DELETE", "/api/v1/me", session, map[string]string{"password": "not-my-password-at-all"}, true)
	require.Equal(t, 400, status, "%s", body)
	requireReason(t, body, "invalid", "wrong_password")
	status, _, _ = c.call("DELETE", "/api/v1/me", session, map[string]string{"password": "saffron-harbour-lighthouse-81"}, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("GET", "/api/v1/me", session, nil, true)
	require.Equal(t, 401, status, "the session went with the account")
	status, _, _ = c.call("GET", "/api/v1/me/tokens", tok.Token, nil, true)
	require.Equal(t, 401, status, "and the tokens")
}

// exportJourney: the caller's data as a zip, which opens and holds their companion's card.
func (c *contract) exportJourney(t *testing.T) {
	t.Helper()
	session := c.companionOwner(t, "exporter")
	c.newCompanion(t, session, `{"name":"Mira","age":28}`)
	status, body, hdr := c.call("GET", "/api/v1/me/export", session, nil, true)
	require.Equal(t, 200, status, "%s", body)
	require.Equal(t, "application/zip", hdr.Get("Content-Type"))
	require.Contains(t, hdr.Get("Content-Disposition"), `filename="companionhub-exporter-`)
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	require.NoError(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	require.Contains(t, names, "account.json")
	require.Regexp(t, `companions/mira-[0-9a-f]{8}/card\.png`, strings.Join(names, "\n"))
}
