// Package openaifake is a local stand-in for an OpenAI-compatible chat-completions API, faithful to
// the parts the hub relies on, so that the openai adapter, the benchmarks and the end-to-end tests
// can talk HTTP to something that behaves — and misbehaves — like OpenAI, Ollama, vLLM or
// llama.cpp's server without a network or a GPU.
//
// What it speaks:
//   - POST {base}/chat/completions, where base is URL() (".../v1", what OpenAI, Ollama and vLLM
//     document) or RootURL() (llama.cpp-style servers and proxies without /v1). openai-go joins
//     its base URL and "chat/completions", so both must work.
//   - "stream": true answers text/event-stream: a first chunk carrying the role and empty content,
//     one chunk per token (choices[0].delta.content), a chunk with finish_reason, a usage chunk
//     with empty choices when stream_options.include_usage is set (other chunks then carry
//     "usage": null, as OpenAI's do), and "data: [DONE]". Every chunk has the same id, created
//     and model, and object "chat.completion.chunk".
//   - Without "stream", one "chat.completion" object with choices[0].message and usage.
//   - Errors as {"error":{"message","type","param","code"}} with OpenAI's types and codes.
//   - GET {base}/models lists the accepted models.
//
// The reply is a scripted text (WithReply, WithJSONReply for response_format json_object or
// json_schema, WithJSONReplyWhen for JSON requests whose messages hold a given text) split into tokens of one word each, its leading space attached, like a BPE
// tokenizer would. Usage counts words: prompt_tokens the words of all messages, completion_tokens
// the tokens sent.
//
// Behaviours (Behaviour) script failures: the server answers its Script in order, one behaviour per
// chat request, then falls back to its default (WithBehaviour, else success). Every chat request is
// recorded (Requests) for assertions on what the client sent.
package openaifake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// DefaultReply is what the server answers when no reply was configured.
const DefaultReply = "Hello! I'm the fake model, and this reply arrives one word at a time."

// DefaultJSONReply is what the server answers in JSON mode when no JSON reply was configured.
const DefaultJSONReply = `{"reasoning":"fake model","mood":"neutral"}`

// DefaultModel is the only model the server accepts unless WithModels says otherwise.
const DefaultModel = "fake-model"

// Server is the fake API. It is safe for concurrent use; every method may be called while requests
// are in flight.
type Server struct {
	srv  *httptest.Server
	done chan struct{} // closed at cleanup so that paced or hanging answers stop at once

	script    fakehttp.Script[Behaviour]
	requests  fakehttp.Log[Request]
	oversized fakehttp.Log[int64]

	mu  sync.Mutex
	cfg config
}

type config struct {
	reply, jsonReply string
	jsonWhen         []rule
	textWhen         []rule
	models           []string
	apiKey           string
	errorMessage     string
	fallback         Behaviour
	tps              float64
	noRecord         bool
}

// Option configures a Server.
type Option func(*config)

// WithReply sets the assistant text of successful answers.
func WithReply(text string) Option { return func(c *config) { c.reply = text } }

// WithJSONReply sets the assistant text of successful answers to requests in JSON mode.
func WithJSONReply(text string) Option { return func(c *config) { c.jsonReply = text } }

// rule answers requests that hold substr with reply.
type rule struct{ substr, reply string }

// WithJSONReplyWhen answers requests in JSON mode with reply when one of their messages contains
// substr, so that calls with different prompts (a scene analysis, a memory extraction) get
// different answers. Rules are tried in the order given; the first that matches wins, and a
// request no rule matches gets the WithJSONReply text. A behaviour's Reply still overrides it.
func WithJSONReplyWhen(substr, reply string) Option {
	return func(c *config) { c.jsonWhen = append(c.jsonWhen, rule{substr, reply}) }
}

// WithReplyWhen does for requests not in JSON mode what WithJSONReplyWhen does for those in it
// (a conversation summary's call, say); a request no rule matches gets the WithReply text.
func WithReplyWhen(substr, reply string) Option {
	return func(c *config) { c.textWhen = append(c.textWhen, rule{substr, reply}) }
}

// WithModels sets the model names the server accepts; others answer 404 model_not_found, as
// OpenAI does.
func WithModels(names ...string) Option { return func(c *config) { c.models = names } }

// WithAPIKey makes the server demand "Authorization: Bearer key" and answer 401 invalid_api_key
// otherwise. Like OpenAI's, the 401 message quotes the key it was given, so clients that log
// provider text must redact it.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithErrorMessage sets the provider text put in every error body (it is appended to the
// server's own description), so tests can check that provider text never reaches users.
func WithErrorMessage(msg string) Option { return func(c *config) { c.errorMessage = msg } }

// WithBehaviour sets how requests are answered once the script is used up.
func WithBehaviour(b Behaviour) Option { return func(c *config) { c.fallback = b } }

// WithTokensPerSecond paces every answer whose behaviour does not set its own pace, e.g. 100
// for a benchmark's 500-token replies that take five seconds.
func WithTokensPerSecond(tps float64) Option { return func(c *config) { c.tps = tps } }

// WithoutRecording keeps Requests empty, for benchmarks that send more requests than are worth
// keeping in memory.
func WithoutRecording() Option { return func(c *config) { c.noRecord = true } }

// Words returns a reply of n tokens ("w1 w2 …"), e.g. Words(500) for a benchmark's long reply.
func Words(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("w" + strconv.Itoa(i+1))
	}
	return b.String()
}

// New starts a server that t closes when it ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{
		reply:        DefaultReply,
		jsonReply:    DefaultJSONReply,
		models:       []string{DefaultModel},
		errorMessage: "fake provider detail",
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, done: make(chan struct{})}
	s.srv = httptest.NewServer(s)
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// URL is the base URL clients are configured with: the server's root plus "/v1".
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// RootURL is the server's root; the API answers there too, for base URLs without "/v1".
func (s *Server) RootURL() string { return s.srv.URL }

// Client returns an HTTP client for the server (the one httptest configures for it).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Script queues behaviours for the next chat requests, one each, after any already queued.
// Script(Error(500), Error(500)) then makes the third request succeed.
func (s *Server) Script(bs ...Behaviour) { s.script.Add(bs...) }

// Requests returns the chat requests received so far, oldest first.
func (s *Server) Requests() []Request { return s.requests.All() }

// OversizedWritten returns, for each Oversized answer that has ended, oldest first, how many
// bytes the server got to write before the client stopped reading.
func (s *Server) OversizedWritten() []int64 { return s.oversized.All() }

// OversizedEnded returns a channel closed once n Oversized answers have ended (at once when they
// have): the written count is recorded when the handler returns, which may be after the client
// gave up.
func (s *Server) OversizedEnded(n int) <-chan struct{} { return s.oversized.Arrived(n) }

// Request is one chat request as the server decoded it.
type Request struct {
	Path   string
	Header http.Header
	// Body is the raw JSON body.
	Body     []byte
	Model    string
	Messages []Message
	// MaxTokens and MaxCompletionTokens are nil when absent; so is Temperature.
	MaxTokens           *int
	MaxCompletionTokens *int
	Temperature         *float64
	Stream              bool
	IncludeUsage        bool
	// ResponseFormat is response_format.type: "", "text", "json_object" or "json_schema".
	ResponseFormat string
}

// Message is one message of a chat request. Content is the text of a string content or the
// concatenated text parts of an array content.
type Message struct {
	Role    string
	Content string
}

type wireRequest struct {
	Model               string        `json:"model"`
	Messages            []wireMessage `json:"messages"`
	MaxTokens           *int          `json:"max_tokens"`
	MaxCompletionTokens *int          `json:"max_completion_tokens"`
	Temperature         *float64      `json:"temperature"`
	Stream              bool          `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	ResponseFormat *struct {
		Type string `json:"type"`
	} `json:"response_format"`
}

type wireMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

func (m wireMessage) text() (string, bool) {
	var s string
	if err := json.Unmarshal(m.Content, &s); err == nil {
		return s, true
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String(), true
}

// ServeHTTP routes the API's paths, with or without the /v1 prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/v1")
	switch {
	case path == "/chat/completions" && r.Method == http.MethodPost:
		s.chat(w, r)
	case path == "/chat/completions":
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "Method not allowed.")
	case path == "/models" && r.Method == http.MethodGet:
		s.models(w)
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "Unknown request URL: "+r.Method+" "+r.URL.Path+".")
	}
}

func (s *Server) models(w http.ResponseWriter) {
	s.mu.Lock()
	names := slices.Clone(s.cfg.models)
	s.mu.Unlock()
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	out := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	for _, n := range names {
		out.Data = append(out.Data, model{ID: n, Object: "model", Created: created, OwnedBy: "openaifake"})
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

// chat validates the request the way OpenAI does (in the same order: auth, body, model), records
// it, and answers with the next behaviour.
func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	req := Request{Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	var wr wireRequest
	if err == nil {
		err = json.Unmarshal(body, &wr)
	}
	if err == nil {
		req.Model, req.MaxTokens, req.MaxCompletionTokens = wr.Model, wr.MaxTokens, wr.MaxCompletionTokens
		req.Temperature, req.Stream = wr.Temperature, wr.Stream
		req.IncludeUsage = wr.StreamOptions != nil && wr.StreamOptions.IncludeUsage
		if wr.ResponseFormat != nil {
			req.ResponseFormat = wr.ResponseFormat.Type
		}
		for _, m := range wr.Messages {
			text, _ := m.text()
			req.Messages = append(req.Messages, Message{Role: m.Role, Content: text})
		}
	}

	s.mu.Lock() // the nth request recorded gets the nth behaviour
	if !s.cfg.noRecord {
		s.requests.Add(req)
	}
	cfg := s.cfg
	b := s.script.Next(cfg.fallback)
	if b.TokensPerSecond == 0 {
		b.TokensPerSecond = cfg.tps
	}
	s.mu.Unlock()

	detail := " (" + cfg.errorMessage + ")"
	if given, ok := fakehttp.Bearer(r, cfg.apiKey); !ok {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
			"Incorrect API key provided: "+given+"."+detail)
		return
	}
	switch {
	case err != nil:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_json",
			"We could not parse the JSON body of your request."+detail)
		return
	case wr.Model == "":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "missing_model",
			"You must provide a model parameter."+detail)
		return
	case !slices.Contains(cfg.models, wr.Model):
		writeError(w, http.StatusNotFound, "invalid_request_error", "model_not_found",
			"The model `"+wr.Model+"` does not exist or you do not have access to it."+detail)
		return
	case len(wr.Messages) == 0:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "empty_array",
			"Invalid 'messages': empty array. Expected an array with minimum length 1."+detail)
		return
	}
	for _, m := range wr.Messages {
		if _, ok := m.text(); !ok || !slices.Contains([]string{"system", "developer", "user", "assistant", "tool"}, m.Role) {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_value",
				"Invalid message in 'messages'."+detail)
			return
		}
	}

	reply := replyFor(req, cfg.textWhen, cfg.reply)
	if req.ResponseFormat == "json_object" || req.ResponseFormat == "json_schema" {
		reply = replyFor(req, cfg.jsonWhen, cfg.jsonReply)
	}
	if b.Reply != "" {
		reply = b.Reply
	}
	s.answer(w, r, req, b, reply, detail)
}

// replyFor is the answer to req: that of the first of rules whose text one of its messages holds,
// else otherwise.
func replyFor(req Request, rules []rule, otherwise string) string {
	for _, r := range rules {
		for _, m := range req.Messages {
			if strings.Contains(m.Content, r.substr) {
				return r.reply
			}
		}
	}
	return otherwise
}
