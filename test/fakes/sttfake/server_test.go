package sttfake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/sttfake"
)

const key = "sk-fake-key-0000"

// form is one request's multipart body.
type form struct {
	fields   map[string]string
	fileName string
	file     []byte
}

func speechForm(fields map[string]string) form {
	if fields == nil {
		fields = map[string]string{}
	}
	if _, ok := fields["model"]; !ok {
		fields["model"] = sttfake.Whisper1
	}
	return form{fields: fields, fileName: "note.wav", file: sttfake.SpeechWAV().Data}
}

// post sends f to base/audio/transcriptions with the key and returns the answer.
func post(t *testing.T, s *sttfake.Server, ctx context.Context, base string, f form) (*http.Response, []byte, error) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range f.fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	if f.fileName != "" {
		w, err := mw.CreateFormFile("file", f.fileName)
		require.NoError(t, err)
		_, err = w.Write(f.file)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/audio/transcriptions", &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
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
func errorOf(t *testing.T, body []byte) (typ, code, param, msg string) {
	t.Helper()
	var v struct {
		Error struct {
			Message string  `json:"message"`
			Type    string  `json:"type"`
			Code    *string `json:"code"`
			Param   *string `json:"param"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &v), string(body))
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	return v.Error.Type, deref(v.Error.Code), deref(v.Error.Param), v.Error.Message
}

// TestFormats: each response_format answers as OpenAI's does, with the deterministic transcript.
func TestFormats(t *testing.T) {
	t.Parallel()
	s := sttfake.New(t, sttfake.WithAPIKey(key))
	want := sttfake.DefaultTranscript(sttfake.SpeechWAV().Data)
	for format, check := range map[string]func(t *testing.T, ct string, body []byte){
		"json": func(t *testing.T, ct string, body []byte) {
			assert.Equal(t, "application/json", ct)
			assert.JSONEq(t, `{"text":"`+want+`"}`, string(body))
		},
		"verbose_json": func(t *testing.T, ct string, body []byte) {
			var v struct {
				Task, Language, Text string
				Duration             float64
				Segments             []struct{ Text string }
			}
			require.NoError(t, json.Unmarshal(body, &v))
			assert.Equal(t, "transcribe", v.Task)
			assert.Equal(t, "english", v.Language)
			assert.Equal(t, want, v.Text)
			assert.InDelta(t, 1.0, v.Duration, 0.001)
			require.Len(t, v.Segments, 1)
		},
		"text": func(t *testing.T, ct string, body []byte) {
			assert.True(t, strings.HasPrefix(ct, "text/plain"), ct)
			assert.Equal(t, want+"\n", string(body))
		},
		"srt": func(t *testing.T, ct string, body []byte) {
			assert.Equal(t, "1\n00:00:00,000 --> 00:00:01,000\n"+want+"\n\n", string(body))
		},
		"vtt": func(t *testing.T, ct string, body []byte) {
			assert.Equal(t, "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n"+want+"\n\n", string(body))
		},
	} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			resp, body, err := post(t, s, t.Context(), s.URL(), speechForm(map[string]string{"response_format": format}))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			check(t, resp.Header.Get("Content-Type"), body)
		})
	}
}

// TestTranscripts: a set transcript, silence, a hinted language, and the root path.
func TestTranscripts(t *testing.T) {
	t.Parallel()
	s := sttfake.New(t, sttfake.WithTranscript("Hello there."))
	_, body, err := post(t, s, t.Context(), s.RootURL(), speechForm(map[string]string{"response_format": "verbose_json", "language": "fr"}))
	require.NoError(t, err)
	assert.Contains(t, string(body), `"text":"Hello there."`)
	assert.Contains(t, string(body), `"language":"french"`)

	silence := speechForm(nil)
	silence.file = sttfake.SilentWAV().Data
	_, body, err = post(t, s, t.Context(), s.URL(), silence)
	require.NoError(t, err)
	assert.JSONEq(t, `{"text":""}`, string(body))

	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/audio/transcriptions", reqs[0].Path)
	assert.Equal(t, "note.wav", reqs[0].FileName)
	assert.Equal(t, "fr", reqs[0].Language)
	assert.Equal(t, sttfake.Whisper1, reqs[0].Model)
	assert.Nil(t, reqs[1].ResponseFormat)
}

// TestSniff: each signature the API reads, and none else.
func TestSniff(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"mp3", "ogg", "webm", "mp4", "flac", "wav"} {
		assert.Equal(t, f, sttfake.Sniff(sttfake.Sample(f, 100)), f)
	}
	assert.Equal(t, "mp3", sttfake.Sniff([]byte{0xFF, 0xFB, 0x90, 0x00}), "an MPEG frame without a tag")
	assert.Empty(t, sttfake.Sniff([]byte("<html>")))
	assert.Empty(t, sttfake.Sniff(nil))
}

// TestValidation: the refusals, in OpenAI's shapes.
func TestValidation(t *testing.T) {
	t.Parallel()
	s := sttfake.New(t, sttfake.WithAPIKey(key), sttfake.WithMaxFileBytes(40000))
	big := speechForm(nil)
	big.fileName, big.file = "big.mp3", sttfake.Sample("mp3", 50000)
	for _, tc := range []struct {
		name          string
		f             form
		status        int
		code, param   string
		msgStartsWith string
	}{
		{"no file", form{fields: map[string]string{"model": sttfake.Whisper1}}, 400, "missing_required_parameter", "file", ""},
		{"no model", form{fields: map[string]string{}, fileName: "a.wav", file: sttfake.SpeechWAV().Data}, 400, "missing_required_parameter", "model", ""},
		{"unknown model", speechForm(map[string]string{"model": "whisper-9"}), 404, "model_not_found", "model", ""},
		{"unknown format", speechForm(map[string]string{"response_format": "xml"}), 400, "invalid_value", "response_format", ""},
		{"verbose with gpt-4o", speechForm(map[string]string{"model": sttfake.GPT4oTranscribe, "response_format": "verbose_json"}), 400, "unsupported_value", "response_format", ""},
		{"unknown language", speechForm(map[string]string{"language": "english"}), 400, "invalid_language_format", "language", ""},
		{"bad extension", form{fields: map[string]string{"model": sttfake.Whisper1}, fileName: "a.txt", file: sttfake.SpeechWAV().Data}, 400, "", "", "Invalid file format."},
		{"not audio", form{fields: map[string]string{"model": sttfake.Whisper1}, fileName: "a.mp3", file: []byte("hello")}, 400, "", "", "Invalid file format."},
		{"empty file", form{fields: map[string]string{"model": sttfake.Whisper1}, fileName: "a.mp3", file: []byte{}}, 400, "", "", "Invalid file format."},
		{"wrong extension", form{fields: map[string]string{"model": sttfake.Whisper1}, fileName: "a.mp3", file: sttfake.SpeechWAV().Data}, 400, "", "", "Audio file could not be decoded"},
		{"too short", form{fields: map[string]string{"model": sttfake.Whisper1}, fileName: "a.wav", file: sttfake.WAV(make([]int16, 100))}, 400, "audio_too_short", "file", ""},
		{"too large", big, 413, "", "", "Maximum content size limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, body, err := post(t, s, t.Context(), s.URL(), tc.f)
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, string(body))
			_, code, param, msg := errorOf(t, body)
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.param, param)
			assert.True(t, strings.HasPrefix(msg, tc.msgStartsWith), msg)
		})
	}
}

// TestAuth: a wrong key is 401, quoting it.
func TestAuth(t *testing.T) {
	t.Parallel()
	s := sttfake.New(t, sttfake.WithAPIKey("sk-other"))
	resp, body, err := post(t, s, t.Context(), s.URL(), speechForm(nil))
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	_, code, _, msg := errorOf(t, body)
	assert.Equal(t, "invalid_api_key", code)
	assert.Contains(t, msg, key)
}

// TestBehaviours: the script, then the fallback; failures in their shapes.
func TestBehaviours(t *testing.T) {
	t.Parallel()
	s := sttfake.New(t, sttfake.WithBehaviour(sttfake.Garbled()))
	s.Script(sttfake.RateLimited("7"), sttfake.Error(500), sttfake.RateLimited(""), sttfake.EmptyBody(), sttfake.HTML(),
		sttfake.PlainJSON(), sttfake.QuotaExceeded())

	resp, body, err := post(t, s, t.Context(), s.URL(), speechForm(nil))
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))
	_, code, _, _ := errorOf(t, body)
	assert.Equal(t, "rate_limit_exceeded", code)

	resp, body, _ = post(t, s, t.Context(), s.URL(), speechForm(nil))
	assert.Equal(t, 500, resp.StatusCode)
	typ, _, _, _ := errorOf(t, body)
	assert.Equal(t, "server_error", typ)

	resp, _, _ = post(t, s, t.Context(), s.URL(), speechForm(nil))
	assert.Equal(t, 429, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Retry-After"))

	resp, body, _ = post(t, s, t.Context(), s.URL(), speechForm(nil))
	assert.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, body)

	resp, _, _ = post(t, s, t.Context(), s.URL(), speechForm(nil))
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html"))

	_, body, _ = post(t, s, t.Context(), s.URL(), speechForm(map[string]string{"response_format": "verbose_json"}))
	assert.NotContains(t, string(body), "duration", "plain json only")

	resp, body, _ = post(t, s, t.Context(), s.URL(), speechForm(nil))
	assert.Equal(t, 429, resp.StatusCode)
	_, code, _, _ = errorOf(t, body)
	assert.Equal(t, "insufficient_quota", code)

	_, body, _ = post(t, s, t.Context(), s.URL(), speechForm(nil))
	var v any
	assert.Error(t, json.Unmarshal(body, &v), "garbled JSON")
	assert.Len(t, s.Requests(), 8)
}

// TestSlowAndHang: a slow answer waits, a hanging one ends when the client leaves.
func TestSlowAndHang(t *testing.T) {
	t.Parallel()
	s := sttfake.New(t, sttfake.WithBehaviour(sttfake.Hang()))
	s.Script(sttfake.Slow(30 * time.Millisecond))
	start := time.Now()
	resp, _, err := post(t, s, t.Context(), s.URL(), speechForm(nil))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, _, err = post(t, s, ctx, s.URL(), speechForm(nil))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
