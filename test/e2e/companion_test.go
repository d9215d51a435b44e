package e2e

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// profileDoc is a companion profile with every part filled in, as a client would send it.
const profileDoc = `{
  "name": "Mira Vale", "age": 26, "content_rating": "mature",
  "persona": {"archetype": "Kuudere", "relationship_to_user": "Neighbor", "occupation": "Astronomer",
    "description": "Mira watches stars.\n\nShe rarely smiles.", "personality": "calm, dry", "scenario": "A rooftop",
    "interests": ["Telescopes", "Tea"], "speech_style": "Formal", "speech_patterns": ["well..."],
    "behavior_traits": ["Reserved"], "initiation_style": "Waiting & Reactive", "confidence_level": "Balanced",
    "emotional_traits": ["Stoic"], "vulnerabilities": ["Fears being abandoned"], "quirks": ["Counts stars"],
    "flirtation_style": "Subtle", "humor_style": "Dry & Sarcastic", "intimacy_pace": "Slow Burn",
    "custom_instruction": "Keep it gentle."},
  "appearance": {"style": "anime", "gender": "female", "ethnicity": "Japanese", "skin_tone": "pale",
    "eye_color": "violet", "hair_style": "long straight", "hair_color": "silver", "body_type": "slim",
    "height": "tall", "tags": ["beauty mark"]},
  "default_outfit": ["navy cardigan", "white blouse"], "user_appearance": "Short, messy hair",
  "greeting": "You came.", "alternate_greetings": ["Clear skies tonight."], "example_dialogue": "<START>",
  "system_prompt": "Stay in character.", "post_history_instructions": "Be brief.", "creator_notes": "e2e",
  "tags": ["slice of life"], "voice": {"provider": "elevenlabs", "voice_id": "EXAVITQu4vr4xnSDxMaL", "enabled": true},
  "card": {"character_book": null, "extensions": {"x_app": {"kept": [1, 2.50], "note": "<START> a & b"}}, "extra": null, "top": null}
}`

type companionResp struct {
	Companion struct {
		ID          string          `json:"id"`
		Profile     json.RawMessage `json:"profile"`
		HeaderImage *struct {
			URL    string `json:"url"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
		} `json:"header_image"`
	} `json:"companion"`
}

func picture(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// TestCompanionJourney is SPEC §3.2 as a new user meets it: a companion with a full persona, a
// header image served with caching headers, an exported card imported again as an identical second
// companion — and nothing of it visible to anyone else.
func TestCompanionJourney(t *testing.T) {
	t.Parallel()
	forEachProfile(t, func(t *testing.T, h *hub) {
		c := h.client(t)
		c.bearer = c.login(t, c.register(t).Username)

		res := c.do("POST", "/api/v1/companions", profileDoc)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
		var created companionResp
		res.json(t, &created)
		id := created.Companion.ID
		require.JSONEq(t, profileDoc, string(created.Companion.Profile), "what was entered is what comes back")

		// Upload a header image as the raw body, then as a form.
		res = c.do("PUT", "/api/v1/companions/"+id+"/header-image", string(picture(t, 1200, 900)), header("Content-Type", "image/png"))
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		var withHeader companionResp
		res.json(t, &withHeader)
		require.NotNil(t, withHeader.Companion.HeaderImage)
		require.Equal(t, 800, withHeader.Companion.HeaderImage.Width)
		require.Equal(t, 600, withHeader.Companion.HeaderImage.Height)
		old := withHeader.Companion.HeaderImage.URL

		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		fw, err := mw.CreateFormFile("image", "photo.jpg") // the name lies; the content decides
		require.NoError(t, err)
		_, err = fw.Write(picture(t, 300, 300))
		require.NoError(t, err)
		require.NoError(t, mw.Close())
		res = c.do("PUT", "/api/v1/companions/"+id+"/header-image", form.String(), header("Content-Type", mw.FormDataContentType()))
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		res.json(t, &withHeader)
		imageURL := withHeader.Companion.HeaderImage.URL
		require.NotEqual(t, old, imageURL)
		res = c.do("GET", old, nil)
		require.Equal(t, http.StatusNotFound, res.StatusCode, "the replaced image is gone")

		// Read the companion back unchanged; fetch the image, then revalidate it.
		res = c.do("GET", "/api/v1/companions/"+id, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var got companionResp
		res.json(t, &got)
		require.JSONEq(t, profileDoc, string(got.Companion.Profile))

		res = c.do("GET", imageURL, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "image/jpeg", res.Header.Get("Content-Type"), "an opaque picture is stored as JPEG")
		require.Equal(t, "private, no-cache", res.Header.Get("Cache-Control"), "a browser asks again every time")
		etag := res.Header.Get("ETag")
		require.NotEmpty(t, etag)
		decoded, err := jpeg.DecodeConfig(bytes.NewReader(res.body))
		require.NoError(t, err)
		require.Equal(t, 300, decoded.Width)
		res = c.do("GET", imageURL, nil, header("If-None-Match", etag))
		require.Equal(t, http.StatusNotModified, res.StatusCode)
		require.Empty(t, res.body)

		// Export as a V2 PNG card, the owner's own fields included, and import it as a second companion.
		res = c.do("GET", "/api/v1/companions/"+id+"/export?format=png&spec=v2&include_private=true", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		require.Equal(t, "image/png", res.Header.Get("Content-Type"))
		require.Contains(t, res.Header.Get("Content-Disposition"), `filename="Mira_Vale.png"`)
		card := res.body
		res = c.do("POST", "/api/v1/companions/import", string(card), header("Content-Type", "image/png"))
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
		var imported companionResp
		res.json(t, &imported)
		require.NotEqual(t, id, imported.Companion.ID)
		require.JSONEq(t, profileDoc, string(imported.Companion.Profile), "the same persona")
		require.NotNil(t, imported.Companion.HeaderImage, "the card's picture became its header")

		// Nobody else sees any of it.
		stranger := h.client(t)
		stranger.bearer = stranger.login(t, stranger.register(t).Username)
		for _, req := range []struct{ method, path, body string }{
			{"GET", "/api/v1/companions/" + id, ""},
			{"PATCH", "/api/v1/companions/" + id, `{"name":"Mine now"}`},
			{"DELETE", "/api/v1/companions/" + id, ""},
			{"POST", "/api/v1/companions/" + id + "/restore", ""},
			{"GET", "/api/v1/companions/" + id + "/export?format=json&spec=v3", ""},
			{"GET", "/api/v1/companions/" + imported.Companion.ID, ""},
			{"GET", imageURL, ""},
			{"GET", imported.Companion.HeaderImage.URL, ""},
		} {
			var body any
			if req.body != "" {
				body = req.body
			}
			res := stranger.do(req.method, req.path, body)
			require.Equal(t, http.StatusNotFound, res.StatusCode, "%s %s", req.method, req.path)
		}
		res = stranger.do("PUT", "/api/v1/companions/"+id+"/header-image", string(picture(t, 10, 10)), header("Content-Type", "image/png"))
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		res = h.client(t).do("GET", imageURL, nil)
		require.Equal(t, http.StatusNotFound, res.StatusCode, "anonymous")
		res = stranger.do("GET", "/api/v1/companions", nil)
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		res.json(t, &list)
		require.Empty(t, list.Items)
	})
}

// TestCompanionEditsAreLossless: a merge patch changes what it names and nothing else.
func TestCompanionEditsAreLossless(t *testing.T) {
	t.Parallel()
	forEachProfile(t, func(t *testing.T, h *hub) {
		c := h.client(t)
		c.bearer = c.login(t, c.register(t).Username)
		res := c.do("POST", "/api/v1/companions", profileDoc)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
		var created companionResp
		res.json(t, &created)
		id := created.Companion.ID

		res = c.do("PATCH", "/api/v1/companions/"+id, `{"name":"Mira","persona":{"quirks":["Hums"]},"user_appearance":null}`,
			header("Content-Type", "application/merge-patch+json"))
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		var patched companionResp
		res.json(t, &patched)
		var want map[string]any
		require.NoError(t, json.Unmarshal([]byte(profileDoc), &want))
		want["name"] = "Mira"
		want["persona"].(map[string]any)["quirks"] = []any{"Hums"}
		want["user_appearance"] = ""
		wantJSON, err := json.Marshal(want)
		require.NoError(t, err)
		require.JSONEq(t, string(wantJSON), string(patched.Companion.Profile))
		require.Contains(t, string(res.body), `{"x_app":{"kept":[1,2.50],"note":"<START> a & b"}}`,
			"card data comes back as it went in: same numbers, same characters, no escaping")

		res = c.do("PATCH", "/api/v1/companions/"+id, `{"age": 16}`)
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		require.Equal(t, "age", res.apiError(t).Details.Fields[0].Field)
		res = c.do("PATCH", "/api/v1/companions/"+id, `{"nmae": "typo"}`)
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		require.Equal(t, "nmae", res.apiError(t).Details.Fields[0].Field)

		res = c.do("DELETE", "/api/v1/companions/"+id, nil)
		require.Equal(t, http.StatusNoContent, res.StatusCode)
		res = c.do("GET", "/api/v1/companions/"+id, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "the owner reads the trash")
		require.Contains(t, string(res.body), `"deleted_at":"`)
		res = c.do("GET", "/api/v1/companions?trashed=true", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, string(res.body), id)
		res = c.do("POST", "/api/v1/companions/"+id+"/restore", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		res = c.do("GET", "/api/v1/companions/"+id, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		_, _ = io.Copy(io.Discard, bytes.NewReader(res.body))
	})
}
