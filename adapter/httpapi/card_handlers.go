package httpapi

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

func (s *Server) setHeaderImage(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	up, err := readUpload(r, "image")
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.companions.SetHeader.Handle(r.Context(), companionuc.SetHeader{OwnerID: principalFrom(r.Context()).UserID,
		ID: id, Image: up.data, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, companionEnvelope{Companion: toCompanion(c)})
}

// importCompanion creates a companion from a character card sent as the body (PNG, JSON or CHARX)
// or as the form field "card"; age and content_rating come from the query or the form.
func (s *Server) importCompanion(w http.ResponseWriter, r *http.Request) {
	up, err := readUpload(r, "card")
	if err != nil {
		writeError(w, r, err)
		return
	}
	field := func(name string) string {
		if v := r.URL.Query().Get(name); v != "" {
			return v
		}
		return up.fields[name]
	}
	in := companionuc.ImportCard{OwnerID: principalFrom(r.Context()).UserID, Data: up.data, Meta: meta(r)}
	if v := field("age"); v != "" {
		if in.Age, err = strconv.Atoi(v); err != nil {
			writeError(w, r, domain.Invalid(domain.Violation("age", "type", "age must be a whole number")))
			return
		}
	}
	if v := field("content_rating"); v != "" {
		if in.ContentRating, err = companion.ParseContentRating("content_rating", v); err != nil {
			writeError(w, r, err)
			return
		}
	}
	res, err := s.companions.ImportCard.Handle(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	warnings := res.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	w.Header().Set("Location", "/api/v1/companions/"+res.Companion.ID().String())
	writeJSON(w, http.StatusCreated, importedEnvelope{Companion: toCompanion(res.Companion), Warnings: warnings})
}

// exportCompanion answers with a character card file: ?format=png|json (default png),
// ?spec=v2|v3 (default v2, which every reader understands; a PNG carries both either way).
func (s *Server) exportCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	in := companionuc.ExportCard{OwnerID: principalFrom(r.Context()).UserID, ID: id,
		Format: companionuc.CardFormat(orDefault(q.Get("format"), "png")), Spec: companionuc.CardSpec(orDefault(q.Get("spec"), "v2"))}
	out, err := s.companions.ExportCard.Handle(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", out.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": out.FileName}))
	w.Header().Set("Content-Length", strconv.Itoa(len(out.Data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Data)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
