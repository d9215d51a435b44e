package apitoken

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
)

// List is a person's tokens, newest first (the expired ones too, marked by their ExpiresAt).
type List struct{ UserID domain.ID }

type listHandler struct{ d Deps }

func (h listHandler) Handle(ctx context.Context, in List) ([]Token, error) {
	return h.d.Store.List(ctx, in.UserID)
}

// Revoke deletes a person's token: the next request with it is refused.
type Revoke struct {
	UserID domain.ID
	ID     domain.ID
	Meta   audit.Meta
}

type revokeHandler struct{ d Deps }

// Revoking is never rate limited: a person must always be able to stop a leaked token, however
// many changes it (or they) made.
func (h revokeHandler) Handle(ctx context.Context, in Revoke) (struct{}, error) {
	if err := h.d.Store.Delete(ctx, in.UserID, in.ID); err != nil {
		return struct{}{}, err
	}
	h.d.record(ctx, audit.New(h.d.Clock.Now(), in.UserID, audit.ActionTokenRevoke, audit.ResourceToken, in.ID.String(), in.Meta))
	return struct{}{}, nil
}

// Authenticate resolves a presented secret: ErrInvalid unless it is a live token.
type Authenticate struct{ Secret string }

// touchEvery is how stale a token's last use may get before a request records a new one: a
// token used constantly costs one write a minute, not one per request.
const touchEvery = time.Minute

type authenticateHandler struct{ d Deps }

func (h authenticateHandler) Handle(ctx context.Context, in Authenticate) (Token, error) {
	if !IsToken(in.Secret) {
		return Token{}, ErrInvalid
	}
	t, err := h.d.Store.ByHash(ctx, Hash(in.Secret))
	if errors.Is(err, ErrNotFound) {
		return Token{}, ErrInvalid
	}
	if err != nil {
		return Token{}, err
	}
	now := h.d.Clock.Now()
	if !t.Active(now) {
		return Token{}, ErrInvalid
	}
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if err := h.d.Store.Touch(ctx, t.ID, now); err != nil && !domain.IsKind(err, domain.KindNotFound) {
			return Token{}, err
		}
		t.LastUsedAt = now
	}
	return t, nil
}
