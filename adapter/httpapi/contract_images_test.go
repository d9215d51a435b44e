package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// imagesJourney generates pictures with the offline backend and walks the gallery: validation that
// names the field, a companion's identity lock, pages with their total, the picture served from
// /media, deletion.
func (c *contract) imagesJourney(t *testing.T, tok, companionID string) {
	t.Helper()
	status, body, _ := c.call("POST", "/api/v1/images", tok, map[string]any{"prompt": "a lighthouse", "width": 500,
		"height": 4096, "steps": 151, "cfg_scale": 40}, false)
	require.Equal(t, 400, status, "%s", body)
	for _, field := range []string{`"field":"width"`, `"field":"height"`, `"field":"steps"`, `"field":"cfg_scale"`} {
		require.Contains(t, string(body), field)
	}
	status, body, _ = c.call("POST", "/api/v1/images", tok, map[string]any{"prompt": "x", "width": 512, "height": 512,
		"companion_id": "0190a0b0-0000-7000-8000-000000000000"}, true)
	require.Equal(t, 404, status, "another's or no companion: %s", body)

	status, body, _ = c.call("GET", "/api/v1/images/samplers", tok, nil, true)
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"samplers":[]}`, string(body), "the offline backend takes any name")

	var made []string
	for i, req := range []map[string]any{
		{"prompt": "reading by the window, soft light", "width": 512, "height": 768, "seed": 7, "companion_id": companionID},
		{"prompt": "a lighthouse at dusk", "negative_prompt": "fog", "width": 640, "height": 384, "steps": 12, "cfg_scale": 6.5},
	} {
		status, body, hdr := c.call("POST", "/api/v1/images", tok, req, true)
		require.Equal(t, 201, status, "%s", body)
		var pic struct {
			ID, URL, Prompt, NegativePrompt, Backend string
			ThumbnailURL                             string `json:"thumbnail_url"`
			Seed                                     int64
			Width, Height                            int
		}
		require.NoError(t, json.Unmarshal(body, &pic))
		require.Equal(t, "/api/v1/images/"+pic.ID, hdr.Get("Location"))
		require.Equal(t, "offline", pic.Backend)
		require.Equal(t, req["width"], pic.Width)
		if i == 0 {
			require.Equal(t, int64(7), pic.Seed)
			require.True(t, strings.HasSuffix(pic.Prompt, ", reading by the window, soft light"), "the identity lock comes first: %s", pic.Prompt)
			require.NotEqual(t, "reading by the window, soft light", pic.Prompt)
		}
		status, data, hdr := c.call("GET", pic.URL, tok, nil, true)
		require.Equal(t, 200, status)
		require.True(t, strings.HasPrefix(hdr.Get("Content-Type"), "image/"), hdr.Get("Content-Type"))
		require.NotEmpty(t, data)
		require.Equal(t, "bytes", hdr.Get("Accept-Ranges"))
		// A part of it, as a player seeking asks (an ETag that is not the file's gets it whole).
		status, part, hdr := c.call("GET", pic.URL, tok, nil, true, header{"Range", "bytes=4-13"})
		require.Equal(t, 206, status)
		require.Equal(t, fmt.Sprintf("bytes 4-13/%d", len(data)), hdr.Get("Content-Range"))
		require.Equal(t, data[4:14], part)
		status, _, _ = c.call("GET", pic.URL, tok, nil, true, header{"Range", fmt.Sprintf("bytes=%d-", len(data))})
		require.Equal(t, 416, status, "a range beyond the file")
		status, whole, _ := c.call("GET", pic.URL, tok, nil, true, header{"Range", "bytes=0-3"}, header{"If-Range", `"other"`})
		require.Equal(t, 200, status)
		require.Equal(t, data, whole)
		status, _, _ = c.call("GET", pic.ThumbnailURL, tok, nil, true)
		require.Equal(t, 200, status)
		status, _, _ = c.call("GET", pic.URL, "", nil, true)
		require.Equal(t, 404, status, "a picture is its owner's only")
		made = append(made, pic.ID)
	}

	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
		Total      int    `json:"total"`
	}
	status, body, _ = c.call("GET", "/api/v1/images?limit=1", tok, nil, true)
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal(body, &page))
	require.GreaterOrEqual(t, page.Total, 2)
	require.Len(t, page.Items, 1)
	require.Equal(t, made[1], page.Items[0].ID, "newest first")
	require.NotEmpty(t, page.NextCursor)
	status, body, _ = c.call("GET", "/api/v1/images?companion_id="+companionID, tok, nil, true)
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal(body, &page))
	require.Equal(t, 1, page.Total, "the companion's pictures only")
	require.Equal(t, made[0], page.Items[0].ID)
	status, _, _ = c.call("GET", "/api/v1/images?companion_id=nope", tok, nil, false)
	require.Equal(t, 400, status)

	status, _, _ = c.call("GET", "/api/v1/images/"+made[0], tok, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("DELETE", "/api/v1/images/"+made[0], tok, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("GET", "/api/v1/images/"+made[0], tok, nil, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("DELETE", "/api/v1/images/"+made[0], tok, nil, true)
	require.Equal(t, 404, status)
}
