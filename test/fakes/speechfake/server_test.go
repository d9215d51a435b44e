package speechfake_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/fakes/speechfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

const key = "sk-fake-key-0000"

// post sends body to base/audio/speech with the key and returns the answer.
func post(t *testing.T, s *speechfake.Server, ctx context.Context, base, body string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/audio/speech", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := s.Client().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// errorOf decodes OpenAI's error body.
func errorOf(t *testing.T, body []byte) (typ, code, param string) {
	t.Helper()
	var v struct {
		Error struct {
			Type  string  `json:"type"`
			Code  *string `json:"code"`
			Param *string `json:"param"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &v), string(body))
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	return v.Error.Type, deref(v.Error.Code), deref(v.Error.Param)
}

// TestAudio: each format the hub stores comes back as a file the voice use case accepts, labelled
// as OpenAI labels it, and the same request gives the same bytes.
func TestAudio(t *testing.T) {
	t.Parallel()
	s := speechfake.New(t, speechfake.WithAPIKey(key))
	for format, ct := range map[string]media.ContentType{"mp3": media.MP3, "wav": media.WAV, "opus": media.OGG} {
		body := `{"model":"tts-1","voice":"alloy","input":"Hello there.","response_format":"` + format + `"}`
		resp, data, err := post(t, s, t.Context(), s.URL(), body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(data))
		assert.NoError(t, voice.CheckAudio(voice.Audio{Data: data, ContentType: ct}), format)
		_, again, err := post(t, s, t.Context(), s.RootURL(), body)
		require.NoError(t, err)
		assert.Equal(t, data, again, format)
	}
	resp, data, err := post(t, s, t.Context(), s.URL(), `{"model":"tts-1","voice":"alloy","input":"Hi"}`)
	require.NoError(t, err)
	assert.Equal(t, "audio/mpeg", resp.Header.Get("Content-Type"), "mp3 is the default")
	assert.NoError(t, voice.CheckAudio(voice.Audio{Data: data, ContentType: media.MP3}))
	assert.Less(t, speechfake.Duration("wav", "Hi"), speechfake.Duration("wav", "Hello there."))
	assert.Len(t, s.Requests(), 7)
}

// TestValidation: what OpenAI refuses, the fake refuses alike.
func TestValidation(t *testing.T) {
	t.Parallel()
	s := speechfake.New(t, speechfake.WithAPIKey(key))
	for _, tc := range []struct {
		body   string
		status int
		code   string
		param  string
	}{
		{`{"model":`, 400, "invalid_json", ""},
		{`{"model":"tts-1","voice":"alloy"}`, 400, "missing_required_parameter", "input"},
		{`{"model":"tts-1","voice":"alloy","input":"` + strings.Repeat("a", speechfake.MaxInputRunes+1) + `"}`, 400, "string_above_max_length", "input"},
		{`{"model":"tts-9","voice":"alloy","input":"Hi"}`, 404, "model_not_found", "model"},
		{`{"model":"tts-1","voice":"bogus","input":"Hi"}`, 400, "invalid_value", "voice"},
		{`{"model":"tts-1","voice":"alloy","input":"Hi","response_format":"ogg"}`, 400, "invalid_value", "response_format"},
		{`{"model":"tts-1","voice":"alloy","input":"Hi","speed":5}`, 400, "decimal_above_max_value", "speed"},
		{`{"model":"tts-1","voice":"alloy","input":"Hi","seed":1}`, 400, "unknown_parameter", "seed"},
	} {
		resp, body, err := post(t, s, t.Context(), s.URL(), tc.body)
		require.NoError(t, err)
		assert.Equal(t, tc.status, resp.StatusCode, tc.body)
		_, code, param := errorOf(t, body)
		assert.Equal(t, tc.code, code, tc.body)
		assert.Equal(t, tc.param, param, tc.body)
	}

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/audio/speech",
		strings.NewReader(`{"model":"tts-1","voice":"alloy","input":"Hi"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer sk-wrong")
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, string(body), "sk-wrong", "OpenAI quotes the key it was given")
}

// TestBehaviours: scripted failures come in order, then the default.
func TestBehaviours(t *testing.T) {
	t.Parallel()
	s := speechfake.New(t, speechfake.WithAPIKey(key))
	s.Script(speechfake.RateLimited("7"), speechfake.QuotaExceeded(), speechfake.Error(500),
		speechfake.WrongContentType(), speechfake.EmptyBody(), speechfake.OtherFormat("wav"))
	body := `{"model":"tts-1","voice":"alloy","input":"Hi"}`

	resp, data, _ := post(t, s, t.Context(), s.URL(), body)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))
	_, code, _ := errorOf(t, data)
	assert.Equal(t, "rate_limit_exceeded", code)

	resp, data, _ = post(t, s, t.Context(), s.URL(), body)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	typ, code, _ := errorOf(t, data)
	assert.Equal(t, "insufficient_quota", typ)
	assert.Equal(t, "insufficient_quota", code)

	resp, _, _ = post(t, s, t.Context(), s.URL(), body)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)

	resp, _, _ = post(t, s, t.Context(), s.URL(), body)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")

	resp, data, _ = post(t, s, t.Context(), s.URL(), body)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, data)

	resp, data, _ = post(t, s, t.Context(), s.URL(), body)
	assert.Equal(t, "audio/wav", resp.Header.Get("Content-Type"))
	assert.NoError(t, voice.CheckAudio(voice.Audio{Data: data, ContentType: media.WAV}))

	resp, _, _ = post(t, s, t.Context(), s.URL(), body)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the script is used up")
}

// TestSlow: a slow answer ends when the client leaves.
func TestSlow(t *testing.T) {
	t.Parallel()
	s := speechfake.New(t, speechfake.WithBehaviour(speechfake.Slow(time.Minute)))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := post(t, s, ctx, s.URL(), `{"model":"tts-1","voice":"alloy","input":"Hi"}`)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 30*time.Second)
}
