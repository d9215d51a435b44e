package httpapi

import (
	"net/http"

	"github.com/companionhub/companionhub/usecase/userdata"
)

type eraseRequest struct {
	Password string `json:"password"`
}

// deleteMe erases the caller's account and everything that is theirs, once they gave their
// password; the session cookie goes with it.
func (s *Server) deleteMe(w http.ResponseWriter, r *http.Request) {
	var in eraseRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.userData.Erase.Handle(r.Context(), userdata.Erase{UserID: principalFrom(r.Context()).UserID,
		Password: in.Password}); err != nil {
		writeError(w, r, err)
		return
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}
