package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

type principalKey struct{}

func principalFrom(ctx context.Context) accountuc.Principal {
	p, _ := ctx.Value(principalKey{}).(accountuc.Principal)
	return p
}

// presentedToken returns the session token of the request and whether it came as a bearer token.
// A request with an Authorization header is authenticated by that header only, never by its cookie:
// the CSRF exemption for such requests depends on it.
func (s *Server) presentedToken(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		return bearerToken(h), true
	}
	if c, err := r.Cookie(s.cookieName(r)); err == nil {
		return c.Value, false
	}
	return "", false
}

// bearerToken is the token of an Authorization header value of the Bearer scheme ("" for any other).
func bearerToken(h string) string {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// cookieName is the session cookie's name for r. Over HTTPS it carries the __Host- prefix, which
// browsers accept only from this exact host, Secure, for path / — so a sibling subdomain cannot
// plant a session cookie that shadows the real one ("cookie tossing"). Plain HTTP (development,
// a proxy that hides TLS) cannot use the prefix.
func (s *Server) cookieName(r *http.Request) string {
	if s.secureCookies(r) {
		return "__Host-" + s.cfg.CookieName
	}
	return s.cfg.CookieName
}

func meta(r *http.Request) audit.Meta {
	return audit.Meta{IP: infoFrom(r.Context()).clientIP, UserAgent: r.UserAgent()}
}

type registerRequest struct {
	Email       string `json:"email"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var in registerRequest
	rejected, err := decodeFields(r, &in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	u, err := s.accounts.Register.Handle(r.Context(), accountuc.Register{Email: in.Email, Username: in.Username,
		DisplayName: in.DisplayName, Password: in.Password, Meta: meta(r), Rejected: rejected})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/me")
	writeJSON(w, http.StatusCreated, userEnvelope{User: toUser(u)})
}

type loginRequest struct {
	Identifier string `json:"identifier"`
	Password   string `json:"password"`
}

type loginResponse struct {
	User      userDTO `json:"user"`
	Token     string  `json:"token"`
	ExpiresAt string  `json:"expires_at"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in loginRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	prev, _ := s.presentedToken(r)
	res, err := s.accounts.Login.Handle(r.Context(), accountuc.Login{Identifier: in.Identifier, Password: in.Password,
		Meta: meta(r), Previous: prev})
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.setSessionCookie(w, r, res.Token.String(), res.Session)
	writeJSON(w, http.StatusOK, loginResponse{User: toUser(res.User), Token: res.Token.String(),
		ExpiresAt: res.Session.ExpiresAt().Format("2006-01-02T15:04:05Z07:00")})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	_, err := s.accounts.Logout.Handle(r.Context(), accountuc.Logout{Principal: principalFrom(r.Context()), Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

type revokedResponse struct {
	Revoked int `json:"revoked"`
}

func (s *Server) logoutAll(w http.ResponseWriter, r *http.Request) {
	n, err := s.accounts.LogoutAll.Handle(r.Context(), accountuc.LogoutAll{Principal: principalFrom(r.Context()), Meta: meta(r)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.clearSessionCookie(w, r)
	writeJSON(w, http.StatusOK, revokedResponse{Revoked: n})
}

// setSessionCookie hands the browser its session: HttpOnly (scripts cannot read it), SameSite=Lax, and
// Secure whenever the client reached us over TLS (or the public URL is https). Its lifetime is the
// session's absolute expiry.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, sess *account.Session) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(r), Value: token, Path: "/", Expires: sess.ExpiresAt(),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(r),
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(r)})
}

func (s *Server) secureCookies(r *http.Request) bool { return s.secureCk || infoFrom(r.Context()).tls }

type passwordCheckRequest struct {
	Password    string `json:"password"`
	Email       string `json:"email"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
}

type passwordCheckResponse struct {
	Acceptable bool     `json:"acceptable"`
	Score      int      `json:"score"`
	Problem    string   `json:"problem,omitempty"`
	Hints      []string `json:"hints"`
}

// passwordCheck judges a password being chosen by the local policy, for feedback while it is typed.
func (s *Server) passwordCheck(w http.ResponseWriter, r *http.Request) {
	var in passwordCheckRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	v, err := s.accounts.CheckPassword.Handle(r.Context(), accountuc.CheckPassword{Password: in.Password, Email: in.Email,
		Username: in.Username, DisplayName: in.DisplayName, IP: infoFrom(r.Context()).clientIP})
	if err != nil {
		writeError(w, r, err)
		return
	}
	hints := v.Hints
	if hints == nil {
		hints = []string{}
	}
	writeJSON(w, http.StatusOK, passwordCheckResponse{Acceptable: v.Acceptable, Score: v.Score, Problem: v.Problem, Hints: hints})
}
