package httpapi_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"
)

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(0, 0, color.NRGBA{A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// companionJourney exercises every companion and media operation, valid and refused, through the
// contract checker.
func (c *contract) companionJourney(t *testing.T, tok string) string {
	t.Helper()
	profile := `{"name":"Mira","age":26,"persona":{"archetype":"Kuudere","quirks":["Counts stars"]},
		"appearance":{"style":"anime","gender":"female","hair_color":"silver"},"tags":["calm"],
		"card":{"extensions":{"x":{"kept":[1,2.50]}}}}`
	status, body, _ := c.call("POST", "/api/v1/companions", tok, profile, true)
	require.Equal(t, 201, status)
	var created struct {
		Companion struct {
			ID string `json:"id"`
		} `json:"companion"`
	}
	require.NoError(t, json.Unmarshal(body, &created))
	id := created.Companion.ID
	status, _, _ = c.call("POST", "/api/v1/companions", tok, `{"name":"","age":12}`, false)
	require.Equal(t, 400, status)

	status, _, _ = c.call("GET", "/api/v1/companions?limit=5", tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("GET", "/api/v1/companions/"+id, tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("GET", "/api/v1/companions/01937b2e-0000-7000-8000-000000000000", tok, nil, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("PATCH", "/api/v1/companions/"+id, tok, `{"name":"Mira V."}`, true,
		header{"Content-Type", "application/merge-patch+json"})
	require.Equal(t, 200, status)

	status, body, _ = c.call("PUT", "/api/v1/companions/"+id+"/header-image", tok, testPNG(t, 40, 30), true,
		header{"Content-Type", "image/png"})
	require.Equal(t, 200, status)
	var withHeader struct {
		Companion struct {
			HeaderImage struct {
				URL string `json:"url"`
			} `json:"header_image"`
		} `json:"companion"`
	}
	require.NoError(t, json.Unmarshal(body, &withHeader))
	url := withHeader.Companion.HeaderImage.URL
	status, _, hdr := c.call("GET", url, tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("GET", url, tok, nil, true, header{"If-None-Match", hdr.Get("ETag")})
	require.Equal(t, 304, status)
	status, _, _ = c.call("GET", url, "", nil, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("PUT", "/api/v1/companions/"+id+"/header-image", tok, []byte("<html></html>"), true,
		header{"Content-Type", "image/png"})
	require.Equal(t, 400, status)

	status, card, _ := c.call("GET", "/api/v1/companions/"+id+"/export?format=png&spec=v2", tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("GET", "/api/v1/companions/"+id+"/export?format=json&spec=v3", tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("GET", "/api/v1/companions/"+id+"/export?format=gif", tok, nil, false)
	require.Equal(t, 400, status)
	status, _, _ = c.call("POST", "/api/v1/companions/import", tok, card, true, header{"Content-Type", "image/png"})
	require.Equal(t, 201, status)
	status, _, _ = c.call("POST", "/api/v1/companions/import", tok, []byte("garbage"), true,
		header{"Content-Type", "application/octet-stream"})
	require.Equal(t, 400, status)
	status, _, _ = c.call("DELETE", "/api/v1/companions/"+id+"/header-image", tok, nil, true)
	require.Equal(t, 204, status)

	status, _, _ = c.call("DELETE", "/api/v1/companions/"+id, tok, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("GET", "/api/v1/companions?trashed=true", tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("POST", "/api/v1/companions/"+id+"/restore", tok, nil, true)
	require.Equal(t, 200, status)
	return id
}
