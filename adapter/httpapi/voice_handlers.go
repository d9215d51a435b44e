package httpapi

import (
	"net/http"
	"strconv"

	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/voice"
)

// voiceDTO is a voice a companion can be given.
type voiceDTO struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Gender      string `json:"gender,omitempty"`
	Accent      string `json:"accent,omitempty"`
	Language    string `json:"language,omitempty"`
	Description string `json:"description,omitempty"`
}

// listVoices lists the speech backend's voices; "open" says it names none and takes any id.
func (s *Server) listVoices(w http.ResponseWriter, r *http.Request) {
	if s.voices == nil {
		writeError(w, r, usecase.ErrNotConfigured)
		return
	}
	list, err := s.voices.ListVoices.Handle(r.Context(), voice.ListVoices{})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := struct {
		Items []voiceDTO `json:"items"`
		Open  bool       `json:"open"`
	}{Items: make([]voiceDTO, 0, len(list.Voices)), Open: list.Open}
	for _, v := range list.Voices {
		out.Items = append(out.Items, voiceDTO{ID: v.ID, Name: v.Name, Gender: v.Gender, Accent: v.Accent,
			Language: v.Language, Description: v.Description})
	}
	w.Header().Set("Cache-Control", "private, max-age=600")
	writeJSON(w, http.StatusOK, out)
}

// previewVoice answers with a short sample of the voice, not stored: the audio itself.
func (s *Server) previewVoice(w http.ResponseWriter, r *http.Request) {
	if s.voices == nil {
		writeError(w, r, usecase.ErrNotConfigured)
		return
	}
	var req struct {
		Text string `json:"text"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &req); err != nil {
			writeError(w, r, err)
			return
		}
	}
	a, err := s.voices.PreviewVoice.Handle(r.Context(), voice.PreviewVoice{OwnerID: principalFrom(r.Context()).UserID, VoiceID: r.PathValue("id"), Text: req.Text,
		ClientIP: infoFrom(r.Context()).clientIP})
	if err != nil {
		writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType.String())
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if a.Duration > 0 {
		h.Set("X-Audio-Duration-Ms", strconv.FormatInt(a.Duration.Milliseconds(), 10))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.Data)
}
