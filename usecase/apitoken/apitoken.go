// Package apitoken is personal access tokens: named secrets a person makes for programs — an
// OpenAI-compatible chat client, a script — with a scope (chat: the OpenAI-compatible endpoint and
// chatting; full: the whole API), an optional expiry, shown once, stored only as a hash, listed
// with when they were made and last used, and revocable. A token never changes a password or
// makes other tokens: the transport refuses those to anything but a session.
package apitoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Scope is what a token may do.
type Scope string

const (
	// ScopeChat: the OpenAI-compatible endpoint and the chat (companions read, messages, turns).
	ScopeChat Scope = "chat"
	// ScopeFull: the whole API, but for changing the password and making tokens.
	ScopeFull Scope = "full"
)

// Valid reports whether s is a scope.
func (s Scope) Valid() bool { return s == ScopeChat || s == ScopeFull }

// Token is a personal access token as it is kept: never the secret.
type Token struct {
	ID     domain.ID
	UserID domain.ID
	Name   string
	Scope  Scope
	// Hint is the secret's first characters, to tell tokens apart ("chp_x7Qa").
	Hint       string
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time // zero: never used
}

// Active reports whether the token may be used at now.
func (t Token) Active(now time.Time) bool { return t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt) }

// Prefix starts every personal access token, so that secret scanners and people recognise one,
// and the transport tells it from a session token (account.TokenPrefix).
const Prefix = "chp_"

// secretOf draws a new secret: 256 random bits.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return Prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// IsToken reports whether s has a personal access token's shape (not whether it is one).
func IsToken(s string) bool {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(32) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}

// Hash is what is kept of a secret: its SHA-256, hex. A secret of 256 random bits needs no slow
// hash.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// hintOf is the secret's first characters after the prefix: enough to recognise, far too few to guess.
func hintOf(secret string) string { return secret[:len(Prefix)+4] }

// Errors.
var (
	// ErrNotFound answers lookups of absent or foreign tokens alike.
	ErrNotFound = domain.E(domain.KindNotFound, "token_not_found", "token not found")
	// ErrInvalid is a presented secret that is no live token: unknown, revoked or expired.
	ErrInvalid = domain.E(domain.KindUnauthenticated, "invalid_token", "the access token is not valid")
	// ErrTooMany refuses a token beyond MaxPerUser.
	ErrTooMany = domain.E(domain.KindConflict, "too_many_tokens", "a person has at most 50 tokens: revoke one first")
)

// MaxPerUser bounds a person's tokens.
const MaxPerUser = 50

// Store keeps tokens. Implementation: adapter/sqlstore (migration 00020); conformance:
// test/contract/apitokenstoretest.
//
// Errors: KindUnavailable when the database cannot be reached; KindInternal otherwise.
type Store interface {
	// Create stores a token under the hash of its secret; KindNotFound for an unknown user,
	// KindConflict when the id or hash exists.
	Create(ctx context.Context, t Token, hash string) error
	// List lists the person's tokens, newest first.
	List(ctx context.Context, userID domain.ID) ([]Token, error)
	// ByHash returns the token whose secret has the hash; ErrNotFound otherwise.
	ByHash(ctx context.Context, hash string) (Token, error)
	// Touch records a use of the token at at (a token gone since is not an error).
	Touch(ctx context.Context, id domain.ID, at time.Time) error
	// Delete removes the person's token; ErrNotFound when absent or not theirs.
	Delete(ctx context.Context, userID, id domain.ID) error
}
