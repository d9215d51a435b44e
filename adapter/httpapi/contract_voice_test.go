package httpapi_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/core"
)

// voiceJourney asks a hub without a speech backend for its voices and a preview: both say so.
func (c *contract) voiceJourney(t *testing.T, tok string) {
	t.Helper()
	status, out, _ := c.call("GET", "/api/v1/voices", tok, nil, true)
	require.Equal(t, 503, status, "%s", out)
	requireReason(t, out, "unavailable", "not_configured")
	status, out, _ = c.call("POST", "/api/v1/voices/alto/preview", tok, nil, true)
	require.Equal(t, 503, status, "%s", out)
	requireReason(t, out, "unavailable", "not_configured")
}

// voiceNote is a multipart send of a voice note, with fields.
func voiceNote(t *testing.T, audio []byte, fields map[string]string) ([]byte, header) {
	t.Helper()
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, err := mw.CreateFormFile("audio", "note.wav")
	require.NoError(t, err)
	_, _ = fw.Write(audio)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	require.NoError(t, mw.Close())
	return form.Bytes(), header{"Content-Type", mw.FormDataContentType()}
}

// voiceNoteJourney sends a voice note to a hub without a speech-to-text backend: it says so, and
// a bad option is named first.
func (c *contract) voiceNoteJourney(t *testing.T, tok, companionID string) {
	t.Helper()
	path := "/api/v1/companions/" + companionID + "/messages"
	body, ct := voiceNote(t, []byte("RIFF\x24\x00\x00\x00WAVEfmt "), nil)
	status, out, _ := c.call("POST", path, tok, body, true, ct)
	require.Equal(t, 503, status, "%s", out)
	requireReason(t, out, "unavailable", "not_configured")
	body, ct = voiceNote(t, []byte("RIFF"), map[string]string{"voice": "maybe"})
	status, out, _ = c.call("POST", path, tok, body, false, ct)
	require.Equal(t, 400, status, "%s", out)
	require.Contains(t, string(out), `"field":"voice"`)
}

// With the offline speech backend (tones, which names no voices and takes any id), the list is
// open and a preview is audio to play, a sentence of the hub's or the person's own.
func TestVoicesWithTheOfflineSpeech(t *testing.T) {
	t.Parallel()
	c := newContract(t, func(cfg *core.Config) { cfg.Speech.Provider = "offline" })
	tok := c.companionOwner(t, "voice_owner")
	status, out, _ := c.call("GET", "/api/v1/voices", tok, nil, true)
	require.Equal(t, 200, status, "%s", out)
	var list struct {
		Items []any `json:"items"`
		Open  bool  `json:"open"`
	}
	require.NoError(t, json.Unmarshal(out, &list))
	require.True(t, list.Open)
	require.Empty(t, list.Items)

	status, sample, hdr := c.call("POST", "/api/v1/voices/alto/preview", tok, nil, true)
	require.Equal(t, 200, status, "%s", sample)
	require.True(t, strings.HasPrefix(hdr.Get("Content-Type"), "audio/"), hdr.Get("Content-Type"))
	require.Equal(t, "no-store", hdr.Get("Cache-Control"))
	require.NotEmpty(t, sample)
	status, longer, _ := c.call("POST", "/api/v1/voices/alto/preview", tok, map[string]string{"text": "A longer sentence of my own, to hear how it sounds when I talk for a while."}, true)
	require.Equal(t, 200, status)
	require.NotEqual(t, sample, longer, "the person's own text")
	status, out, _ = c.call("POST", "/api/v1/voices/alto/preview", tok, map[string]string{"text": strings.Repeat("la ", 100)}, true)
	require.Equal(t, 400, status, "%s", out)
	status, _, _ = c.call("GET", "/api/v1/voices", "", nil, true)
	require.Equal(t, 401, status)
}
