package httpapi

import (
	"net/http"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

func (s *Server) viewer(r *http.Request) community.Viewer {
	return community.Viewer{UserID: principalFrom(r.Context()).UserID, IP: infoFrom(r.Context()).clientIP}
}

type publishRequest struct {
	AllowCardExport bool `json:"allow_card_export"`
}

func (s *Server) publishCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in publishRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			writeError(w, r, err)
			return
		}
	}
	l, err := s.community.Publish.Handle(r.Context(), community.Publish{OwnerID: principalFrom(r.Context()).UserID,
		CompanionID: id, AllowCardExport: in.AllowCardExport, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, publicationDTO{Publication: toCommunityCompanion(l)})
}

func (s *Server) unpublishCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.community.Unpublish.Handle(r.Context(), community.Unpublish{OwnerID: principalFrom(r.Context()).UserID,
		CompanionID: id, Meta: meta(r)}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getPublication(w http.ResponseWriter, r *http.Request) {
	id, err := companionID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	l, err := s.community.Status.Handle(r.Context(), community.Status{OwnerID: principalFrom(r.Context()).UserID, CompanionID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, publicationDTO{Publication: toCommunityCompanion(l)})
}

func (s *Server) browseCommunity(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var bad []domain.FieldViolation
	for name := range q {
		if len(q[name]) > 1 {
			bad = append(bad, domain.Violation(name, "duplicate_field", name+" must be given once"))
		}
	}
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			bad = append(bad, domain.Violation("limit", "type", "limit must be a whole number"))
		}
		limit = n
		if err == nil && n < 1 {
			bad = append(bad, domain.Violation("limit", "out_of_range", "limit must be between 1 and 100"))
		}
	}
	if len(bad) > 0 {
		writeError(w, r, domain.Invalid(bad...))
		return
	}
	page, err := s.community.Browse.Handle(r.Context(), community.Browse{Viewer: s.viewer(r), Style: q.Get("style"),
		Archetype: q.Get("archetype"), Relationship: q.Get("relationship"), Occupation: q.Get("occupation"),
		Interest: q.Get("interest"), ContentRating: q.Get("content_rating"), Query: q.Get("q"), Sort: q.Get("sort"),
		Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := listDTO[communityCompanionDTO]{Items: make([]communityCompanionDTO, 0, len(page.Items)), NextCursor: page.Next}
	for _, l := range page.Items {
		out.Items = append(out.Items, toCommunityCompanion(l))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) viewCommunityCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, community.ErrNotPublished)
	if err != nil {
		writeError(w, r, err)
		return
	}
	v, err := s.community.View.Handle(r.Context(), community.View{Viewer: s.viewer(r), CompanionID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := communityDetailDTO{Companion: toCommunityCompanion(v.Listing)}
	if v.MyRating > 0 {
		out.MyRating = &v.MyRating
	}
	writeJSON(w, http.StatusOK, out)
}

type rateRequest struct {
	Rating int `json:"rating"`
}

func (s *Server) rateCommunityCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, community.ErrNotPublished)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in rateRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	res, err := s.community.Rate.Handle(r.Context(), community.Rate{UserID: principalFrom(r.Context()).UserID, CompanionID: id, Rating: in.Rating})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ratedDTO{RatingAverage: roundTenth(res.Average), RatingCount: res.Count, MyRating: res.Mine})
}

func (s *Server) cloneCommunityCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, community.ErrNotPublished)
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.community.Clone.Handle(r.Context(), community.Clone{UserID: principalFrom(r.Context()).UserID, CompanionID: id, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/companions/"+c.ID().String())
	writeJSON(w, http.StatusCreated, companionEnvelope{Companion: toCompanion(c)})
}

type reportRequest struct {
	Reason  string `json:"reason"`
	Details string `json:"details"`
}

func (s *Server) reportCommunityCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, community.ErrNotPublished)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in reportRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.community.Report.Handle(r.Context(), community.ReportCompanion{UserID: principalFrom(r.Context()).UserID,
		CompanionID: id, Reason: in.Reason, Details: in.Details, Meta: meta(r)}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) exportCommunityCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, community.ErrNotPublished)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	out, err := s.community.ExportCard.Handle(r.Context(), community.ExportCard{Viewer: s.viewer(r), CompanionID: id,
		Format: companionuc.CardFormat(orDefault(q.Get("format"), "png")), Spec: companionuc.CardSpec(orDefault(q.Get("spec"), "v2"))})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeCard(w, out)
}

func (s *Server) getAdult(w http.ResponseWriter, r *http.Request) {
	adult, err := s.community.Adult.Handle(r.Context(), community.AdultStatus{UserID: principalFrom(r.Context()).UserID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adultDTO{Adult: adult})
}

type adultRequest struct {
	Adult *bool `json:"adult"`
}

func (s *Server) putAdult(w http.ResponseWriter, r *http.Request) {
	var in adultRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Adult == nil {
		writeError(w, r, domain.Invalid(domain.Violation("adult", "required", "adult is required: true or false")))
		return
	}
	adult, err := s.community.ConfirmAdult.Handle(r.Context(), community.ConfirmAdult{UserID: principalFrom(r.Context()).UserID,
		Adult: *in.Adult, Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adultDTO{Adult: adult})
}
