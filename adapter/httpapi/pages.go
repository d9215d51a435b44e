package httpapi

import (
	"net/http"
	"strings"

	"github.com/companionhub/companionhub/adapter/httpapi/web"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// The web app (package web) is served beside the API, through the same middleware: request ids,
// access log and metrics, security headers and CSP, the same-origin check on unsafe requests, and
// the body limits. Its pages reach the session cookie through pageSessions.

// pageSessions gives the pages the server's session handling.
type pageSessions struct{ s *Server }

func (p pageSessions) Principal(r *http.Request) (accountuc.Principal, bool) {
	tok, bearer := p.s.presentedToken(r)
	if tok == "" || bearer {
		return accountuc.Principal{}, false // pages are for browsers: the cookie only
	}
	pr, err := p.s.accounts.Authenticate.Handle(r.Context(), accountuc.Authenticate{Token: tok})
	return pr, err == nil
}

func (p pageSessions) Token(r *http.Request) string {
	tok, bearer := p.s.presentedToken(r)
	if bearer {
		return ""
	}
	return tok
}

func (p pageSessions) StartSession(w http.ResponseWriter, r *http.Request, token string, sess *account.Session) {
	p.s.setSessionCookie(w, r, token, sess)
}

func (p pageSessions) EndSession(w http.ResponseWriter, r *http.Request) {
	p.s.clearSessionCookie(w, r)
}

func (p pageSessions) Meta(r *http.Request) audit.Meta { return meta(r) }

// newSite builds the web app over the server's use cases.
func (s *Server) newSite() (*web.Site, error) {
	f := web.Features{Pictures: s.pictures != nil && s.pictures.Configured(), Voice: s.voices != nil && s.voices.Configured()}
	return web.New(web.Deps{Accounts: s.accounts, Companions: s.companions, Chat: s.chat, Voices: s.voices, Community: s.community, Proactive: s.proactive,
		Tokens: s.tokens, UserData: s.userData, Usage: s.usage, Sessions: pageSessions{s}, PublicURL: s.cfg.PublicURL, Log: s.log, Features: f})
}

// pageRoutes are the site's routes as the server mounts them (not API routes: the OpenAPI document
// does not describe them).
func pageRoutes(site *web.Site) []route {
	var out []route
	for _, p := range site.Routes() {
		out = append(out, route{method: p.Method, path: p.Path, upload: p.Upload, handler: p.Handler})
	}
	return out
}

// isPage reports whether a path no route takes is the site's to answer (with an HTML page) rather
// than the API's (with the JSON error envelope).
func isPage(r *http.Request) bool {
	p := r.URL.Path
	for _, api := range []string{"/api/", "/media/", "/v1/", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(p, api) || p == strings.TrimSuffix(api, "/") {
			return false
		}
	}
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}
