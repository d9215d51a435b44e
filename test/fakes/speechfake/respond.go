package speechfake

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// maxBody bounds request bodies as a real server would.
const maxBody = 1 << 20

// knownParams are the body fields the API has.
var knownParams = []string{"input", "instructions", "model", "response_format", "speed", "stream_format", "voice"}

// contentTypes are what OpenAI labels each format with.
var contentTypes = map[string]string{
	"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac", "wav": "audio/wav", "pcm": "audio/pcm",
}

// wireRequest is the request body; pointers tell absent fields from zero ones.
type wireRequest struct {
	Model          string   `json:"model"`
	Input          *string  `json:"input"`
	Voice          string   `json:"voice"`
	ResponseFormat *string  `json:"response_format"`
	Speed          *float64 `json:"speed"`
	Instructions   *string  `json:"instructions"`
}

// speech validates the request the way OpenAI does, records it, and answers with the next
// behaviour.
func (s *Server) speech(w http.ResponseWriter, r *http.Request) {
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
		req.Model, req.Voice, req.ResponseFormat, req.Speed, req.Instructions = wr.Model, wr.Voice, wr.ResponseFormat, wr.Speed, wr.Instructions
		if wr.Input != nil {
			req.Input = *wr.Input
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
	format := "mp3"
	if wr.ResponseFormat != nil {
		format = *wr.ResponseFormat
	}
	switch {
	case wr.Input == nil:
		bad("missing_required_parameter", "input", "Missing required parameter: 'input'.")
	case strings.TrimSpace(*wr.Input) == "":
		bad("invalid_value", "input", "Invalid 'input': empty string.")
	case utf8.RuneCountInString(*wr.Input) > MaxInputRunes:
		bad("string_above_max_length", "input", "Invalid 'input': string too long. Expected a string with maximum length "+
			strconv.Itoa(MaxInputRunes)+", but got a string with length "+strconv.Itoa(utf8.RuneCountInString(*wr.Input))+" instead.")
	case wr.Model == "":
		bad("missing_required_parameter", "model", "Missing required parameter: 'model'.")
	case !slices.Contains(cfg.models, wr.Model):
		fakehttp.WriteOpenAIError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "model",
			"The model `"+wr.Model+"` does not exist or you do not have access to it."+detail)
	case wr.Voice == "":
		bad("missing_required_parameter", "voice", "Missing required parameter: 'voice'.")
	case !slices.Contains(cfg.voices, wr.Voice):
		bad("invalid_value", "voice", "Invalid value: '"+wr.Voice+"'. Supported values are: '"+strings.Join(cfg.voices, "', '")+"'.")
	case !slices.Contains(Formats, format):
		bad("invalid_value", "response_format", "Invalid value: '"+format+"'. Supported values are: '"+strings.Join(Formats, "', '")+"'.")
	case wr.Speed != nil && *wr.Speed < 0.25:
		bad("decimal_below_min_value", "speed", "Invalid 'speed': decimal below minimum value. Expected a value >= 0.25.")
	case wr.Speed != nil && *wr.Speed > 4:
		bad("decimal_above_max_value", "speed", "Invalid 'speed': decimal above maximum value. Expected a value <= 4.")
	default:
		if b.Format != "" {
			format = b.Format
		}
		s.answer(w, r, b, format, *wr.Input, detail)
	}
}

// answer writes the audio (or the failure) that b describes.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, b Behaviour, format, input, detail string) {
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
		typ, code, msg := errorShape(b.Status, b.ErrorCode)
		fakehttp.WriteOpenAIError(w, b.Status, or(b.ErrorType, typ), or(b.ErrorCode, code), b.ErrorParam, msg+detail)
		return
	case b.WrongContentType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body><h1>Welcome to the proxy</h1></body></html>")
		return
	}
	if b.Oversized > 0 {
		audio := Audio(format, input)
		s.oversized.Add(fakehttp.Oversized(w, r, s.done, http.StatusOK, contentTypes[format], string(audio), string(audio), "", b.Oversized))
		return
	}
	w.Header().Set("Content-Type", contentTypes[format])
	switch {
	case b.EmptyBody:
		w.WriteHeader(http.StatusOK)
	case b.NotAudio:
		_, _ = io.WriteString(w, "this is not audio, although the server says it is")
	default:
		_, _ = w.Write(Audio(format, input))
	}
}

// Audio is the server's recording of input in format (one of Formats): what a valid request for
// it answers.
func Audio(format, input string) []byte {
	switch format {
	case "wav":
		return WAV(input)
	case "opus":
		return OggOpus(input)
	case "pcm":
		return WAV(input)[wavHeader:]
	case "aac":
		return []byte{0xFF, 0xF1, 0x60, 0x40, 0x01, 0x1F, 0xFC} // an ADTS header: signature only
	case "flac":
		return []byte("fLaC\x80\x00\x00\x22") // the marker and a STREAMINFO header: signature only
	default:
		return MP3(input)
	}
}

func or(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
