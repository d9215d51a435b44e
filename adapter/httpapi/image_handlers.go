package httpapi

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/eventjson"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
)

// generateRequest is POST /api/v1/images: a picture from the person's own prompt.
type generateRequest struct {
	CompanionID    string  `json:"companion_id"`
	Prompt         string  `json:"prompt"`
	NegativePrompt string  `json:"negative_prompt"`
	Width          int     `json:"width"`
	Height         int     `json:"height"`
	Steps          int     `json:"steps"`
	CFGScale       float64 `json:"cfg_scale"`
	Sampler        string  `json:"sampler"`
	Seed           *int64  `json:"seed"`
}

// pictureDTO is a picture of the gallery.
type pictureDTO struct {
	ID             string    `json:"id"`
	CompanionID    *string   `json:"companion_id"`
	MessageID      *string   `json:"message_id"`
	URL            string    `json:"url"`
	ThumbnailURL   string    `json:"thumbnail_url"`
	ContentType    string    `json:"content_type"`
	Bytes          int64     `json:"bytes"`
	Width          int       `json:"width"`
	Height         int       `json:"height"`
	Prompt         string    `json:"prompt"`
	NegativePrompt string    `json:"negative_prompt"`
	Seed           int64     `json:"seed"`
	Steps          int       `json:"steps"`
	CFGScale       float64   `json:"cfg_scale"`
	Sampler        string    `json:"sampler"`
	Backend        string    `json:"backend"`
	Model          string    `json:"model"`
	CreatedAt      time.Time `json:"created_at"`
}

func optionalID(id domain.ID) *string {
	if id.IsZero() {
		return nil
	}
	s := id.String()
	return &s
}

func toPicture(p picture.Picture) pictureDTO {
	thumb := p.Thumb
	if thumb.IsZero() {
		thumb = p.Image
	}
	return pictureDTO{ID: p.ID.String(), CompanionID: optionalID(p.CompanionID), MessageID: optionalID(p.MessageID),
		URL: eventjson.MediaURL(p.Image.Key), ThumbnailURL: eventjson.MediaURL(thumb.Key), ContentType: p.Image.ContentType.String(),
		Bytes: p.Image.Bytes, Width: p.Image.Width, Height: p.Image.Height, Prompt: p.Params.Prompt,
		NegativePrompt: p.Params.NegativePrompt, Seed: p.Params.Seed, Steps: p.Params.Steps, CFGScale: p.Params.CFGScale,
		Sampler: p.Params.Sampler, Backend: p.Backend, Model: p.Model, CreatedAt: p.CreatedAt}
}

type galleryDTO struct {
	Items      []pictureDTO `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
	Total      int          `json:"total"`
}

// renderGrace is how much longer than the image backend's own limit a generation request may
// take to answer: storing the picture and its thumbnail.
const renderGrace = 30 * time.Second

// generateImage renders a picture and answers with it once stored (201). The render can take as
// long as the image backend's timeout, beyond the server's usual write timeout.
func (s *Server) generateImage(w http.ResponseWriter, r *http.Request) {
	var req generateRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	var companionID domain.ID
	if req.CompanionID != "" {
		id, err := domain.ParseID(req.CompanionID)
		if err != nil {
			writeError(w, r, domain.Invalid(domain.Violation("companion_id", "format", "companion_id is not a companion id")))
			return
		}
		companionID = id
	}
	seed := int64(-1)
	if req.Seed != nil {
		seed = *req.Seed
	}
	if s.imageWait > 0 {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.imageWait + renderGrace))
	}
	pic, err := s.pictures.Generate.Handle(r.Context(), pictureuc.Generate{OwnerID: principalFrom(r.Context()).UserID,
		CompanionID: companionID, Params: picture.Params{Prompt: req.Prompt, NegativePrompt: req.NegativePrompt,
			Width: req.Width, Height: req.Height, Steps: req.Steps, CFGScale: req.CFGScale, Sampler: req.Sampler, Seed: seed}})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/images/"+pic.ID.String())
	writeJSON(w, http.StatusCreated, toPicture(pic))
}

// listImages is a page of the gallery, 24 by default, newest first, with its total.
func (s *Server) listImages(w http.ResponseWriter, r *http.Request) {
	page, err := pageFrom(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if !r.URL.Query().Has("limit") {
		page.Limit = picture.PageLimit
	}
	var companionID domain.ID
	if v := r.URL.Query().Get("companion_id"); v != "" {
		if companionID, err = domain.ParseID(v); err != nil {
			writeError(w, r, domain.Invalid(domain.Violation("companion_id", "format", "companion_id is not a companion id")))
			return
		}
	}
	res, err := s.pictures.List.Handle(r.Context(), pictureuc.List{OwnerID: principalFrom(r.Context()).UserID,
		CompanionID: companionID, Page: page})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := galleryDTO{Items: make([]pictureDTO, 0, len(res.Pictures)), NextCursor: res.Next.String(), Total: res.Total}
	for _, p := range res.Pictures {
		out.Items = append(out.Items, toPicture(p))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getImage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, picture.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	pic, err := s.pictures.Get.Handle(r.Context(), pictureuc.Get{OwnerID: principalFrom(r.Context()).UserID, ID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toPicture(pic))
}

func (s *Server) deleteImage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, picture.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.pictures.Delete.Handle(r.Context(), pictureuc.Delete{OwnerID: principalFrom(r.Context()).UserID, ID: id}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listSamplers is the image backend's samplers, for a generation form (empty: it takes any name,
// or names none).
func (s *Server) listSamplers(w http.ResponseWriter, r *http.Request) {
	known, err := s.pictures.Samplers.Handle(r.Context(), pictureuc.Samplers{})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]string{"samplers": known})
}
