package imagesfake_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/imagesfake"
)

// post sends body to the generations endpoint under base and returns the status and body.
func post(t *testing.T, s *imagesfake.Server, ctx context.Context, base, body string, header ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/images/generations", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

type wireAnswer struct {
	Data []struct {
		B64JSON       string `json:"b64_json"`
		URL           string `json:"url"`
		RevisedPrompt string `json:"revised_prompt"`
	} `json:"data"`
	OutputFormat string `json:"output_format"`
	Size         string `json:"size"`
	Error        *struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Code    *string `json:"code"`
		Param   *string `json:"param"`
	} `json:"error"`
}

func decodeAnswer(t *testing.T, body []byte) wireAnswer {
	t.Helper()
	var a wireAnswer
	require.NoError(t, json.Unmarshal(body, &a), string(body))
	return a
}

func code(a wireAnswer) string {
	if a.Error == nil || a.Error.Code == nil {
		return ""
	}
	return *a.Error.Code
}

// TestSizesPerModel: each OpenAI model accepts only its sizes, as the real API does; other
// servers' models accept any.
func TestSizesPerModel(t *testing.T) {
	t.Parallel()
	s := imagesfake.New(t)
	for _, tc := range []struct {
		model, size string
		ok          bool
	}{
		{imagesfake.DallE2, "512x512", true}, {imagesfake.DallE2, "1024x1792", false},
		{imagesfake.DallE3, "1792x1024", true}, {imagesfake.DallE3, "512x512", false},
		{imagesfake.GPTImage1, "1536x1024", true}, {imagesfake.GPTImage1, "auto", true},
		{imagesfake.GPTImage1Mini, "1792x1024", false}, {imagesfake.GPTImage15, "512x512", false},
		{imagesfake.CustomModel, "320x448", true}, {imagesfake.CustomModel, "20x20", false},
		{imagesfake.CustomModel, "big", false},
	} {
		resp, body, err := post(t, s, t.Context(), s.URL(), `{"model":"`+tc.model+`","prompt":"a cat","size":"`+tc.size+`"}`)
		require.NoError(t, err)
		if !tc.ok {
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s %s", tc.model, tc.size)
			a := decodeAnswer(t, body)
			assert.Equal(t, "invalid_value", code(a), "%s %s", tc.model, tc.size)
			assert.Equal(t, "size", *a.Error.Param)
			continue
		}
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s %s: %s", tc.model, tc.size, body)
	}
}

// TestAnswerFormats: GPT image models answer b64_json and refuse response_format; DALL·E answers
// url unless asked for b64_json; the URL serves the picture b64_json would have carried.
func TestAnswerFormats(t *testing.T) {
	t.Parallel()
	s := imagesfake.New(t)
	_, body, err := post(t, s, t.Context(), s.URL(), `{"model":"gpt-image-1","prompt":"a cat","size":"1024x1536"}`)
	require.NoError(t, err)
	a := decodeAnswer(t, body)
	require.Len(t, a.Data, 1)
	assert.Empty(t, a.Data[0].URL)
	assert.Equal(t, "png", a.OutputFormat)
	assert.Equal(t, "1024x1536", a.Size)
	pic, err := base64.StdEncoding.DecodeString(a.Data[0].B64JSON)
	require.NoError(t, err)
	assert.Equal(t, imagesfake.Draw("a cat", 0, 1024, 1536, false), pic)

	resp, body, err := post(t, s, t.Context(), s.URL(), `{"model":"gpt-image-1","prompt":"a cat","response_format":"b64_json"}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "unknown_parameter", code(decodeAnswer(t, body)))

	_, body, err = post(t, s, t.Context(), s.RootURL(), `{"model":"dall-e-3","prompt":"a cat","size":"1024x1024"}`)
	require.NoError(t, err)
	a = decodeAnswer(t, body)
	require.Len(t, a.Data, 1)
	assert.Empty(t, a.Data[0].B64JSON)
	assert.NotEmpty(t, a.Data[0].RevisedPrompt, "DALL·E 3 says how it rewrote the prompt")
	file, err := s.Client().Get(a.Data[0].URL)
	require.NoError(t, err)
	defer file.Body.Close()
	assert.Equal(t, "image/png", file.Header.Get("Content-Type"))
	img, err := png.Decode(file.Body)
	require.NoError(t, err)
	assert.Equal(t, image.Pt(1024, 1024), img.Bounds().Size())
	assert.Len(t, s.FileRequests(), 1)
}

func TestSeparateFileHost(t *testing.T) {
	t.Parallel()
	s := imagesfake.New(t, imagesfake.WithSeparateFileHost())
	require.NotEqual(t, s.RootURL(), s.FilesURL())
	_, body, err := post(t, s, t.Context(), s.URL(), `{"model":"dall-e-2","prompt":"a cat","size":"256x256","response_format":"url"}`)
	require.NoError(t, err)
	u := decodeAnswer(t, body).Data[0].URL
	require.True(t, strings.HasPrefix(u, s.FilesURL()+"/files/"), u)
	file, err := s.Client().Get(u)
	require.NoError(t, err)
	file.Body.Close()
	assert.Equal(t, http.StatusOK, file.StatusCode)
	api, err := s.Client().Get(s.RootURL() + strings.TrimPrefix(u, s.FilesURL()))
	require.NoError(t, err)
	api.Body.Close()
	assert.Equal(t, http.StatusNotFound, api.StatusCode, "the API host does not serve the files")
}

// TestValidation: the key, unknown parameters (the API has no seed), the prompt, the model and n
// are checked as OpenAI checks them, and every request is recorded.
func TestValidation(t *testing.T) {
	t.Parallel()
	s := imagesfake.New(t, imagesfake.WithAPIKey("sk-test-key-123"), imagesfake.WithErrorMessage("provider secret words"))
	resp, body, err := post(t, s, t.Context(), s.URL(), `{"model":"dall-e-2","prompt":"a cat"}`, "Authorization", "Bearer sk-wrong-key-456")
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	a := decodeAnswer(t, body)
	assert.Equal(t, "invalid_api_key", code(a))
	assert.Contains(t, a.Error.Message, "sk-wrong-key-456", "like OpenAI's, the message quotes the key")
	assert.Contains(t, a.Error.Message, "provider secret words")

	auth := []string{"Authorization", "Bearer sk-test-key-123"}
	for _, tc := range []struct {
		body, code string
		status     int
	}{
		{`{"model":"dall-e-2","prompt":"a cat","seed":42}`, "unknown_parameter", http.StatusBadRequest},
		{`{"model":"dall-e-2","prompt":""}`, "missing_required_parameter", http.StatusBadRequest},
		{`{"model":"dall-e-2","prompt":"` + strings.Repeat("a", 1001) + `"}`, "string_above_max_length", http.StatusBadRequest},
		{`{"model":"dall-e-4","prompt":"a cat"}`, "model_not_found", http.StatusNotFound},
		{`{"model":"dall-e-3","prompt":"a cat","n":2}`, "invalid_value", http.StatusBadRequest},
		{`{"model":"dall-e-2","prompt":"a cat","response_format":"gif"}`, "invalid_value", http.StatusBadRequest},
		{`{"model":`, "invalid_json", http.StatusBadRequest},
	} {
		resp, body, err := post(t, s, t.Context(), s.URL(), tc.body, auth...)
		require.NoError(t, err)
		assert.Equal(t, tc.status, resp.StatusCode, tc.body)
		assert.Equal(t, tc.code, code(decodeAnswer(t, body)), tc.body)
	}

	reqs := s.Requests()
	require.Len(t, reqs, 8)
	assert.Equal(t, []string{"model", "prompt", "seed"}, reqs[1].Params)
	assert.Equal(t, "Bearer sk-test-key-123", reqs[1].Header.Get("Authorization"))
	assert.Equal(t, "/v1/images/generations", reqs[1].Path)
	require.NotNil(t, reqs[5].N)
	assert.Equal(t, 2, *reqs[5].N)
}

// TestBehaviours: the scripted failures look like the real ones.
func TestBehaviours(t *testing.T) {
	t.Parallel()
	s := imagesfake.New(t)
	s.Script(imagesfake.ContentPolicy(), imagesfake.ContentPolicy(), imagesfake.RateLimited("7"), imagesfake.Error(503),
		imagesfake.Malformed(), imagesfake.WrongContentType(), imagesfake.Behaviour{Status: 400, ErrorCode: "billing_hard_limit_reached"})

	resp, body, err := post(t, s, t.Context(), s.URL(), `{"model":"dall-e-3","prompt":"a cat"}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "content_policy_violation", code(decodeAnswer(t, body)))

	_, body, err = post(t, s, t.Context(), s.URL(), `{"model":"gpt-image-1","prompt":"a cat"}`)
	require.NoError(t, err)
	a := decodeAnswer(t, body)
	assert.Equal(t, "moderation_blocked", code(a))
	assert.Equal(t, "image_generation_user_error", a.Error.Type)

	resp, body, err = post(t, s, t.Context(), s.URL(), `{"model":"gpt-image-1","prompt":"a cat"}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))
	assert.Equal(t, "rate_limit_exceeded", code(decodeAnswer(t, body)))

	resp, _, err = post(t, s, t.Context(), s.URL(), `{"model":"gpt-image-1","prompt":"a cat"}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	resp, body, err = post(t, s, t.Context(), s.URL(), `{"model":"gpt-image-1","prompt":"a cat"}`)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Error(t, json.Unmarshal(body, new(any)), "a malformed answer is not JSON")

	resp, _, err = post(t, s, t.Context(), s.URL(), `{"model":"gpt-image-1","prompt":"a cat"}`)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html"))

	_, body, err = post(t, s, t.Context(), s.URL(), `{"model":"gpt-image-1","prompt":"a cat"}`)
	require.NoError(t, err)
	assert.Equal(t, "billing_hard_limit_reached", code(decodeAnswer(t, body)))
}

// TestOtherSizeAndFormat: a server that ignores the size, or answers JPEG, is staged faithfully.
func TestOtherSizeAndFormat(t *testing.T) {
	t.Parallel()
	s := imagesfake.New(t)
	s.Script(imagesfake.Behaviour{Width: 320, Height: 200, JPEG: true})
	_, body, err := post(t, s, t.Context(), s.URL(), `{"model":"gpt-image-1","prompt":"a cat"}`)
	require.NoError(t, err)
	a := decodeAnswer(t, body)
	assert.Equal(t, "jpeg", a.OutputFormat)
	pic, err := base64.StdEncoding.DecodeString(a.Data[0].B64JSON)
	require.NoError(t, err)
	cfg, format, err := image.DecodeConfig(bytes.NewReader(pic))
	require.NoError(t, err)
	assert.Equal(t, "jpeg", format)
	assert.Equal(t, [2]int{320, 200}, [2]int{cfg.Width, cfg.Height})
}

// TestHangEndsWhenTheClientLeaves: a hanging answer holds the request until the client gives up.
func TestHangEndsWhenTheClientLeaves(t *testing.T) {
	t.Parallel()
	s := imagesfake.New(t, imagesfake.WithBehaviour(imagesfake.Hang()))
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, _, err := post(t, s, ctx, s.URL(), `{"model":"gpt-image-1","prompt":"a cat"}`)
		errc <- err
	}()
	awaittest.Closed(t, s.Arrived(1), "the request's arrival")
	select {
	case err := <-errc:
		t.Fatalf("the request ended before the client left: %v", err)
	default:
	}
	cancel()
	assert.ErrorIs(t, awaittest.Recv(t, errc, "the request's end"), context.Canceled)
}

func TestDrawIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := imagesfake.Draw("a fox", 0, 96, 64, false), imagesfake.Draw("a fox", 0, 96, 64, false)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, imagesfake.Draw("a hound", 0, 96, 64, false))
	assert.NotEqual(t, a, imagesfake.Draw("a fox", 1, 96, 64, false), "every picture of an answer differs")
	img, err := png.Decode(bytes.NewReader(a))
	require.NoError(t, err)
	assert.Equal(t, image.Pt(96, 64), img.Bounds().Size())
}
