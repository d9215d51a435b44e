package sttfake

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// maxField bounds a text field of the form.
const maxField = 64 << 10

// errTooLarge is a file part over the limit.
var errTooLarge = errors.New("file too large")

// read decodes the multipart form into req, reading at most limit bytes of the file.
func read(r *http.Request, req *Request, limit int64) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return err
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if p.FormName() == "file" && p.FileName() != "" {
			req.FileName, req.FileType = p.FileName(), p.Header.Get("Content-Type")
			data, err := io.ReadAll(io.LimitReader(p, limit+1))
			if err != nil {
				return err
			}
			req.FileSize = int64(len(data))
			if req.FileSize > limit {
				n, _ := io.Copy(io.Discard, p)
				req.FileSize += n
				return errTooLarge
			}
			req.File = data
			continue
		}
		v, err := io.ReadAll(io.LimitReader(p, maxField))
		if err != nil {
			return err
		}
		req.Fields[p.FormName()] = string(v)
	}
}

// transcribe validates the request the way OpenAI does, records it, and answers with the next
// behaviour.
func (s *Server) transcribe(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	cfg := s.cfg
	s.mu.Unlock()

	req := Request{Path: r.URL.Path, Header: r.Header.Clone(), Fields: map[string]string{}}
	err := read(r, &req, cfg.maxBytes)
	req.Model, req.Language = req.Fields["model"], req.Fields["language"]
	if f, ok := req.Fields["response_format"]; ok {
		req.ResponseFormat = &f
	}

	s.mu.Lock() // the nth request recorded gets the nth behaviour
	s.requests.Add(req)
	b := s.script.Next(cfg.fallback)
	s.mu.Unlock()

	detail := " (" + cfg.errorMessage + ")"
	bad := func(code, param, msg string) {
		fakehttp.WriteOpenAIError(w, http.StatusBadRequest, "invalid_request_error", code, param, msg+detail)
	}
	format := "json"
	if req.ResponseFormat != nil {
		format = *req.ResponseFormat
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(req.FileName), "."))
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if given, ok := fakehttp.Bearer(r, cfg.apiKey); !ok {
		fakehttp.WriteOpenAIError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "",
			"Incorrect API key provided: "+given+"."+detail)
		return
	}
	switch {
	case errors.Is(err, errTooLarge):
		fakehttp.WriteOpenAIError(w, http.StatusRequestEntityTooLarge, "server_error", "", "",
			"Maximum content size limit ("+strconv.FormatInt(cfg.maxBytes, 10)+") exceeded ("+
				strconv.FormatInt(req.FileSize, 10)+" bytes read)"+detail)
	case ct != "multipart/form-data":
		bad("", "", "Invalid Content-Type header ("+ct+"), expected multipart/form-data.")
	case err != nil:
		bad("", "", "Could not parse multipart form.")
	case req.Model == "":
		bad("missing_required_parameter", "model", "you must provide a model parameter")
	case req.FileName == "":
		bad("missing_required_parameter", "file", "Missing required parameter: 'file'.")
	case !slices.Contains(cfg.models, req.Model):
		fakehttp.WriteOpenAIError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "model",
			"The model `"+req.Model+"` does not exist or you do not have access to it."+detail)
	case !slices.Contains(Formats, format):
		bad("invalid_value", "response_format", "Invalid value: '"+format+"'. Supported values are: '"+strings.Join(Formats, "', '")+"'.")
	case strings.HasPrefix(req.Model, "gpt-4o") && format != "json" && format != "text":
		bad("unsupported_value", "response_format", "response_format '"+format+"' is not compatible with model '"+req.Model+"'. Use 'json' or 'text' instead.")
	case req.Language != "" && whisperNames[req.Language] == "":
		bad("invalid_language_format", "language", "Invalid language '"+req.Language+"'. Language parameter must be specified in ISO-639-1 format.")
	case Extensions[ext] == "" || Sniff(req.File) == "":
		bad("", "", "Invalid file format. Supported formats: "+supportedList)
	case Extensions[ext] != Sniff(req.File):
		bad("", "", "Audio file could not be decoded or its format is not supported.")
	case Sniff(req.File) == "wav" && duration(req.File) < 100*time.Millisecond:
		bad("audio_too_short", "file", "Audio file is too short. Minimum audio length is 0.1 seconds.")
	default:
		s.answer(w, r, b, format, req, cfg, detail)
	}
}

// answer writes the transcript (or the failure) that b describes.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, b Behaviour, format string, req Request, cfg config, detail string) {
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
	case b.HTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body><h1>Welcome to the proxy</h1></body></html>")
		return
	case b.EmptyBody:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		return
	case b.Garbled:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"text": "this answer stops in the mid`)
		return
	case b.PlainJSON:
		format = "json"
	}

	text := ""
	if !silent(req.File) {
		text = DefaultTranscript(req.File)
		if cfg.transcript != nil {
			text = *cfg.transcript
		}
	}
	d := duration(req.File)
	switch format {
	case "verbose_json":
		lang := whisperNames[or(req.Language, "en")]
		segments := []map[string]any{}
		if text != "" {
			segments = append(segments, map[string]any{"id": 0, "seek": 0, "start": 0.0, "end": d.Seconds(),
				"text": " " + text, "tokens": []int{50364, 50414}, "temperature": 0.0, "avg_logprob": -0.25,
				"compression_ratio": 1.0, "no_speech_prob": 0.01})
		}
		fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"task": "transcribe", "language": lang,
			"duration": d.Seconds(), "text": text, "segments": segments})
	case "text":
		plain(w, text+"\n")
	case "srt":
		if text == "" {
			plain(w, "")
			return
		}
		plain(w, "1\n"+srtTime(0)+" --> "+srtTime(d)+"\n"+text+"\n\n")
	case "vtt":
		body := "WEBVTT\n\n"
		if text != "" {
			body += vttTime(0) + " --> " + vttTime(d) + "\n" + text + "\n\n"
		}
		plain(w, body)
	default:
		fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"text": text})
	}
}

func plain(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, body)
}

func or(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
