package apitoken

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
)

// Create makes a token for a person, who gives their password again. ExpiresAt zero: it never
// expires.
type Create struct {
	UserID    domain.ID
	Name      string
	Scope     Scope
	ExpiresAt time.Time
	Password  string
	Meta      audit.Meta
}

// Created is the new token and its secret: the only time the secret is shown.
type Created struct {
	Token  Token
	Secret string
}

// MaxName bounds a token's name.
const MaxName = 100

type createHandler struct{ d Deps }

func (h createHandler) Handle(ctx context.Context, in Create) (Created, error) {
	now := h.d.Clock.Now()
	name := strings.TrimSpace(in.Name)
	var bad []domain.FieldViolation
	if name == "" || utf8.RuneCountInString(name) > MaxName {
		bad = append(bad, domain.Violation("name", "invalid", "a name of 1 to 100 characters, to tell the token apart"))
	}
	if !in.Scope.Valid() {
		bad = append(bad, domain.Violation("scope", "invalid", "scope is chat (the OpenAI-compatible endpoint and chat) or full (the whole API)"))
	}
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		bad = append(bad, domain.Violation("expires_at", "in_the_past", "expires_at must be in the future (or absent: never)"))
	}
	if in.Password == "" {
		bad = append(bad, domain.Violation("password", "required", "your password is required to make a token"))
	}
	if len(bad) > 0 {
		return Created{}, domain.Invalid(bad...)
	}
	if err := h.d.Guard.Check(ctx, h.d.Change, in.UserID.String()); err != nil {
		return Created{}, err
	}
	if err := h.d.VerifyPassword(ctx, in.UserID, in.Password); err != nil {
		return Created{}, err
	}
	have, err := h.d.Store.List(ctx, in.UserID)
	if err != nil {
		return Created{}, err
	}
	if len(have) >= MaxPerUser {
		return Created{}, ErrTooMany
	}
	secret := newSecret()
	t := Token{ID: domain.NewID(now), UserID: in.UserID, Name: name, Scope: in.Scope, Hint: hintOf(secret),
		CreatedAt: now, ExpiresAt: in.ExpiresAt.UTC()}
	if err := h.d.Store.Create(ctx, t, Hash(secret)); err != nil {
		return Created{}, err
	}
	h.d.record(ctx, audit.New(now, in.UserID, audit.ActionTokenCreate, audit.ResourceToken, t.ID.String(), in.Meta).
		With("name", name).With("scope", string(in.Scope)))
	return Created{Token: t, Secret: secret}, nil
}
