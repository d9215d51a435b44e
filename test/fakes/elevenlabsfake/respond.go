package elevenlabsfake

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// maxBody bounds request bodies as a real server would.
const maxBody = 1 << 20

// writeDetail writes ElevenLabs' error body.
func writeDetail(w http.ResponseWriter, status int, detailStatus, message string) {
	fakehttp.WriteJSON(w, status, map[string]any{"detail": map[string]string{"status": detailStatus, "message": message}})
}

// writeValidation writes the 422 of FastAPI's request validation, which ElevenLabs answers for
// malformed requests.
func writeValidation(w http.ResponseWriter, typ, msg string, loc ...any) {
	fakehttp.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []map[string]any{
		{"type": typ, "loc": loc, "msg": msg},
	}})
}

// authorized checks xi-api-key, answering 401 when it is absent or wrong.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	key := r.Header.Get("xi-api-key")
	switch {
	case key == "":
		writeDetail(w, http.StatusUnauthorized, "needs_authorization",
			"Neither authorization header nor xi-api-key received, please provide one."+s.detail())
		return false
	case s.cfg.apiKey != "" && key != s.cfg.apiKey:
		writeDetail(w, http.StatusUnauthorized, "invalid_api_key", "Invalid API key"+s.detail())
		return false
	}
	return true
}

func (s *Server) detail() string { return " (" + s.cfg.errorMessage + ")" }

// wireRequest is the request body; pointers tell absent fields from zero ones.
type wireRequest struct {
	Text          *string        `json:"text"`
	ModelID       *string        `json:"model_id"`
	VoiceSettings *VoiceSettings `json:"voice_settings"`
}

// speak validates a speech request the way ElevenLabs does, records it, and answers with the next
// behaviour.
func (s *Server) speak(w http.ResponseWriter, r *http.Request, voiceID string) {
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody))
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), VoiceID: voiceID,
		OutputFormat: r.URL.Query().Get("output_format"), Body: body}
	var wr wireRequest
	decodeErr := readErr
	if decodeErr == nil {
		decodeErr = json.Unmarshal(body, &wr)
	}
	if decodeErr == nil {
		if wr.Text != nil {
			req.Text = *wr.Text
		}
		if wr.ModelID != nil {
			req.ModelID = *wr.ModelID
		}
		req.VoiceSettings = wr.VoiceSettings
	}
	s.requests.Add(req)

	if !s.authorized(w, r) {
		return
	}
	format := req.OutputFormat
	if format == "" {
		format = DefaultOutputFormat
	}
	if !slices.Contains(OutputFormats, format) {
		writeValidation(w, "enum", "Input should be one of the supported output formats", "query", "output_format")
		return
	}
	if decodeErr != nil {
		writeValidation(w, "json_invalid", "JSON decode error", "body", 0)
		return
	}
	if wr.Text == nil {
		writeValidation(w, "missing", "Field required", "body", "text")
		return
	}
	if msg, field := checkSettings(wr.VoiceSettings); msg != "" {
		writeValidation(w, "value_error", msg, "body", "voice_settings", field)
		return
	}
	if !slices.ContainsFunc(s.cfg.voices, func(v Voice) bool { return v.VoiceID == voiceID }) {
		writeDetail(w, http.StatusNotFound, "voice_not_found",
			"A voice with voice_id '"+voiceID+"' was not found."+s.detail())
		return
	}
	model := DefaultModel
	if wr.ModelID != nil {
		model = *wr.ModelID
	}
	limit, ok := Models[model]
	switch n := utf8.RuneCountInString(req.Text); {
	case !ok:
		writeDetail(w, http.StatusBadRequest, "model_not_found", "A model with model ID "+model+" does not exist."+s.detail())
		return
	case strings.TrimSpace(req.Text) == "":
		writeDetail(w, http.StatusBadRequest, "empty_text", "The text is empty."+s.detail())
		return
	case n > limit:
		writeDetail(w, http.StatusBadRequest, "max_character_limit_exceeded", "Text is too long: "+
			strconv.Itoa(n)+" characters, the maximum for "+model+" is "+strconv.Itoa(limit)+"."+s.detail())
		return
	}
	speed := 1.0
	if vs := wr.VoiceSettings; vs != nil && vs.Speed != nil {
		speed = *vs.Speed
	}
	audio, ok := Render(format, SpokenLength(req.Text, speed))
	if !ok {
		writeDetail(w, http.StatusBadRequest, "output_format_not_rendered", "The fake does not render "+format+".")
		return
	}
	contentType := "audio/mpeg"
	if strings.HasPrefix(format, "pcm_") {
		contentType = "audio/pcm"
	}
	s.answer(w, r, s.script.Next(s.cfg.fallback), func() {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Character-Cost", strconv.Itoa(utf8.RuneCountInString(req.Text)))
		w.Header().Set("Request-Id", "req-"+strconv.Itoa(len(s.requests.All())))
		_, _ = w.Write(audio)
	})
}

// checkSettings checks voice_settings' ranges, returning a message and the field at fault.
func checkSettings(vs *VoiceSettings) (msg, field string) {
	if vs == nil {
		return "", ""
	}
	for _, f := range []struct {
		name     string
		v        *float64
		min, max float64
	}{
		{"stability", vs.Stability, 0, 1}, {"similarity_boost", vs.SimilarityBoost, 0, 1},
		{"style", vs.Style, 0, 1}, {"speed", vs.Speed, 0.7, 1.2},
	} {
		if f.v != nil && (*f.v < f.min || *f.v > f.max) {
			return "Input should be between " + strconv.FormatFloat(f.min, 'g', -1, 64) + " and " +
				strconv.FormatFloat(f.max, 'g', -1, 64), f.name
		}
	}
	return "", ""
}

// listVoices answers GET /v1/voices.
func (s *Server) listVoices(w http.ResponseWriter, r *http.Request) {
	s.voiceReqs.Add(Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()})
	if !s.authorized(w, r) {
		return
	}
	s.answer(w, r, s.voiceScript.Next(Behaviour{}), func() {
		fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"voices": s.cfg.voices})
	})
}

// answer writes the failure b describes, or calls succeed.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, b Behaviour, succeed func()) {
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
		status, msg := errorShape(b.Status)
		status, msg = or(b.DetailStatus, status), or(b.Message, msg)
		writeDetail(w, b.Status, status, msg+s.detail())
	case b.WrongContentType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body><h1>Welcome to the proxy</h1></body></html>")
	case b.Empty:
		w.Header().Set("Content-Type", "audio/mpeg")
		w.WriteHeader(http.StatusOK)
	case b.NotAudio:
		w.Header().Set("Content-Type", "audio/mpeg")
		_, _ = io.WriteString(w, "this is not audio, although the server says it is")
	default:
		succeed()
	}
}

func or(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
