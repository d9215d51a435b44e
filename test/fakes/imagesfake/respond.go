package imagesfake

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// maxBody bounds request bodies as a real server would.
const maxBody = 1 << 20

func itoa(n int) string { return strconv.Itoa(n) }

// wireRequest is the request body; pointers tell absent fields from zero ones.
type wireRequest struct {
	Prompt         *string `json:"prompt"`
	Model          string  `json:"model"`
	N              *int    `json:"n"`
	Size           string  `json:"size"`
	ResponseFormat *string `json:"response_format"`
}

// generate validates the request the way OpenAI does, records it, and answers with the next
// behaviour.
func (s *Server) generate(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	req := Request{Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	var fields map[string]json.RawMessage
	var wr wireRequest
	if err == nil {
		err = json.Unmarshal(body, &fields)
	}
	if err == nil {
		err = json.Unmarshal(body, &wr)
	}
	if err == nil {
		for k := range fields {
			req.Params = append(req.Params, k)
		}
		sort.Strings(req.Params)
		req.Model, req.Size, req.N, req.ResponseFormat = wr.Model, wr.Size, wr.N, wr.ResponseFormat
		if wr.Prompt != nil {
			req.Prompt = *wr.Prompt
		}
	}

	s.mu.Lock() // the nth request recorded gets the nth behaviour
	s.requests.Add(req)
	cfg := s.cfg
	b := s.script.Next(cfg.fallback)
	s.mu.Unlock()

	detail := " (" + cfg.errorMessage + ")"
	bad := func(code, param, msg string) {
		fakehttp.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", code, param, msg+detail)
	}
	if given, ok := fakehttp.Bearer(r, cfg.apiKey); !ok {
		fakehttp.WriteOpenAIError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "",
			"Incorrect API key provided: "+given+"."+detail)
		return
	}
	if err != nil {
		bad("invalid_json", "", "We could not parse the JSON body of your request.")
		return
	}
	for _, k := range req.Params {
		if !slices.Contains(knownParams, k) {
			bad("unknown_parameter", k, "Unknown parameter: '"+k+"'.")
			return
		}
	}
	rs := rulesFor(wr.Model)
	switch {
	case wr.Prompt == nil || *wr.Prompt == "":
		bad("missing_required_parameter", "prompt", "Missing required parameter: 'prompt'.")
		return
	case utf8.RuneCountInString(*wr.Prompt) > rs.maxPrompt:
		bad("string_above_max_length", "prompt", "Invalid 'prompt': string too long. Expected a string with maximum length "+
			itoa(rs.maxPrompt)+".")
		return
	case !slices.Contains(cfg.models, wr.Model):
		fakehttp.WriteOpenAIError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "model",
			"The model `"+wr.Model+"` does not exist or you do not have access to it."+detail)
		return
	case wr.N != nil && (*wr.N < 1 || *wr.N > rs.maxN):
		bad("invalid_value", "n", "Invalid 'n': must be between 1 and "+itoa(rs.maxN)+".")
		return
	}
	width, height, refusal := rs.size(wr.Size)
	if refusal != "" {
		bad("invalid_value", "size", refusal)
		return
	}
	asURL := !rs.gpt
	if wr.ResponseFormat != nil {
		switch f := *wr.ResponseFormat; {
		case rs.gpt:
			bad("unknown_parameter", "response_format", "Unknown parameter: 'response_format'.")
			return
		case f != "url" && f != "b64_json":
			bad("invalid_value", "response_format", "Invalid value: '"+f+"'. Supported values are: 'url' and 'b64_json'.")
			return
		default:
			asURL = f == "url"
		}
	}
	if b.Width > 0 && b.Height > 0 {
		width, height = b.Width, b.Height
	}
	n := 1
	if wr.N != nil {
		n = *wr.N
	}
	s.answer(w, r, b, answer{prompt: req.Prompt, rules: rs, n: n, width: width, height: height,
		asURL: asURL || b.ForceURL}, detail)
}

// answer is what a valid request asked for.
type answer struct {
	prompt        string
	rules         rules
	n             int
	width, height int
	asURL         bool
}

// answer writes the pictures (or the failure) that b describes.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, b Behaviour, a answer, detail string) {
	if b.Hang {
		fakehttp.Hang(r, s.done)
		return
	}
	if !fakehttp.Wait(r, s.done, b.Delay) {
		return
	}
	if b.RetryAfter != "" {
		w.Header().Set("Retry-After", b.RetryAfter)
	}
	switch {
	case b.ContentPolicy:
		typ, code, msg := refusal(a.rules.gpt)
		fakehttp.WriteOpenAIError(w, http.StatusBadRequest, typ, code, "", msg+detail)
		return
	case b.Status != 0 && b.Status != http.StatusOK:
		typ, code, msg := errorShape(b.Status)
		typ, code = or(b.ErrorType, typ), or(b.ErrorCode, code)
		fakehttp.WriteOpenAIError(w, b.Status, typ, code, b.ErrorParam, msg+detail)
		return
	case b.WrongContentType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body><h1>Welcome to the proxy</h1></body></html>")
		return
	case b.Malformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"created": 1700000000, "data": [{"b64_json": "iVBORw0KGgo`)
		return
	case b.Oversized > 0:
		s.oversized.Add(fakehttp.Oversized(w, r, s.done, http.StatusOK, "application/json",
			`{"created": 1700000000, "data": [{"b64_json": "iVBORw0KGgo`, "AAAA", `"}]}`, b.Oversized))
		return
	}

	type datum struct {
		B64JSON       string `json:"b64_json,omitempty"`
		URL           string `json:"url,omitempty"`
		RevisedPrompt string `json:"revised_prompt,omitempty"`
	}
	out := map[string]any{"created": time.Now().Unix()}
	data := make([]datum, a.n)
	for i := range data {
		pic, ct, ext := draw(drawing{a.prompt, i, a.width, a.height, b.JPEG}), "image/png", "png"
		if b.JPEG {
			ct, ext = "image/jpeg", "jpg"
		}
		if b.NotAPicture {
			pic = []byte("this is not a picture, although the server says it is")
		}
		if a.asURL {
			data[i].URL = s.store(pic, ct, ext)
		} else {
			data[i].B64JSON = base64.StdEncoding.EncodeToString(pic)
		}
		if a.rules.revises {
			data[i].RevisedPrompt = "A detailed rendering of " + a.prompt
		}
	}
	out["data"] = data
	if a.rules.gpt {
		out["background"], out["quality"], out["size"] = "opaque", "medium", itoa(a.width)+"x"+itoa(a.height)
		out["output_format"] = map[bool]string{false: "png", true: "jpeg"}[b.JPEG]
		words := len(strings.Fields(a.prompt))
		out["usage"] = map[string]any{"input_tokens": words, "output_tokens": 272 * a.n, "total_tokens": words + 272*a.n,
			"input_tokens_details": map[string]int{"text_tokens": words, "image_tokens": 0}}
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

func or(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
