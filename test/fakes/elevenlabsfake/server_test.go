package elevenlabsfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/fakes/elevenlabsfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

func call(t *testing.T, s *elevenlabsfake.Server, method, path, key, body string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("xi-api-key", key)
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

func detailStatus(t *testing.T, b []byte) string {
	t.Helper()
	var v struct {
		Detail struct{ Status string } `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	return v.Detail.Status
}

func TestValidation(t *testing.T) {
	t.Parallel()
	s := elevenlabsfake.New(t, elevenlabsfake.WithAPIKey("k"))
	path := "/v1/text-to-speech/" + elevenlabsfake.VoiceGeorge + "?output_format=mp3_44100_128"
	code, _, b := call(t, s, http.MethodPost, path, "", `{"text":"hi"}`)
	assert.Equal(t, 401, code)
	assert.Equal(t, "needs_authorization", detailStatus(t, b))
	code, _, b = call(t, s, http.MethodPost, path, "other", `{"text":"hi"}`)
	assert.Equal(t, 401, code)
	assert.Equal(t, "invalid_api_key", detailStatus(t, b))
	code, _, _ = call(t, s, http.MethodPost, "/v1/text-to-speech/x?output_format=mp3_1", "k", `{"text":"hi"}`)
	assert.Equal(t, 422, code)
	code, _, _ = call(t, s, http.MethodPost, path, "k", `{"model_id":"eleven_v3"}`)
	assert.Equal(t, 422, code, "text is required")
	code, _, _ = call(t, s, http.MethodPost, path, "k", `{"text":"hi","voice_settings":{"speed":2}}`)
	assert.Equal(t, 422, code)
	code, _, b = call(t, s, http.MethodPost, "/v1/text-to-speech/nobody", "k", `{"text":"hi"}`)
	assert.Equal(t, 404, code)
	assert.Equal(t, "voice_not_found", detailStatus(t, b))
	code, _, b = call(t, s, http.MethodPost, path, "k", `{"text":"`+strings.Repeat("a", 5001)+`","model_id":"eleven_v3"}`)
	assert.Equal(t, 400, code)
	assert.Equal(t, "max_character_limit_exceeded", detailStatus(t, b))
	code, _, b = call(t, s, http.MethodPost, path, "k", `{"text":"hi","model_id":"nope"}`)
	assert.Equal(t, 400, code)
	assert.Equal(t, "model_not_found", detailStatus(t, b))
	assert.Len(t, s.Requests(), 8)
}

// TestAudio: the MP3 is what the hub accepts, and grows with the text.
func TestAudio(t *testing.T) {
	t.Parallel()
	s := elevenlabsfake.New(t)
	path := "/v1/text-to-speech/" + elevenlabsfake.VoiceSarah
	code, ct, short := call(t, s, http.MethodPost, path, "any", `{"text":"Hi."}`)
	require.Equal(t, 200, code, string(short))
	assert.Equal(t, "audio/mpeg", ct)
	require.NoError(t, voice.CheckAudio(voice.Audio{Data: short, ContentType: media.MP3}))
	_, _, long := call(t, s, http.MethodPost, path+"?output_format=mp3_44100_128", "any", `{"text":"Hello there, how are you today?"}`)
	assert.Greater(t, len(long), 5*len(short))
	code, ct, pcm := call(t, s, http.MethodPost, path+"?output_format=pcm_16000", "any", `{"text":"Hi."}`)
	assert.Equal(t, 200, code)
	assert.Equal(t, "audio/pcm", ct)
	assert.Len(t, pcm, 2*int(elevenlabsfake.SpokenLength("Hi.", 1).Seconds()*16000))
	code, _, b := call(t, s, http.MethodPost, path+"?output_format=ulaw_8000", "any", `{"text":"Hi."}`)
	assert.Equal(t, 400, code)
	assert.Equal(t, "output_format_not_rendered", detailStatus(t, b))
}

func TestBehavioursAndVoices(t *testing.T) {
	t.Parallel()
	s := elevenlabsfake.New(t)
	s.Script(elevenlabsfake.QuotaExceeded(), elevenlabsfake.RateLimited("5"), elevenlabsfake.Empty())
	path := "/v1/text-to-speech/" + elevenlabsfake.VoiceSarah
	code, _, b := call(t, s, http.MethodPost, path, "k", `{"text":"Hi."}`)
	assert.Equal(t, 401, code)
	assert.Equal(t, "quota_exceeded", detailStatus(t, b))
	code, _, b = call(t, s, http.MethodPost, path, "k", `{"text":"Hi."}`)
	assert.Equal(t, 429, code)
	assert.Equal(t, "too_many_concurrent_requests", detailStatus(t, b))
	code, _, b = call(t, s, http.MethodPost, path, "k", `{"text":"Hi."}`)
	assert.Equal(t, 200, code)
	assert.Empty(t, b)

	code, _, b = call(t, s, http.MethodGet, "/v1/voices", "k", "")
	require.Equal(t, 200, code)
	var v struct{ Voices []elevenlabsfake.Voice }
	require.NoError(t, json.Unmarshal(b, &v))
	assert.Equal(t, elevenlabsfake.DefaultVoices, v.Voices)
	assert.Len(t, s.VoiceRequests(), 1)
}
