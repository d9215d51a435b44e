package embedfake

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// maxBody bounds request bodies as a real server would.
const maxBody = 8 << 20

// knownParams are the request fields OpenAI's embeddings API takes.
var knownParams = []string{"model", "input", "encoding_format", "dimensions", "user"}

// wireRequest is the request body; pointers and raw input tell absent fields from zero ones.
type wireRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat *string         `json:"encoding_format"`
	Dimensions     *int            `json:"dimensions"`
}

// texts decodes an input: a string or an array of strings; nil for anything else.
func texts(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil && many != nil {
		return many
	}
	return nil
}

// embeddings validates the request the way OpenAI does, records it, and answers with the next
// behaviour.
func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
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
		req.Model, req.Input, req.EncodingFormat, req.Dimensions = wr.Model, texts(wr.Input), wr.EncodingFormat, wr.Dimensions
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
			bad("unknown_parameter", k, "Unrecognized request argument supplied: "+k)
			return
		}
	}
	dims := cfg.dims
	switch {
	case wr.Input == nil:
		bad("missing_required_parameter", "input", "Missing required parameter: 'input'.")
		return
	case len(req.Input) == 0 || slices.Contains(req.Input, ""):
		bad("invalid_value", "input", "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.")
		return
	case len(req.Input) > cfg.maxInputs:
		bad("array_above_max_length", "input", "Invalid 'input': array too long. Expected an array with maximum length "+
			strconv.Itoa(cfg.maxInputs)+", but got an array with length "+strconv.Itoa(len(req.Input))+" instead.")
		return
	case !slices.Contains(cfg.models, wr.Model):
		fakehttp.WriteOpenAIError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "model",
			"The model `"+wr.Model+"` does not exist or you do not have access to it."+detail)
		return
	case wr.EncodingFormat != nil && *wr.EncodingFormat != "float" && *wr.EncodingFormat != "base64":
		bad("invalid_value", "encoding_format", "Invalid value: '"+*wr.EncodingFormat+"'. Supported values are: 'float' and 'base64'.")
		return
	case wr.Dimensions != nil && wr.Model == Ada002:
		bad("", "dimensions", "This model does not support specifying dimensions.")
		return
	case wr.Dimensions != nil && (*wr.Dimensions < 1 || *wr.Dimensions > cfg.dims):
		bad("invalid_value", "dimensions", "Invalid 'dimensions': must be between 1 and "+strconv.Itoa(cfg.dims)+".")
		return
	case wr.Dimensions != nil:
		dims = *wr.Dimensions
	}
	s.answer(w, r, b, req, dims, cfg.synonyms, detail)
}

// datum is one vector of an answer; Index is nil when a behaviour leaves it out.
type datum struct {
	Object    string `json:"object"`
	Index     *int   `json:"index,omitempty"`
	Embedding any    `json:"embedding"`
}

// answer writes the vectors (or the failure) that b describes.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, b Behaviour, req Request, dims int,
	synonyms map[string]string, detail string) {
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
	case b.Status != 0 && b.Status != http.StatusOK:
		typ, code, msg := errorShape(b.Status)
		typ, code = cmp.Or(b.ErrorType, typ), cmp.Or(b.ErrorCode, code)
		fakehttp.WriteOpenAIError(w, b.Status, typ, code, b.ErrorParam, msg+detail)
		return
	case b.WrongContentType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body><h1>Welcome to the proxy</h1></body></html>")
		return
	case b.Malformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.12, -0.0`)
		return
	case b.Oversized > 0:
		s.oversized.Add(fakehttp.Oversized(w, r, s.done, http.StatusOK, "application/json",
			`{"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.125`, ", 0.125",
			`]}], "model": "`+req.Model+`"}`, b.Oversized))
		return
	}

	asBase64 := req.EncodingFormat != nil && *req.EncodingFormat == "base64"
	data := make([]datum, len(req.Input))
	tokens := 0
	for i, text := range req.Input {
		v := embed(text, req.Model, dims, synonyms)
		last := i == len(req.Input)-1
		if last && b.ShortVector {
			v = v[:len(v)-1]
		}
		if last && b.ZeroVector {
			clear(v)
		}
		data[i] = datum{Object: "embedding", Index: &i, Embedding: v}
		if asBase64 {
			data[i].Embedding = encodeBase64(v)
		}
		if b.NoIndex {
			data[i].Index = nil
		}
		tokens += len(strings.Fields(text))
	}
	if b.MissingVector {
		data = data[:len(data)-1]
	}
	if b.Reversed {
		slices.Reverse(data)
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens}})
}

// encodeBase64 is v as OpenAI's base64 encoding sends it: its float32s, little-endian.
func encodeBase64(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}
