package httpapi_test

import (
	"encoding/json"
	"mime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// companionOwner registers and logs in a fresh account on c and returns its bearer token.
func (c *contract) companionOwner(t *testing.T, username string) string {
	t.Helper()
	const pw = "saffron-harbour-lighthouse-81"
	status, _, _ := c.call("POST", "/api/v1/auth/register", "", map[string]string{"email": username + "@example.com",
		"username": username, "display_name": "Owner", "password": pw}, true)
	require.Equal(t, 201, status)
	status, body, _ := c.call("POST", "/api/v1/auth/login", "", map[string]string{"identifier": username, "password": pw}, true)
	require.Equal(t, 200, status)
	var login struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(body, &login))
	return login.Token
}

// newCompanion creates a companion from a profile document and returns its id.
func (c *contract) newCompanion(t *testing.T, tok, profile string) string {
	t.Helper()
	status, body, _ := c.call("POST", "/api/v1/companions", tok, profile, true)
	require.Equal(t, 201, status, "%s", body)
	var created struct {
		Companion struct {
			ID string `json:"id"`
		} `json:"companion"`
	}
	require.NoError(t, json.Unmarshal(body, &created))
	return created.Companion.ID
}

// errorOf decodes an error envelope's code, reason and field violations.
func errorOf(t *testing.T, body []byte) (code, reason string, fields map[string]string) {
	t.Helper()
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Details struct {
				Reason string `json:"reason"`
				Fields []struct {
					Field string `json:"field"`
					Code  string `json:"code"`
				} `json:"fields"`
			} `json:"details"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &env), "%s", body)
	fields = map[string]string{}
	for _, f := range env.Error.Details.Fields {
		fields[f.Field] = f.Code
	}
	return env.Error.Code, env.Error.Details.Reason, fields
}

func TestExportsLeaveTheOwnerOutUnlessAsked(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	tok := c.companionOwner(t, "private_owner")
	id := c.newCompanion(t, tok, `{"name":"Mira","age":26,"user_appearance":"Tall, red scarf, lives in Leeds",
		"persona":{"custom_instruction":"Call me by my real name, Jo."}}`)
	private := []string{"Tall, red scarf, lives in Leeds", "Call me by my real name, Jo."}

	for _, q := range []string{"", "&include_private=false"} {
		status, card, _ := c.call("GET", "/api/v1/companions/"+id+"/export?format=json"+q, tok, nil, true)
		require.Equal(t, 200, status)
		for _, p := range private {
			require.NotContains(t, string(card), p, "nothing about the owner leaves by default (%q)", q)
		}
		require.Contains(t, string(card), `"name": "Mira"`)
	}
	status, card, _ := c.call("GET", "/api/v1/companions/"+id+"/export?format=json&include_private=true", tok, nil, true)
	require.Equal(t, 200, status)
	for _, p := range private {
		require.Contains(t, string(card), p, "the owner opted in for this export")
	}
	status, body, _ := c.call("GET", "/api/v1/companions/"+id+"/export?format=json&include_private=maybe", tok, nil, false)
	require.Equal(t, 400, status)
	_, _, fields := errorOf(t, body)
	require.Equal(t, "type", fields["include_private"])
}

func TestATrashedCompanionIsReadOnly(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	tok := c.companionOwner(t, "trash_owner")
	id := c.newCompanion(t, tok, `{"name":"Mira","age":26}`)
	status, _, _ := c.call("PUT", "/api/v1/companions/"+id+"/header-image", tok, testPNG(t, 40, 30), true,
		header{"Content-Type", "image/png"})
	require.Equal(t, 200, status)
	status, _, _ = c.call("DELETE", "/api/v1/companions/"+id, tok, nil, true)
	require.Equal(t, 204, status)

	status, body, _ := c.call("GET", "/api/v1/companions/"+id, tok, nil, true)
	require.Equal(t, 200, status, "the owner reads the trash")
	var got struct {
		Companion struct {
			DeletedAt *string `json:"deleted_at"`
		} `json:"companion"`
	}
	require.NoError(t, json.Unmarshal(body, &got))
	require.NotNil(t, got.Companion.DeletedAt, "with the time it was trashed")
	status, _, _ = c.call("GET", "/api/v1/companions/"+id+"/export?format=json", tok, nil, true)
	require.Equal(t, 200, status, "an export is a read")

	writes := []struct {
		method, path string
		body         any
		headers      []header
	}{
		{"PATCH", "/api/v1/companions/" + id, `{"name":"Changed"}`, []header{{"Content-Type", "application/merge-patch+json"}}},
		{"PUT", "/api/v1/companions/" + id + "/header-image", testPNG(t, 20, 20), []header{{"Content-Type", "image/png"}}},
		{"DELETE", "/api/v1/companions/" + id + "/header-image", nil, nil},
	}
	for _, w := range writes {
		status, body, _ := c.call(w.method, w.path, tok, w.body, true, w.headers...)
		require.Equal(t, 409, status, "%s %s", w.method, w.path)
		code, reason, _ := errorOf(t, body)
		require.Equal(t, "conflict", code)
		require.Equal(t, "companion_trashed", reason, "%s %s", w.method, w.path)
	}
	status, _, _ = c.call("DELETE", "/api/v1/companions/"+id, tok, nil, true)
	require.Equal(t, 204, status, "deleting what is in the trash changes nothing")

	status, _, _ = c.call("POST", "/api/v1/companions/"+id+"/restore", tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("PATCH", "/api/v1/companions/"+id, tok, `{"name":"Changed"}`, true,
		header{"Content-Type", "application/merge-patch+json"})
	require.Equal(t, 200, status, "restored, it is writable again")
}

func TestTheHeaderImageCanBeRemoved(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	tok := c.companionOwner(t, "header_owner")
	id := c.newCompanion(t, tok, `{"name":"Mira","age":26}`)
	status, body, _ := c.call("PUT", "/api/v1/companions/"+id+"/header-image", tok, testPNG(t, 40, 30), true,
		header{"Content-Type", "image/png"})
	require.Equal(t, 200, status)
	var withHeader struct {
		Companion struct {
			HeaderImage *struct {
				URL string `json:"url"`
			} `json:"header_image"`
		} `json:"companion"`
	}
	require.NoError(t, json.Unmarshal(body, &withHeader))
	url := withHeader.Companion.HeaderImage.URL

	status, _, _ = c.call("DELETE", "/api/v1/companions/"+id+"/header-image", tok, nil, true)
	require.Equal(t, 204, status)
	status, body, _ = c.call("GET", "/api/v1/companions/"+id, tok, nil, true)
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal(body, &withHeader))
	require.Nil(t, withHeader.Companion.HeaderImage)
	status, _, _ = c.call("GET", url, tok, nil, true)
	require.Equal(t, 404, status, "the file is gone")
	status, _, _ = c.call("DELETE", "/api/v1/companions/"+id+"/header-image", tok, nil, true)
	require.Equal(t, 204, status, "removing no header changes nothing")
	other := c.companionOwner(t, "header_stranger")
	status, _, _ = c.call("DELETE", "/api/v1/companions/"+id+"/header-image", other, nil, true)
	require.Equal(t, 404, status)
}

func TestExportFileNamesKeepTheName(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	tok := c.companionOwner(t, "names_owner")
	for name, want := range map[string]struct{ utf8, ascii string }{
		"Zoë 李":                 {"Zoë_李.json", "Zoe.json"},
		`Mira "Q" \ Vale/..`:    {"Mira_Q__Vale.json", "Mira_Q__Vale.json"},
		"李白":                    {"李白.json", "companion.json"},
		"🌸":                     {"🌸.json", "companion.json"},
		"👩\u200d❤\ufe0f\u200d👨": {"👩\u200d❤\ufe0f\u200d👨.json", "companion.json"},
		"★ Nova ★":              {"★_Nova_★.json", "Nova.json"},
	} {
		doc, err := json.Marshal(map[string]any{"name": name, "age": 30})
		require.NoError(t, err)
		id := c.newCompanion(t, tok, string(doc))
		status, _, hdr := c.call("GET", "/api/v1/companions/"+id+"/export?format=json", tok, nil, true)
		require.Equal(t, 200, status)
		cd := hdr.Get("Content-Disposition")
		disposition, params, err := mime.ParseMediaType(cd)
		require.NoError(t, err, cd)
		require.Equal(t, "attachment", disposition)
		require.Equal(t, want.utf8, params["filename"], "filename* carries the name itself: %s", cd)
		require.Contains(t, cd, `filename="`+want.ascii+`"`, "an ASCII fallback for older clients")
		fallback := cd[strings.Index(cd, `filename="`)+len(`filename="`):]
		fallback = fallback[:strings.IndexByte(fallback, '"')]
		require.False(t, strings.ContainsAny(fallback, "\\/\"\r\n") || strings.ContainsFunc(fallback, func(r rune) bool { return r > 126 }),
			"the fallback is safe ASCII: %q", fallback)
	}
}
