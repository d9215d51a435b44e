package web

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/companionhub/companionhub/adapter/httpapi/modelid"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/apitoken"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/userdata"
)

// tokensData is what the access tokens page shows.
type tokensData struct {
	Tokens []apitoken.Token
	// Made is the token just made, with its secret: shown on this answer only.
	Made *apitoken.Created
	// BaseURL is where OpenAI clients reach this hub; Models are the person's companions as the
	// model ids clients send.
	BaseURL string
	Models  []tokenModel
	Now     time.Time
}

type tokenModel struct{ ID, Name string }

// expiries are the lifetimes the form offers, in days (0: never).
var expiries = map[string]int{"never": 0, "7": 7, "30": 30, "90": 90, "365": 365}

func (s *Site) tokensView(r *http.Request) view {
	owner := principalOf(r).UserID
	toks, _ := s.d.Tokens.List.Handle(r.Context(), apitoken.List{UserID: owner})
	d := tokensData{Tokens: toks, BaseURL: s.baseURL(r) + "/v1", Now: time.Now()}
	if page, err := s.d.Companions.List.Handle(r.Context(), companionuc.List{OwnerID: owner, Page: domain.Page{Limit: 100}}); err == nil {
		for _, c := range page.Items {
			d.Models = append(d.Models, tokenModel{ID: modelid.Of(c), Name: c.Profile().Name()})
		}
	}
	return view{Title: "Access tokens", Page: "tokens", User: s.userOf(r), Notice: noticeOf(r), Data: d}
}

// baseURL is the hub's address as people reach it: the configured public address, or this
// request's host.
func (s *Site) baseURL(r *http.Request) string {
	if s.d.PublicURL != "" {
		return strings.TrimRight(s.d.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Site) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "tokens", s.tokensView(r))
}

// createToken makes a token and shows its secret once, on this answer (never in a URL).
func (s *Site) createToken(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	in := apitoken.Create{UserID: principalOf(r).UserID, Name: r.PostForm.Get("name"),
		Scope: apitoken.Scope(r.PostForm.Get("scope")), Password: r.PostForm.Get("password"), Meta: s.d.Sessions.Meta(r)}
	days, ok := expiries[r.PostForm.Get("expires")]
	if !ok {
		v := s.tokensView(r)
		v.Form = withoutPassword(r.PostForm)
		s.fail(w, r, domain.Invalid(domain.Violation("expires", "invalid", "choose when the token expires")), "tokens", v)
		return
	}
	if days > 0 {
		in.ExpiresAt = time.Now().Add(time.Duration(days) * 24 * time.Hour)
	}
	made, err := s.d.Tokens.Create.Handle(r.Context(), in)
	if err != nil {
		v := s.tokensView(r)
		v.Form = withoutPassword(r.PostForm)
		s.fail(w, r, err, "tokens", v)
		return
	}
	v := s.tokensView(r)
	d := v.Data.(tokensData)
	d.Made = &made
	v.Data = d
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusCreated, "tokens", v)
}

// withoutPassword is a submitted form to fill the page again with: passwords are never sent back
// into a page.
func withoutPassword(f url.Values) url.Values {
	f = maps.Clone(f)
	f.Del("password")
	return f
}

func (s *Site) revokeToken(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	id, err := domain.ParseID(r.PathValue("id"))
	if err == nil {
		_, err = s.d.Tokens.Revoke.Handle(r.Context(), apitoken.Revoke{UserID: principalOf(r).UserID, ID: id, Meta: s.d.Sessions.Meta(r)})
	} else {
		err = apitoken.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	seeOther(w, r, "/account/tokens?notice=revoked")
}

// deleteAccount erases the person's account and everything that is theirs, with their password.
func (s *Site) deleteAccount(w http.ResponseWriter, r *http.Request) {
	if !s.parsed(w, r) {
		return
	}
	if _, err := s.d.UserData.Erase.Handle(r.Context(), userdata.Erase{UserID: principalOf(r).UserID,
		Password: r.PostForm.Get("password")}); err != nil {
		v := s.accountView(r)
		v.Errors = map[string]string{}
		s.fail(w, r, err, "account", v) // the password is never sent back into a page
		return
	}
	s.d.Sessions.EndSession(w, r)
	seeOther(w, r, "/signin?notice=deleted")
}
