package httpapi_test

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAccessMatrix (S1): every operation of the OpenAPI document, called with another account's
// ids, answers 404 — as if nothing were there — and never data; anonymously, every operation that
// needs a caller answers 401 (and one whose caller is optional answers 404 for a private thing). The
// matrix is the document: an operation added without a way to name someone else's thing in it
// fails here until it has one.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	victim := c.companionOwner(t, "matrixvictim")
	attacker := c.companionOwner(t, "matrixattacker")
	ids := victimThings(t, c, victim)

	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	paths := doc["paths"].(map[string]any)
	var keys []string
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	tried := 0
	for _, path := range keys {
		for method, raw := range paths[path].(map[string]any) {
			if method == "parameters" {
				continue
			}
			op := raw.(map[string]any)
			method = strings.ToUpper(method)
			name := method + " " + path
			if reason, ok := notAnAccountsThing[name]; ok {
				require.NotEmpty(t, reason)
				continue
			}
			optional, secured := security(op)
			body, contentType := requestBody(op, schemas)
			if b, ok := bodies[name]; ok { // what the schema alone does not make a valid request of
				body = b
			}
			call := func(token, url string) (int, []byte) {
				var hs []header
				if contentType != "" {
					hs = append(hs, header{"Content-Type", contentType})
				}
				status, out, _ := c.call(method, url, token, body, false, hs...)
				return status, out
			}
			if !param.MatchString(path) {
				if secured && !optional {
					status, out := call("", path)
					require.Equal(t, 401, status, "%s anonymously: %s", name, out)
					tried++
				}
				continue
			}
			url, ok := fill(path, ids)
			require.True(t, ok, "%s: the matrix has no way to name another account's thing in this path; add it to victimThings", name)
			// The ids name real things: their owner reads them (a stream that never ends aside).
			if _, empty := emptyForItsOwner[name]; method == "GET" && !strings.HasSuffix(path, "/events") && !empty {
				if status, out := call(victim, url); status >= 300 {
					t.Errorf("%s: the victim's own read answers %d: %.200s (the matrix names nothing real)", name, status, out)
				}
			}
			status, out := call(attacker, url)
			if status != 404 {
				t.Errorf("%s with another account's ids must answer as for nothing: %d %.300s", name, status, out)
			}
			requireNoneOf(t, name, out, ids)
			status, out = call("", url)
			if want := map[bool]int{true: 404, false: 401}[optional]; status != want {
				t.Errorf("%s anonymously: %d, want %d: %.300s", name, status, want, out)
			}
			requireNoneOf(t, name, out, ids)
			tried += 2
		}
	}
	t.Logf("access matrix: %d requests refused as they should be", tried)
	require.Greater(t, tried, 100)
}

// notAnAccountsThing are the operations whose path names nothing of an account's, or that are the
// caller's own by construction, and why.
var notAnAccountsThing = map[string]string{
	"POST /api/v1/voices/{id}/preview": "a voice of the hub's catalogue, the same for everyone",
	"GET /healthz":                     "public",
	"GET /readyz":                      "public",
	"GET /metrics":                     "public, or its own token",
	"GET /api/v1/openapi.json":         "public",
	"POST /api/v1/auth/register":       "public",
	"POST /api/v1/auth/login":          "public",
	"POST /api/v1/auth/password-check": "public",
	"GET /api/v1/community/companions": "public: published companions only",
}

// emptyForItsOwner are reads that answer 404 to the victim too, and why: the thing is private (not
// published), or not there yet; the companion in their path is checked first.
var emptyForItsOwner = map[string]string{
	"GET /api/v1/community/companions/{id}":        "the victim's companion is not published: private",
	"GET /api/v1/community/companions/{id}/export": "the victim's companion is not published: private",
	"GET /api/v1/companions/{id}/publication":      "not published",
	"GET /api/v1/companions/{id}/summary":          "a short conversation has no summary yet",
	"GET /api/v1/companions/{id}/turns/current":    "no reply is being written",
}

// bodies are requests the schema alone cannot make valid: a lorebook's entries, an edit's text.
var bodies = map[string]any{
	"POST /api/v1/companions/{id}/lorebook/import": stWorldInfo,
	"PATCH /api/v1/messages/{id}":                  map[string]any{"text": "edited"},
}

// security reports whether op takes a caller at all (secured) and whether one is optional.
func security(op map[string]any) (optional, secured bool) {
	sec, ok := op["security"].([]any)
	if !ok || len(sec) == 0 {
		return false, false
	}
	for _, s := range sec {
		if m, ok := s.(map[string]any); ok && len(m) == 0 {
			optional = true
		}
	}
	return optional, true
}

// things are the victim's ids by the name a path gives them.
type things map[string]string

// victimThings makes one of everything an account has, and returns how paths name them.
func victimThings(t *testing.T, c *contract, tok string) things {
	t.Helper()
	get := func(method, path string, body any, into any, want int) {
		t.Helper()
		status, out, _ := c.call(method, path, tok, body, true)
		require.Equal(t, want, status, "%s %s: %s", method, path, out)
		if into != nil {
			require.NoError(t, json.Unmarshal(out, into), "%s", out)
		}
	}
	ids := things{}
	companion := c.newCompanion(t, tok, `{"name":"Mira","age":28}`)
	ids["companions"] = companion
	var sent struct {
		Message struct{ ID string }
		Turn    struct{ ID string }
	}
	get("POST", "/api/v1/companions/"+companion+"/messages", map[string]any{"text": "Hello"}, &sent, 202)
	ids["messages"], ids["turns"] = sent.Message.ID, sent.Turn.ID
	var pic struct{ ID, URL string }
	get("POST", "/api/v1/images", map[string]any{"prompt": "a lighthouse", "width": 512, "height": 512}, &pic, 201)
	ids["images"] = pic.ID
	ids["media"] = strings.TrimPrefix(pic.URL, "/media/")
	var mem struct{ ID string }
	get("POST", "/api/v1/companions/"+companion+"/memories", map[string]any{"text": "likes tea", "category": "preference"}, &mem, 201)
	ids["memories"] = mem.ID
	var sched struct{ Schedule struct{ ID string } }
	get("POST", "/api/v1/companions/"+companion+"/schedules", map[string]any{"preset": "morning_greeting", "timezone": "UTC"}, &sched, 201)
	ids["schedules"] = sched.Schedule.ID
	var room struct{ ID string }
	get("POST", "/api/v1/rooms", map[string]any{"title": "Private", "companion_ids": []string{companion}}, &room, 201)
	ids["rooms"] = room.ID
	var inv struct{ ID string }
	get("POST", "/api/v1/rooms/"+room.ID+"/invites", nil, &inv, 201)
	ids["invites"] = inv.ID
	var token struct{ ID string }
	get("POST", "/api/v1/me/tokens", map[string]any{"name": "Client", "scope": "chat", "expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"password": "saffron-harbour-lighthouse-81"}, &token, 201)
	ids["tokens"] = token.ID
	var sessions struct{ Items []struct{ ID string } }
	get("GET", "/api/v1/me/sessions", nil, &sessions, 200)
	ids["sessions"] = sessions.Items[0].ID
	var me struct{ User struct{ ID string } }
	get("GET", "/api/v1/me", nil, &me, 200)
	if me.User.ID == "" {
		var flat struct{ ID string }
		get("GET", "/api/v1/me", nil, &flat, 200)
		me.User.ID = flat.ID
	}
	ids["people"] = me.User.ID
	for k, v := range ids {
		require.NotEmpty(t, v, k)
	}
	return ids
}

// fill puts the victim's ids in path: {id} names what the segment before it holds; a named
// parameter what its name says.
func fill(path string, ids things) (string, bool) {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		key := ""
		switch s {
		case "{id}":
			key = segs[i-1]
			if key == "models" || key == "community" {
				key = "companions"
			}
			if i >= 2 && segs[i-2] == "community" {
				key = "companions"
			}
		case "{companion_id}":
			key = "companions"
		case "{invite_id}":
			key = "invites"
		case "{user_id}":
			key = "people"
		case "{dir}":
			dir, _, _ := strings.Cut(ids["media"], "/")
			segs[i] = dir
			continue
		case "{file}":
			_, file, _ := strings.Cut(ids["media"], "/")
			segs[i] = file
			continue
		}
		v, ok := ids[key]
		if !ok {
			return "", false
		}
		segs[i] = v
	}
	return strings.Join(segs, "/"), true
}

// requireNoneOf fails when a refusal carries anything of the victim's.
func requireNoneOf(t *testing.T, name string, body []byte, ids things) {
	t.Helper()
	for k, v := range ids {
		require.NotContains(t, string(body), v, "%s: a refusal names the victim's %s", name, k)
	}
}

// requestBody is a body the operation's JSON schema takes (nil when it takes none), and its type.
func requestBody(op map[string]any, schemas map[string]any) (any, string) {
	rb, ok := op["requestBody"].(map[string]any)
	if !ok {
		return nil, ""
	}
	content := rb["content"].(map[string]any)
	for _, ct := range []string{"application/json", "application/merge-patch+json"} {
		if m, ok := content[ct].(map[string]any); ok {
			if s, ok := m["schema"].(map[string]any); ok {
				return example(s, schemas, 0), ct
			}
		}
	}
	// An upload: a few bytes of its first type (in order, so every run sends the same; a form
	// needs a form's framing, which a raw type does not).
	var types []string
	for ct := range content {
		if ct != "multipart/form-data" {
			types = append(types, ct)
		}
	}
	if len(types) == 0 {
		return nil, ""
	}
	sort.Strings(types)
	return []byte("not really a file"), types[0]
}

// example is a value of schema s: its required properties, each the least its type allows.
func example(s map[string]any, schemas map[string]any, depth int) any {
	if ref, ok := s["$ref"].(string); ok {
		return example(schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any), schemas, depth+1)
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		if alts, ok := s[k].([]any); ok && len(alts) > 0 {
			return example(alts[0].(map[string]any), schemas, depth+1)
		}
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	typ, _ := s["type"].(string)
	if ts, ok := s["type"].([]any); ok && len(ts) > 0 {
		typ, _ = ts[0].(string)
	}
	switch typ {
	case "object", "":
		out := map[string]any{}
		if depth > 6 {
			return out
		}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			name := r.(string)
			if p, ok := props[name].(map[string]any); ok {
				out[name] = example(p, schemas, depth+1)
			}
		}
		return out
	case "array":
		n := 0
		if m, ok := s["minItems"].(float64); ok {
			n = int(m)
		}
		items, _ := s["items"].(map[string]any)
		out := make([]any, 0, n)
		for range n {
			out = append(out, example(items, schemas, depth+1))
		}
		return out
	case "integer", "number":
		if m, ok := s["minimum"].(float64); ok {
			return m
		}
		return 1
	case "boolean":
		return false
	}
	switch s["format"] {
	case "uuid":
		return "01937b2e-0000-7000-8000-000000000000"
	case "date-time":
		return time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	case "email":
		return "someone@example.com"
	}
	n := 1
	if m, ok := s["minLength"].(float64); ok {
		n = int(m)
	}
	return strings.Repeat("a", max(n, 1))
}
