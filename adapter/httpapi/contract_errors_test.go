package httpapi_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// apiError is the error envelope as a client reads it.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details struct {
			Reason string `json:"reason"`
			Fields []struct {
				Field   string `json:"field"`
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"fields"`
		} `json:"details"`
	} `json:"error"`
}

func readAPIError(t *testing.T, body []byte) apiError {
	t.Helper()
	var e apiError
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	return e
}

// fieldCodes lists "field code" for each violation, in order.
func (e apiError) fieldCodes() []string {
	var out []string
	for _, f := range e.Error.Details.Fields {
		out = append(out, f.Field+" "+f.Code)
	}
	return out
}

// TestErrorContract holds every refusal of the probe in issue 11 to one contract, through a real hub
// and the OpenAPI document: one envelope, full field paths, every field at once, JSON's words.
func TestErrorContract(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	const pw = "saffron-harbour-lighthouse-81"

	t.Run("every type error and unknown field, in JSON's words", func(t *testing.T) {
		status, body, _ := c.call("POST", "/api/v1/auth/register", "",
			`{"email":1,"username":true,"display_name":"Ada","password":["x"],"invite":null}`, false)
		require.Equal(t, 400, status)
		e := readAPIError(t, body)
		require.Equal(t, []string{"email type", "username type", "password type", "invite unknown_field"}, e.fieldCodes())
		require.Equal(t, "must be a string", e.Error.Details.Fields[0].Message)
		require.NotContains(t, string(body), "of type")
	})

	status, _, _ := c.call("POST", "/api/v1/auth/register", "",
		map[string]string{"email": "ada@example.com", "username": "ada", "display_name": "Ada", "password": pw}, true)
	require.Equal(t, 201, status)
	status, body, _ := c.call("POST", "/api/v1/auth/login", "", map[string]string{"identifier": "ada", "password": pw}, true)
	require.Equal(t, 200, status)
	var login struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(body, &login))
	tok := login.Token

	status, body, _ = c.call("POST", "/api/v1/companions", tok, `{"name":"Mira","age":26}`, true)
	require.Equal(t, 201, status)
	var created struct {
		Companion struct {
			ID string `json:"id"`
		} `json:"companion"`
	}
	require.NoError(t, json.Unmarshal(body, &created))
	id := created.Companion.ID

	t.Run("limit=0 is refused like limit=-1 on every paged list", func(t *testing.T) {
		for _, list := range []string{"/api/v1/me/audit", "/api/v1/companions", "/api/v1/companions/" + id + "/messages"} {
			for _, limit := range []string{"0", "-1"} {
				status, body, _ := c.call("GET", list+"?limit="+limit, tok, nil, false)
				require.Equal(t, 400, status, "%s?limit=%s", list, limit)
				require.Equal(t, []string{"limit out_of_range"}, readAPIError(t, body).fieldCodes())
			}
		}
	})

	t.Run("a profile's mistakes come in one answer under full paths", func(t *testing.T) {
		status, body, _ := c.call("POST", "/api/v1/companions", tok,
			`{"name":"","age":"26","persona":{"evil":1,"quirks":"x"},"appearance":{"style":"oil"}}`, false)
		require.Equal(t, 400, status)
		require.Equal(t, []string{"age type", "persona.evil unknown_field", "persona.quirks type", "appearance.style one_of",
			"name required"}, readAPIError(t, body).fieldCodes())
	})

	t.Run("a merge patch naming unknown members is refused even when it clears them", func(t *testing.T) {
		status, body, _ := c.call("PATCH", "/api/v1/companions/"+id, tok, `{"persona":{"evil":null},"nope":null}`, false,
			header{"Content-Type", "application/merge-patch+json"})
		require.Equal(t, 400, status)
		require.ElementsMatch(t, []string{"persona.evil unknown_field", "nope unknown_field"}, readAPIError(t, body).fieldCodes())
	})

	t.Run("too large is 413 body_too_large whichever limit caught it", func(t *testing.T) {
		big := append(testPNG(t, 8, 8), make([]byte, 6<<20)...) // over the picture's own 5 MB, under the upload limit
		status, body, _ := c.call("PUT", "/api/v1/companions/"+id+"/header-image", tok, big, true, header{"Content-Type", "image/png"})
		require.Equal(t, 413, status)
		e := readAPIError(t, body)
		require.Equal(t, "invalid", e.Error.Code)
		require.Equal(t, "body_too_large", e.Error.Details.Reason)
		status, body, _ = c.call("POST", "/api/v1/companions/import", tok, bytes.Repeat([]byte("x"), 21<<20), true,
			header{"Content-Type", "application/octet-stream"})
		require.Equal(t, 413, status)
		require.Equal(t, "body_too_large", readAPIError(t, body).Error.Details.Reason)
		// The messages route takes a voice note's upload, but a message in JSON keeps the JSON limit.
		msg := `{"text":"` + strings.Repeat("x", 2<<20) + `"}`
		status, body, _ = c.call("POST", "/api/v1/companions/"+id+"/messages", tok, msg, false)
		require.Equal(t, 413, status)
		require.Equal(t, "body_too_large", readAPIError(t, body).Error.Details.Reason)
	})

	t.Run("headers over 64 KiB are a JSON 431", func(t *testing.T) {
		status, body, _ := c.call("GET", "/api/v1/me", tok, nil, true, header{"X-Pad", strings.Repeat("a", 64<<10)})
		require.Equal(t, 431, status)
		require.Equal(t, "headers_too_large", readAPIError(t, body).Error.Details.Reason)
	})
}
