package httpapi

import (
	"net/http"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	u, err := s.accounts.GetMe.Handle(r.Context(), accountuc.GetMe{UserID: principalFrom(r.Context()).UserID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userEnvelope{User: toUser(u)})
}

type updateMeRequest struct {
	DisplayName *string `json:"display_name"`
}

func (s *Server) updateMe(w http.ResponseWriter, r *http.Request) {
	var in updateMeRequest
	rejected, err := decodeFields(r, &in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	u, err := s.accounts.UpdateMe.Handle(r.Context(), accountuc.UpdateMe{UserID: principalFrom(r.Context()).UserID,
		DisplayName: in.DisplayName, Meta: meta(r), Rejected: rejected})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userEnvelope{User: toUser(u)})
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	var in changePasswordRequest
	rejected, err := decodeFields(r, &in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	_, err = s.accounts.ChangePassword.Handle(r.Context(), accountuc.ChangePassword{Principal: principalFrom(r.Context()),
		Current: in.CurrentPassword, New: in.NewPassword, Meta: meta(r), Rejected: rejected})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	list, err := s.accounts.ListSessions.Handle(r.Context(), accountuc.ListSessions{Principal: principalFrom(r.Context())})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := listDTO[sessionDTO]{Items: make([]sessionDTO, 0, len(list))}
	for _, v := range list {
		out.Items = append(out.Items, toSession(v))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) {
	id, err := domain.ParseID(r.PathValue("id"))
	if err != nil {
		// A malformed id names no session the caller owns.
		writeError(w, r, domain.E(domain.KindNotFound, "session_not_found", "session not found"))
		return
	}
	p := principalFrom(r.Context())
	if _, err := s.accounts.RevokeSession.Handle(r.Context(), accountuc.RevokeSession{Principal: p, SessionID: id, Meta: meta(r)}); err != nil {
		writeError(w, r, err)
		return
	}
	if id == p.SessionID {
		s.clearSessionCookie(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	page, err := pageFrom(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	res, err := s.accounts.ListAudit.Handle(r.Context(), accountuc.ListAudit{UserID: principalFrom(r.Context()).UserID, Page: page})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := listDTO[auditDTO]{Items: make([]auditDTO, 0, len(res.Events)), NextCursor: res.Next.String()}
	for _, e := range res.Events {
		out.Items = append(out.Items, toAudit(e))
	}
	writeJSON(w, http.StatusOK, out)
}

// pageFrom reads ?cursor=…&limit=… . A limit that is sent must be 1–100 (0 is no exception: only
// leaving it out asks for the default). Each is given at most once: ?limit=1&limit=0 is refused, not
// read as whichever a proxy or framework would pick.
func pageFrom(r *http.Request) (domain.Page, error) {
	q := r.URL.Query()
	var repeated []domain.FieldViolation
	for _, name := range []string{"cursor", "limit"} {
		if len(q[name]) > 1 {
			repeated = append(repeated, domain.Violation(name, "duplicate_field", name+" must be given once"))
		}
	}
	if len(repeated) > 0 {
		return domain.Page{}, domain.Invalid(repeated...)
	}
	limit := 0
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil {
			return domain.Page{}, domain.Invalid(domain.Violation("limit", "type", "limit must be a whole number"))
		}
		if n < 1 {
			return domain.Page{}, domain.Invalid(domain.Violation("limit", "out_of_range",
				"limit must be between 1 and "+strconv.Itoa(domain.MaxPageLimit)))
		}
		limit = n
	}
	return domain.NewPage(q.Get("cursor"), limit)
}
