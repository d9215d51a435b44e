package openaifake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// created is the fixed creation time of listed models.
const created = 1700000000

var idSeq atomic.Int64

// maxBody bounds request bodies as a real server would.
const maxBody = 8 << 20

func readBody(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, maxBody))
}

// writeError writes OpenAI's error body; an empty code is sent as null, as OpenAI does for
// server errors.
func writeError(w http.ResponseWriter, status int, typ, code, message string) {
	var c *string
	if code != "" {
		c = &code
	}
	fakehttp.WriteJSON(w, status, map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": nil, "code": c,
	}})
}

// answer writes the reply (or the failure) that b describes.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, req Request, b Behaviour, reply, detail string) {
	if b.Hang {
		fakehttp.Hang(r, s.done)
		return
	}
	if b.RetryAfter != "" {
		w.Header().Set("Retry-After", b.RetryAfter)
	}
	if b.Status != 0 && b.Status != http.StatusOK && b.Oversized > 0 {
		s.oversized.Add(fakehttp.Oversized(w, r, s.done, b.Status, "application/json",
			`{"error":{"type":"server_error","code":null,"param":null,"message":"`, "Sorry. ", `"}}`, b.Oversized))
		return
	}
	if b.Status != 0 && b.Status != http.StatusOK {
		typ, code, msg := errorShape(b.Status)
		if b.ErrorType != "" {
			typ = b.ErrorType
		}
		if b.ErrorCode != "" {
			code = b.ErrorCode
		}
		writeError(w, b.Status, typ, code, msg+detail)
		return
	}
	switch {
	case b.WrongContentType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body><h1>Welcome to the proxy</h1></body></html>")
		return
	case b.Malformed:
		malformed(w, req.Stream)
		return
	case b.Oversized > 0:
		s.oversize(w, r, req, b.Oversized)
		return
	}
	toks := tokens(reply)
	a := answer{
		id:      "chatcmpl-fake" + strconv.FormatInt(idSeq.Add(1), 10),
		created: time.Now().Unix(),
		model:   req.Model,
		finish:  "stop",
		usage:   usage{PromptTokens: promptTokens(req), CompletionTokens: len(toks)},
	}
	a.usage.TotalTokens = a.usage.PromptTokens + a.usage.CompletionTokens
	if b.FinishReason != "" {
		a.finish = b.FinishReason
	}
	if req.Stream {
		s.stream(w, r, req, b, a, toks, detail)
		return
	}
	s.whole(w, r, b, a, reply, len(toks))
}

type answer struct {
	id      string
	created int64
	model   string
	finish  string
	usage   usage
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type chunk struct {
	ID                string          `json:"id"`
	Object            string          `json:"object"`
	Created           int64           `json:"created"`
	Model             string          `json:"model"`
	SystemFingerprint string          `json:"system_fingerprint"`
	Choices           []chunkChoice   `json:"choices"`
	Usage             json.RawMessage `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index        int             `json:"index"`
	Delta        delta           `json:"delta"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason *string         `json:"finish_reason"`
}

type delta struct {
	Role    string          `json:"role,omitempty"`
	Content json.RawMessage `json:"content,omitempty"`
}

var null = json.RawMessage("null")

// stream writes the SSE answer: role chunk, one chunk per token (two for split characters),
// finish chunk, usage chunk when asked, [DONE].
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req Request, b Behaviour, a answer, toks []string, detail string) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	send := func(data []byte) {
		_, _ = w.Write([]byte("data: "))
		_, _ = w.Write(data)
		_, _ = w.Write([]byte("\n\n"))
		if flusher != nil {
			flusher.Flush()
		}
	}
	sendChunk := func(choices []chunkChoice, u json.RawMessage) {
		c := chunk{ID: a.id, Object: "chat.completion.chunk", Created: a.created, Model: a.model,
			SystemFingerprint: "fp_openaifake", Choices: choices}
		if req.IncludeUsage {
			c.Usage = null
			if u != nil {
				c.Usage = u
			}
		}
		data, err := json.Marshal(c)
		if err != nil {
			panic(err) // every field is built here; a failure is a bug in the fake
		}
		send(data)
	}
	if flusher != nil {
		flusher.Flush() // headers first, as servers do before the model starts
	}
	if !fakehttp.Wait(r, s.done, b.FirstTokenDelay) {
		return
	}
	sendChunk([]chunkChoice{{Delta: delta{Role: "assistant", Content: json.RawMessage(`""`)}, Logprobs: null}}, nil)

	start := time.Now()
	for i, tok := range toks {
		if (b.Cut || b.Truncate || b.StreamError) && i == b.CutAfter {
			break
		}
		if b.TokensPerSecond > 0 && i > 0 {
			at := start.Add(time.Duration(float64(i) / b.TokensPerSecond * float64(time.Second)))
			if !fakehttp.Wait(r, s.done, time.Until(at)) {
				return
			}
		}
		for _, part := range pieces(tok, b.SplitUTF8) {
			sendChunk([]chunkChoice{{Delta: delta{Content: rawJSONString(part)}, Logprobs: null}}, nil)
		}
	}
	switch {
	case b.StreamError:
		typ, _, msg := errorShape(http.StatusBadGateway)
		data, _ := json.Marshal(map[string]any{"error": map[string]any{
			"message": "Upstream provider failed. " + msg + detail, "type": typ, "code": http.StatusBadGateway}})
		send(data)
		return
	case b.Cut:
		// Abort the response: net/http closes the connection without the final empty chunk, so
		// the client sees an unexpected EOF, as with a dropped connection.
		panic(http.ErrAbortHandler)
	case b.Truncate:
		return
	}
	finish := a.finish
	sendChunk([]chunkChoice{{Delta: delta{}, Logprobs: null, FinishReason: &finish}}, nil)
	if req.IncludeUsage {
		u, _ := json.Marshal(a.usage)
		sendChunk([]chunkChoice{}, u)
	}
	send([]byte("[DONE]"))
}

// malformed answers 200 with a whole body that is not JSON where JSON belongs: the content is
// not quoted.
func malformed(w http.ResponseWriter, stream bool) {
	if stream {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		_, _ = io.WriteString(w, `data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1700000000,`+
			`"model":"fake-model","choices":[{"index":0,"delta":{"content":Hello}}]}`+"\n\ndata: [DONE]\n\n")
		return
	}
	body := `{"id":"chatcmpl-fake","object":"chat.completion","created":1700000000,"model":"fake-model",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":Hello},"finish_reason":"stop"}]}`
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = io.WriteString(w, body)
}

// oversize answers a reply of at least n bytes — one stream chunk, or one whole answer — which
// would be a valid answer if read to its end, and records how much of it was written.
func (s *Server) oversize(w http.ResponseWriter, r *http.Request, req Request, n int64) {
	var written int64
	if req.Stream {
		written = fakehttp.Oversized(w, r, s.done, http.StatusOK, "text/event-stream; charset=utf-8",
			`data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1700000000,"model":"`+req.Model+
				`","choices":[{"index":0,"delta":{"role":"assistant","content":"`, "word ",
			`"},"finish_reason":"stop"}]}`+"\n\ndata: [DONE]\n\n", n)
	} else {
		written = fakehttp.Oversized(w, r, s.done, http.StatusOK, "application/json",
			`{"id":"chatcmpl-fake","object":"chat.completion","created":1700000000,"model":"`+req.Model+
				`","choices":[{"index":0,"message":{"role":"assistant","content":"`, "word ",
			`"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`, n)
	}
	s.oversized.Add(written)
}

// whole writes a non-streamed answer after the time its stream would have taken.
func (s *Server) whole(w http.ResponseWriter, r *http.Request, b Behaviour, a answer, reply string, n int) {
	wait := b.FirstTokenDelay
	if b.TokensPerSecond > 0 && n > 1 {
		wait += time.Duration(float64(n-1) / b.TokensPerSecond * float64(time.Second))
	}
	if !fakehttp.Wait(r, s.done, wait) {
		return
	}
	body := fmt.Appendf(nil, `{"id":%q,"object":"chat.completion","created":%d,"model":%q,`+
		`"choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":null,"annotations":[]},`+
		`"logprobs":null,"finish_reason":%q}],"usage":%s,"service_tier":"default","system_fingerprint":"fp_openaifake"}`,
		a.id, a.created, a.model, rawJSONString(reply), a.finish, mustJSON(a.usage))
	if b.Truncate {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if b.Cut || b.StreamError {
		_, _ = w.Write(body[:len(body)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	_, _ = w.Write(body)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// tokens splits text into words, each with the whitespace before it.
func tokens(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexFunc(text, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			out = append(out, text)
			break
		}
		j := strings.IndexFunc(text[i:], unicode.IsSpace)
		if j < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+j])
		text = text[i+j:]
	}
	return out
}

// pieces returns tok whole, or split inside its first multi-byte character.
func pieces(tok string, split bool) []string {
	if !split {
		return []string{tok}
	}
	for i, r := range tok {
		if utf8.RuneLen(r) > 1 {
			return []string{tok[:i+1], tok[i+1:]}
		}
	}
	return []string{tok}
}

func promptTokens(req Request) int {
	n := 0
	for _, m := range req.Messages {
		n += len(strings.Fields(m.Content))
	}
	return n
}

// rawJSONString quotes s as a JSON string without touching bytes ≥ 0x80, so a partial UTF-8
// character reaches the client as the raw bytes a byte-level tokenizer would emit
// (encoding/json would replace them with U+FFFD).
func rawJSONString(s string) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.Bytes()
}
