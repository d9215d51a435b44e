package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/companionhub/companionhub/domain/account"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

type principalKey struct{}

// signedIn is who a request's session is: resolved once per page request (withSession), read by
// everything that needs it.
type signedIn struct {
	p  accountuc.Principal
	ok bool
}

// withSession resolves the request's session once, before any page handler runs.
func (s *Site) withSession(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.d.Sessions.Principal(r)
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, signedIn{p: p, ok: ok})))
	}
}

// principal is the signed-in person of the request (false: nobody is).
func principal(r *http.Request) (accountuc.Principal, bool) {
	si, _ := r.Context().Value(principalKey{}).(signedIn)
	return si.p, si.ok
}

// principalOf is the signed-in person of a page behind member.
func principalOf(r *http.Request) accountuc.Principal {
	p, _ := principal(r)
	return p
}

// member lets only signed-in people through; the others are sent to sign in, and back afterwards.
func (s *Site) member(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := principal(r); !ok {
			if r.Method != http.MethodGet {
				s.errorPage(w, r, http.StatusUnauthorized, "Your session has ended. Please sign in again.")
				return
			}
			seeOther(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()))
			return
		}
		h(w, r)
	}
}

// userOf is the signed-in person, for the page's header (nil when nobody is).
func (s *Site) userOf(r *http.Request) *account.User {
	p, ok := principal(r)
	if !ok {
		return nil
	}
	u, err := s.d.Accounts.GetMe.Handle(r.Context(), accountuc.GetMe{UserID: p.UserID})
	if err != nil {
		return nil
	}
	return u
}

func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := principal(r); !ok {
		seeOther(w, r, "/signin")
		return
	}
	s.companionsPage(w, r)
}

// safeNext is where to go after signing in: a path on this site only (never another origin).
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

func (s *Site) signInPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := principal(r); ok {
		seeOther(w, r, safeNext(r.URL.Query().Get("next")))
		return
	}
	s.render(w, r, http.StatusOK, "signin", view{Title: "Sign in", Page: "signin", Notice: noticeOf(r),
		Form: url.Values{"next": {r.URL.Query().Get("next")}}})
}

func (s *Site) signIn(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	form := url.Values{"identifier": {r.PostForm.Get("identifier")}, "next": {r.PostForm.Get("next")}}
	res, err := s.d.Accounts.Login.Handle(r.Context(), accountuc.Login{Identifier: r.PostForm.Get("identifier"),
		Password: r.PostForm.Get("password"), Meta: s.d.Sessions.Meta(r), Previous: s.d.Sessions.Token(r)})
	if err != nil {
		s.fail(w, r, err, "signin", view{Title: "Sign in", Page: "signin", Form: form})
		return
	}
	s.d.Sessions.StartSession(w, r, res.Token.String(), res.Session)
	seeOther(w, r, safeNext(r.PostForm.Get("next")))
}

func (s *Site) signUpPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signup", view{Title: "Create your account", Page: "signup"})
}

// signUp creates the account and signs the person in at once.
func (s *Site) signUp(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	f := r.PostForm
	form := url.Values{"email": {f.Get("email")}, "username": {f.Get("username")}, "display_name": {f.Get("display_name")}}
	v := view{Title: "Create your account", Page: "signup", Form: form}
	_, err := s.d.Accounts.Register.Handle(r.Context(), accountuc.Register{Email: f.Get("email"), Username: f.Get("username"),
		DisplayName: f.Get("display_name"), Password: f.Get("password"), Meta: s.d.Sessions.Meta(r)})
	if err != nil {
		s.fail(w, r, err, "signup", v)
		return
	}
	res, err := s.d.Accounts.Login.Handle(r.Context(), accountuc.Login{Identifier: f.Get("username"), Password: f.Get("password"),
		Meta: s.d.Sessions.Meta(r), Previous: s.d.Sessions.Token(r)})
	if err != nil {
		seeOther(w, r, "/signin")
		return
	}
	s.d.Sessions.StartSession(w, r, res.Token.String(), res.Session)
	seeOther(w, r, "/companions/new")
}

func (s *Site) signOut(w http.ResponseWriter, r *http.Request) {
	if p, ok := principal(r); ok {
		_, _ = s.d.Accounts.Logout.Handle(r.Context(), accountuc.Logout{Principal: p, Meta: s.d.Sessions.Meta(r)})
	}
	s.d.Sessions.EndSession(w, r)
	seeOther(w, r, "/signin")
}
