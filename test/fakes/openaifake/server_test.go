package openaifake_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
)

func post(t *testing.T, s *openaifake.Server, path, body string, header ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.RootURL()+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

const streamBody = `{"model":"fake-model","messages":[{"role":"user","content":"hello there"}],"stream":true%s}`

// events splits an SSE body into its data payloads, checking the framing.
func events(t *testing.T, body []byte) []string {
	t.Helper()
	require.True(t, bytes.HasSuffix(body, []byte("\n\n")), "events end with a blank line")
	var out []string
	for _, ev := range strings.Split(strings.TrimSuffix(string(body), "\n\n"), "\n\n") {
		data, ok := strings.CutPrefix(ev, "data: ")
		require.True(t, ok, "event %q is not a data line", ev)
		out = append(out, data)
	}
	return out
}

type chunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
}

func TestStreamWireFormat(t *testing.T) {
	t.Parallel()
	s := openaifake.New(t)
	resp, body, err := post(t, s, "/v1/chat/completions", strings.Replace(streamBody, "%s", `,"stream_options":{"include_usage":true}`, 1))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream"))

	evs := events(t, body)
	require.Equal(t, "[DONE]", evs[len(evs)-1])
	chunks := make([]chunk, len(evs)-1)
	var text strings.Builder
	for i, ev := range evs[:len(evs)-1] {
		require.NoError(t, json.Unmarshal([]byte(ev), &chunks[i]), ev)
		assert.Equal(t, chunks[0].ID, chunks[i].ID)
		assert.Equal(t, "chat.completion.chunk", chunks[i].Object)
		assert.Equal(t, "fake-model", chunks[i].Model)
		var raw map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(ev), &raw))
		assert.Contains(t, raw, "usage", "with include_usage every chunk has a usage key")
		if i > 0 && i < len(chunks)-2 {
			text.WriteString(*chunks[i].Choices[0].Delta.Content)
		}
	}
	first, finish, last := chunks[0], chunks[len(chunks)-2], chunks[len(chunks)-1]
	assert.Equal(t, "assistant", first.Choices[0].Delta.Role)
	assert.Equal(t, "", *first.Choices[0].Delta.Content)
	assert.Equal(t, openaifake.DefaultReply, text.String())
	assert.Equal(t, "stop", *finish.Choices[0].FinishReason)
	assert.Nil(t, finish.Usage)
	assert.Empty(t, last.Choices)
	require.NotNil(t, last.Usage)
	assert.Equal(t, 2, last.Usage.PromptTokens)
	assert.Equal(t, len(strings.Fields(openaifake.DefaultReply)), last.Usage.CompletionTokens)
	assert.Equal(t, last.Usage.PromptTokens+last.Usage.CompletionTokens, last.Usage.TotalTokens)
}

func TestStreamWithoutUsage(t *testing.T) {
	t.Parallel()
	s := openaifake.New(t, openaifake.WithReply("a b"))
	_, body, err := post(t, s, "/chat/completions", strings.Replace(streamBody, "%s", "", 1))
	require.NoError(t, err)
	evs := events(t, body)
	assert.Len(t, evs, 5) // role, "a", " b", finish, [DONE]
	assert.NotContains(t, string(body), `"usage"`)
}

func TestWholeAnswer(t *testing.T) {
	t.Parallel()
	s := openaifake.New(t, openaifake.WithReply("plain"), openaifake.WithJSONReply(`{"a":1}`))
	for _, tc := range []struct{ format, want string }{{"", "plain"}, {`,"response_format":{"type":"json_object"}`, `{"a":1}`}} {
		format, want := tc.format, tc.want
		resp, body, err := post(t, s, "/v1/chat/completions", `{"model":"fake-model","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]`+format+`}`)
		require.NoError(t, err)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		var got struct {
			Object  string `json:"object"`
			Choices []struct {
				Message      struct{ Role, Content string } `json:"message"`
				FinishReason string                         `json:"finish_reason"`
			} `json:"choices"`
			Usage struct {
				TotalTokens int `json:"total_tokens"`
			} `json:"usage"`
		}
		require.NoError(t, json.Unmarshal(body, &got), string(body))
		assert.Equal(t, "chat.completion", got.Object)
		assert.Equal(t, "assistant", got.Choices[0].Message.Role)
		assert.Equal(t, want, got.Choices[0].Message.Content)
		assert.Equal(t, "stop", got.Choices[0].FinishReason)
		assert.Equal(t, 2, got.Usage.TotalTokens)
	}
	assert.Equal(t, "json_object", s.Requests()[1].ResponseFormat)
	assert.Equal(t, "hi", s.Requests()[0].Messages[0].Content, "array contents are read as their text")
}

// TestJSONReplyWhen: JSON requests get the answer of the first rule whose text one of their
// messages holds, others the JSON reply; text requests are not touched by the rules.
func TestJSONReplyWhen(t *testing.T) {
	t.Parallel()
	s := openaifake.New(t, openaifake.WithReply("plain"), openaifake.WithJSONReply(`{"default":1}`),
		openaifake.WithJSONReplyWhen("long-term memory", `{"memories":[]}`),
		openaifake.WithJSONReplyWhen("memory", `{"second":1}`))
	const jsonMode = `,"response_format":{"type":"json_object"}`
	for _, tc := range []struct{ system, user, format, want string }{
		{"You keep the long-term memory of a character.", "hi", jsonMode, `{"memories":[]}`},
		{"Read the scene.", "a word about memory", jsonMode, `{"second":1}`},
		{"Read the scene.", "hi", jsonMode, `{"default":1}`},
		{"You keep the long-term memory of a character.", "hi", "", "plain"},
	} {
		body := `{"model":"fake-model","messages":[{"role":"system","content":` + strconv.Quote(tc.system) +
			`},{"role":"user","content":` + strconv.Quote(tc.user) + `}]` + tc.format + `}`
		_, got, err := post(t, s, "/v1/chat/completions", body)
		require.NoError(t, err)
		var answer struct {
			Choices []struct {
				Message struct{ Content string } `json:"message"`
			} `json:"choices"`
		}
		require.NoError(t, json.Unmarshal(got, &answer), string(got))
		require.Len(t, answer.Choices, 1, string(got))
		assert.Equal(t, tc.want, answer.Choices[0].Message.Content, "%s / %s", tc.system, tc.user)
	}
}

func TestErrorsHaveOpenAIsShape(t *testing.T) {
	t.Parallel()
	s := openaifake.New(t, openaifake.WithAPIKey("sk-good"), openaifake.WithErrorMessage("marker"))
	auth := []string{"Authorization", "Bearer sk-good"}
	cases := []struct {
		path, body string
		header     []string
		status     int
		code       string
	}{
		{"/v1/chat/completions", `{"model":"fake-model","messages":[{"role":"user","content":"x"}]}`, []string{"Authorization", "Bearer sk-bad"}, 401, "invalid_api_key"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, auth, 400, "missing_model"},
		{"/v1/chat/completions", `{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}`, auth, 404, "model_not_found"},
		{"/v1/chat/completions", `{"model":"fake-model","messages":[]}`, auth, 400, "empty_array"},
		{"/v1/chat/completions", `{"model":"fake-model","messages":[{"role":"wizard","content":"x"}]}`, auth, 400, "invalid_value"},
		{"/v1/chat/completions", `{"model":`, auth, 400, "invalid_json"},
		{"/v1/completions", `{}`, auth, 404, "unknown_url"},
	}
	for _, tc := range cases {
		resp, body, err := post(t, s, tc.path, tc.body, tc.header...)
		require.NoError(t, err)
		assert.Equal(t, tc.status, resp.StatusCode, tc.body)
		var e struct {
			Error struct {
				Message string  `json:"message"`
				Type    string  `json:"type"`
				Param   *string `json:"param"`
				Code    string  `json:"code"`
			} `json:"error"`
		}
		require.NoError(t, json.Unmarshal(body, &e), string(body))
		assert.Equal(t, tc.code, e.Error.Code)
		assert.Equal(t, "invalid_request_error", e.Error.Type)
		assert.NotEmpty(t, e.Error.Message)
	}
	assert.Contains(t, string(must(post(t, s, "/v1/chat/completions", `{}`, "Authorization", "Bearer sk-leaked"))), "sk-leaked",
		"like OpenAI's, the 401 quotes the key it was given")
}

func must(_ *http.Response, body []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return body
}

func TestScriptThenDefault(t *testing.T) {
	t.Parallel()
	s := openaifake.New(t)
	s.Script(openaifake.Error(500), openaifake.RateLimited("7"))
	body := `{"model":"fake-model","messages":[{"role":"user","content":"x"}]}`
	resp, raw, err := post(t, s, "/v1/chat/completions", body)
	require.NoError(t, err)
	assert.Equal(t, 500, resp.StatusCode)
	assert.JSONEq(t, `{"error":{"message":"The server had an error while processing your request. Sorry about that! (fake provider detail)","type":"server_error","param":null,"code":null}}`, string(raw))
	resp, _, err = post(t, s, "/v1/chat/completions", body)
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))
	resp, _, err = post(t, s, "/v1/chat/completions", body, "Authorization", "Bearer k")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "Bearer k", reqs[2].Header.Get("Authorization"))
	assert.Equal(t, []openaifake.Message{{Role: "user", Content: "x"}}, reqs[2].Messages)
}

func TestSplitUTF8SendsRawPartialCharacters(t *testing.T) {
	t.Parallel()
	s := openaifake.New(t, openaifake.WithReply("café 🌧️"), openaifake.WithBehaviour(openaifake.SplitUTF8()))
	_, body, err := post(t, s, "/v1/chat/completions", strings.Replace(streamBody, "%s", "", 1))
	require.NoError(t, err)
	var joined []byte
	invalid := 0
	for _, ev := range events(t, body) {
		if i := strings.Index(ev, `"content":"`); i >= 0 {
			content := ev[i+len(`"content":"`):]
			content = content[:strings.IndexByte(content, '"')]
			if !utf8.ValidString(content) {
				invalid++
			}
			joined = append(joined, content...)
		}
	}
	assert.Equal(t, "café 🌧️", string(joined))
	assert.Equal(t, 4, invalid, "both characters are split, each in two invalid halves")
}

func TestCutAndTruncate(t *testing.T) {
	t.Parallel()
	s := openaifake.New(t, openaifake.WithReply("one two three"))
	s.Script(openaifake.CutAfter(1), openaifake.TruncateAfter(1))
	_, body, err := post(t, s, "/v1/chat/completions", strings.Replace(streamBody, "%s", "", 1))
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "a cut connection is not a clean end")
	assert.Contains(t, string(body), `"one"`)
	_, body, err = post(t, s, "/v1/chat/completions", strings.Replace(streamBody, "%s", "", 1))
	require.NoError(t, err)
	assert.NotContains(t, string(body), "[DONE]")
	assert.NotContains(t, string(body), "finish_reason\":\"")
}

func TestModels(t *testing.T) {
	t.Parallel()
	s := openaifake.New(t, openaifake.WithModels("a", "b"))
	resp, err := s.Client().Get(s.URL() + "/models")
	require.NoError(t, err)
	defer resp.Body.Close()
	var got struct {
		Object string `json:"object"`
		Data   []struct{ ID, Object string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	assert.Equal(t, "list", got.Object)
	require.Len(t, got.Data, 2)
	assert.Equal(t, "a", got.Data[0].ID)
	assert.Equal(t, "model", got.Data[0].Object)
}

func TestWordsForLongRepliesWithoutRecording(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "w1 w2 w3", openaifake.Words(3))
	s := openaifake.New(t, openaifake.WithReply(openaifake.Words(500)), openaifake.WithoutRecording())
	_, body, err := post(t, s, "/v1/chat/completions", strings.Replace(streamBody, "%s", `,"stream_options":{"include_usage":true}`, 1))
	require.NoError(t, err)
	evs := events(t, body)
	assert.Len(t, evs, 1+500+1+1+1) // role, tokens, finish, usage, [DONE]
	assert.Contains(t, evs[len(evs)-2], `"completion_tokens":500`)
	assert.Empty(t, s.Requests())
}

// TestPacing: at one token every 1000 seconds, a client has the role chunk and the first token at
// once (the first token is not delayed) and then nothing more (the second would be). The events
// are read as they come, so the test waits for the ones due and never races a deadline for them.
func TestPacing(t *testing.T) {
	t.Parallel()
	s := openaifake.New(t, openaifake.WithReply("one two three"), openaifake.WithTokensPerSecond(0.001))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/chat/completions",
		strings.NewReader(strings.Replace(streamBody, "%s", "", 1)))
	require.NoError(t, err)
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()

	evs := make(chan string)
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer close(evs)
		r := bufio.NewReader(resp.Body)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return // the request was cancelled, or the stream ended
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				select {
				case evs <- strings.TrimSuffix(data, "\n"):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	defer func() {
		cancel()
		<-read // ends once the request is cancelled
	}()

	assert.Contains(t, awaittest.Recv(t, evs, "the role chunk"), `"role":"assistant"`)
	assert.Contains(t, awaittest.Recv(t, evs, "the first token"), `"content":"one"`)
	// What must not come could only come late by mistake, so a short look is enough: a broken
	// pace sends the second token at once.
	select {
	case ev, ok := <-evs:
		if ok {
			t.Errorf("an event came before its time: %s", ev)
		} else {
			t.Error("the stream ended before its time")
		}
	case <-time.After(200 * time.Millisecond):
	}
}
