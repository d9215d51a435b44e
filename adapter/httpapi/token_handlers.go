package httpapi

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/usecase/apitoken"
)

// tokenDTO is a personal access token as the API lists it; Token (the secret) only at creation.
type tokenDTO struct {
	ID         string     `json:"id"`
	Token      string     `json:"token,omitempty"`
	Name       string     `json:"name"`
	Scope      string     `json:"scope"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func toToken(t apitoken.Token) tokenDTO {
	d := tokenDTO{ID: t.ID.String(), Name: t.Name, Scope: string(t.Scope), Hint: t.Hint, CreatedAt: t.CreatedAt}
	if !t.ExpiresAt.IsZero() {
		d.ExpiresAt = &t.ExpiresAt
	}
	if !t.LastUsedAt.IsZero() {
		d.LastUsedAt = &t.LastUsedAt
	}
	return d
}

type createTokenRequest struct {
	Name      string     `json:"name"`
	Scope     string     `json:"scope"`
	ExpiresAt *time.Time `json:"expires_at"`
	Password  string     `json:"password"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var in createTokenRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	c := apitoken.Create{UserID: principalFrom(r.Context()).UserID, Name: in.Name, Scope: apitoken.Scope(in.Scope),
		Password: in.Password, Meta: meta(r)}
	if in.ExpiresAt != nil {
		c.ExpiresAt = *in.ExpiresAt
	}
	made, err := s.tokens.Create.Handle(r.Context(), c)
	if err != nil {
		writeError(w, r, err)
		return
	}
	d := toToken(made.Token)
	d.Token = made.Secret
	w.Header().Set("Location", "/api/v1/me/tokens")
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.tokens.List.Handle(r.Context(), apitoken.List{UserID: principalFrom(r.Context()).UserID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := struct {
		Items []tokenDTO `json:"items"`
	}{Items: make([]tokenDTO, 0, len(ts))}
	for _, t := range ts {
		out.Items = append(out.Items, toToken(t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, apitoken.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.tokens.Revoke.Handle(r.Context(), apitoken.Revoke{UserID: principalFrom(r.Context()).UserID, ID: id,
		Meta: meta(r)}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
