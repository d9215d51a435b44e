package httpapi

import (
	"context"
	"net/http"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/apitoken"
	"github.com/companionhub/companionhub/usecase/correlation"
)

// access is what credentials a route takes beyond a session.
type access int

const (
	// fullTokens: a session, or a personal access token of scope full (the default).
	fullTokens access = iota
	// chatTokens: a session, or a personal access token of either scope (chatting).
	chatTokens
	// sessionOnly: a session, never a token (changing the password, making tokens, signing out).
	sessionOnly
)

// caller is who a request acts for: a person, by a session or by a personal access token.
type caller struct {
	accountuc.Principal
	// token is the personal access token presented (zero ID: a session).
	token apitoken.Token
}

type callerKey struct{}

func callerFrom(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// withCaller puts c on the request, for principalFrom and callerFrom.
func withCaller(r *http.Request, c caller) *http.Request {
	ctx := context.WithValue(r.Context(), principalKey{}, c.Principal)
	// What the request makes providers do is counted against the caller.
	ctx = correlation.WithSubject(ctx, correlation.Subject{UserID: c.Principal.UserID.String()})
	return r.WithContext(context.WithValue(ctx, callerKey{}, c))
}

// Refusals of a valid credential on a route it does not open.
var (
	errTokenScope = domain.E(domain.KindForbidden, "token_scope",
		"this access token's scope (chat) opens only the OpenAI-compatible endpoint and chatting: use a token of scope full")
	errSessionRequired = domain.E(domain.KindForbidden, "session_required",
		"an access token cannot do this: sign in (changing the password, making tokens and signing out take a session)")
)

// identify resolves the credential a request presents: a session token (cookie or bearer) or a
// personal access token (bearer only). KindUnauthenticated when there is none, or it is not live.
func (s *Server) identify(r *http.Request) (caller, error) {
	tok, bearer := s.presentedToken(r)
	switch {
	case tok == "":
		return caller{}, account.ErrNoSession
	case bearer && apitoken.IsToken(tok):
		t, err := s.tokens.Authenticate.Handle(r.Context(), apitoken.Authenticate{Secret: tok})
		if err != nil {
			return caller{}, err
		}
		return caller{Principal: accountuc.Principal{UserID: t.UserID}, token: t}, nil
	}
	p, err := s.accounts.Authenticate.Handle(r.Context(), accountuc.Authenticate{Token: tok})
	if err != nil {
		return caller{}, err
	}
	return caller{Principal: p}, nil
}

// allows reports why c may not use a route of access a (nil: it may).
func (c caller) allows(a access) error {
	if c.token.ID.IsZero() {
		return nil
	}
	switch {
	case a == sessionOnly:
		return errSessionRequired
	case a == fullTokens && c.token.Scope != apitoken.ScopeFull:
		return errTokenScope
	}
	return nil
}

// authenticated resolves the credential behind the request, and refuses one the route does not
// take, before h runs.
func (s *Server) authenticated(a access, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.identify(r)
		if err == nil {
			err = c.allows(a)
		}
		if err != nil {
			writeError(w, r, err)
			return
		}
		h(w, withCaller(r, c))
	}
}

// maybeAuthenticated resolves the credential behind the request when it presents a valid one that
// the route takes (a session or a full token), and lets it through anonymous otherwise (community
// browsing is open to visitors; a chat token is a visitor there).
func (s *Server) maybeAuthenticated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, err := s.identify(r); err == nil && c.allows(fullTokens) == nil {
			r = withCaller(r, c)
		}
		h(w, r)
	}
}
