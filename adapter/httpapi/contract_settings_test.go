package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// settingsOf decodes a CompanionSettings body.
func settingsOf(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var s map[string]any
	require.NoError(t, json.Unmarshal(body, &s), "%s", body)
	return s
}

var defaultSettings = map[string]any{"auto_image": false, "voice": false, "memory": true, "deep_think": false}

// settingsJourney reads and changes a companion's settings through the contract checker.
func (c *contract) settingsJourney(t *testing.T, tok string) {
	t.Helper()
	id := c.newCompanion(t, tok, `{"name":"Nova","age":30}`)
	path := "/api/v1/companions/" + id + "/settings"
	status, body, _ := c.call("GET", path, tok, nil, true)
	require.Equal(t, 200, status)
	require.Equal(t, defaultSettings, settingsOf(t, body))
	status, body, _ = c.call("PATCH", path, tok, `{"deep_think":true}`, true, header{"Content-Type", "application/merge-patch+json"})
	require.Equal(t, 200, status, "%s", body)
	require.Equal(t, true, settingsOf(t, body)["deep_think"])
	status, _, _ = c.call("PATCH", path, tok, `{"deep_think":"yes"}`, false)
	require.Equal(t, 400, status)
}

func TestCompanionSettings(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	tok := c.companionOwner(t, "settings_owner")
	id := c.newCompanion(t, tok, `{"name":"Mira","age":26}`)
	path := "/api/v1/companions/" + id + "/settings"

	status, body, _ := c.call("GET", path, tok, nil, true)
	require.Equal(t, 200, status)
	require.Equal(t, defaultSettings, settingsOf(t, body), "a new companion remembers and asks for nothing")

	// Only what the patch names changes.
	status, body, _ = c.call("PATCH", path, tok, `{"auto_image":true,"memory":false}`, true,
		header{"Content-Type", "application/merge-patch+json"})
	require.Equal(t, 200, status, "%s", body)
	want := map[string]any{"auto_image": true, "voice": false, "memory": false, "deep_think": false}
	require.Equal(t, want, settingsOf(t, body))
	status, body, _ = c.call("PATCH", path, tok, `{"voice":true}`, true)
	require.Equal(t, 200, status)
	want["voice"] = true
	require.Equal(t, want, settingsOf(t, body))
	status, body, _ = c.call("GET", path, tok, nil, true)
	require.Equal(t, 200, status)
	require.Equal(t, want, settingsOf(t, body))

	// null puts a setting back to its default; {} changes nothing.
	status, body, _ = c.call("PATCH", path, tok, `{"memory":null,"voice":null}`, true)
	require.Equal(t, 200, status, "%s", body)
	want["memory"], want["voice"] = true, false
	require.Equal(t, want, settingsOf(t, body))
	status, body, _ = c.call("PATCH", path, tok, `{}`, true)
	require.Equal(t, 200, status)
	require.Equal(t, want, settingsOf(t, body))

	// The companion's own JSON carries them.
	status, body, _ = c.call("GET", "/api/v1/companions/"+id, tok, nil, true)
	require.Equal(t, 200, status)
	var comp struct {
		Companion struct {
			Settings map[string]any `json:"settings"`
		} `json:"companion"`
	}
	require.NoError(t, json.Unmarshal(body, &comp))
	require.Equal(t, want, comp.Companion.Settings)
	// A card is the character, not how its owner talks to it.
	for _, spec := range []string{"v2", "v3"} {
		status, card, _ := c.call("GET", "/api/v1/companions/"+id+"/export?format=json&spec="+spec, tok, nil, true)
		require.Equal(t, 200, status)
		for _, name := range []string{"auto_image", "deep_think", `"settings"`} {
			require.NotContains(t, string(card), name, "an exported card has no settings")
		}
	}

	// Mistakes are refused under their names, all at once, and change nothing.
	refused := []struct {
		body   string
		fields map[string]string
		reason string
	}{
		{`{"auto_image":"yes","deep_thinking":true,"memory":1}`, map[string]string{"auto_image": "type",
			"deep_thinking": "unknown_field", "memory": "type"}, "validation_failed"},
		{`{"voice":true,"voice":false}`, map[string]string{"voice": "duplicate_field"}, "validation_failed"},
		{`[{"voice":true}]`, nil, "malformed_json"},
		{`true`, nil, "malformed_json"},
		{`{"voice":`, nil, "malformed_json"},
	}
	for _, r := range refused {
		status, body, _ := c.call("PATCH", path, tok, r.body, false)
		require.Equal(t, 400, status, r.body)
		code, reason, fields := errorOf(t, body)
		require.Equal(t, "invalid", code)
		require.Equal(t, r.reason, reason, r.body)
		if r.fields != nil {
			require.Equal(t, r.fields, fields, r.body)
		}
	}
	status, body, _ = c.call("GET", path, tok, nil, true)
	require.Equal(t, 200, status)
	require.Equal(t, want, settingsOf(t, body), "nothing changed")

	// Another person's companion, or none, is not found.
	stranger := c.companionOwner(t, "settings_stranger")
	for _, p := range []string{path, "/api/v1/companions/0190a0b4-0000-7000-8000-000000000000/settings", "/api/v1/companions/nope/settings"} {
		status, body, _ = c.call("GET", p, stranger, nil, !strings.Contains(p, "nope"))
		require.Equal(t, 404, status, p)
		code, _, _ := errorOf(t, body)
		require.Equal(t, "not_found", code)
		status, _, _ = c.call("PATCH", p, stranger, `{"voice":true}`, !strings.Contains(p, "nope"))
		require.Equal(t, 404, status, p)
	}
	status, _, _ = c.call("GET", path, "", nil, true)
	require.Equal(t, 401, status)

	// In the trash they are readable, not writable.
	status, _, _ = c.call("DELETE", "/api/v1/companions/"+id, tok, nil, true)
	require.Equal(t, 204, status)
	status, body, _ = c.call("GET", path, tok, nil, true)
	require.Equal(t, 200, status)
	require.Equal(t, want, settingsOf(t, body))
	status, body, _ = c.call("PATCH", path, tok, `{"voice":true}`, true)
	require.Equal(t, 409, status)
	code, reason, _ := errorOf(t, body)
	require.Equal(t, "conflict", code)
	require.Equal(t, "companion_trashed", reason)
	status, _, _ = c.call("POST", "/api/v1/companions/"+id+"/restore", tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("PATCH", path, tok, `{"voice":true}`, true)
	require.Equal(t, 200, status, "restored, they are writable again")

	// Changes are audited.
	status, body, _ = c.call("GET", "/api/v1/me/audit?limit=50", tok, nil, true)
	require.Equal(t, 200, status)
	require.Equal(t, 4, strings.Count(string(body), `"companion_settings"`), "%s", body)
}

// Settings changes count with profile edits against the hourly limit of settings changes.
func TestCompanionSettingsAreRateLimited(t *testing.T) {
	t.Parallel()
	c := newContract(t, func(cfg *core.Config) {
		cfg.RateLimits.Settings.Limit = ratelimit.Limit{Count: 2, Period: time.Hour}
	})
	tok := c.companionOwner(t, "settings_limited")
	id := c.newCompanion(t, tok, `{"name":"Mira","age":26}`)
	path := "/api/v1/companions/" + id + "/settings"
	status, _, _ := c.call("PATCH", path, tok, `{"voice":true}`, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("PATCH", "/api/v1/companions/"+id, tok, `{"name":"Mina"}`, true)
	require.Equal(t, 200, status)
	status, body, hdr := c.call("PATCH", path, tok, `{"voice":false}`, true)
	require.Equal(t, 429, status, "%s", body)
	require.NotEmpty(t, hdr.Get("Retry-After"))
	status, _, _ = c.call("GET", path, tok, nil, true)
	require.Equal(t, 200, status, "reading is not limited")
}

// A send's options it leaves out come from the companion's settings; those it names are its own.
func TestSendOptionsLeftOutComeFromTheSettings(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	tok := c.companionOwner(t, "settings_sender")
	id := c.newCompanion(t, tok, `{"name":"Mira","age":26}`)
	status, _, _ := c.call("PATCH", "/api/v1/companions/"+id+"/settings", tok, `{"deep_think":true,"auto_image":true}`, true)
	require.Equal(t, 200, status)

	send := func(body string) map[string]bool {
		t.Helper()
		status, out, _ := c.call("POST", "/api/v1/companions/"+id+"/messages", tok, body, true)
		require.Equal(t, 202, status, "%s", out)
		var sent struct {
			Turn struct {
				EventsURL string          `json:"events_url"`
				Options   map[string]bool `json:"options"`
			} `json:"turn"`
		}
		require.NoError(t, json.Unmarshal(out, &sent))
		status, _, _ = c.call("GET", sent.Turn.EventsURL, tok, nil, true) // to its end: one turn at a time
		require.Equal(t, 200, status)
		return sent.Turn.Options
	}
	// The hub has its offline image backend and no voice.
	require.Equal(t, map[string]bool{"deep_think": true, "image": true, "voice": false}, send(`{"text":"hi"}`))
	require.Equal(t, map[string]bool{"deep_think": false, "image": false, "voice": false},
		send(`{"text":"hi","deep_think":false,"image":false}`), "what a send says wins")
	require.Equal(t, map[string]bool{"deep_think": true, "image": true, "voice": false},
		send(`{"text":"hi","deep_think":null,"image":null}`), "null leaves it out")
}
