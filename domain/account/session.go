package account

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// SessionPolicy bounds how long a session lives: TTL from creation, and IdleTimeout since last use.
type SessionPolicy struct {
	TTL         time.Duration
	IdleTimeout time.Duration
}

// DefaultSessionPolicy keeps a browser signed in for 30 days, but not past a week of inactivity.
func DefaultSessionPolicy() SessionPolicy {
	return SessionPolicy{TTL: 30 * 24 * time.Hour, IdleTimeout: 7 * 24 * time.Hour}
}

// TokenPrefix starts every session token so that secret scanners and people can recognise one.
const TokenPrefix = "chs_"

// Token is the secret a client presents. Only its hash is ever stored.
type Token struct{ s string }

// NewToken draws 256 random bits.
func NewToken() Token {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("account: crypto/rand failed: " + err.Error())
	}
	return Token{TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])}
}

// ParseToken accepts a token presented by a client if it has the right shape.
func ParseToken(s string) (Token, error) {
	rest, ok := strings.CutPrefix(s, TokenPrefix)
	if !ok || len(rest) != 43 {
		return Token{}, ErrBadCredentials
	}
	if _, err := base64.RawURLEncoding.DecodeString(rest); err != nil {
		return Token{}, ErrBadCredentials
	}
	return Token{s}, nil
}

// String reveals the secret; call it only to hand the token to its owner.
func (t Token) String() string { return t.s }

// Hash is what storage keeps and looks sessions up by.
func (t Token) Hash() TokenHash {
	sum := sha256.Sum256([]byte(t.s))
	return TokenHash{hex.EncodeToString(sum[:])}
}

// TokenHash is the SHA-256 of a token, hex-encoded.
type TokenHash struct{ s string }

// HydrateTokenHash rebuilds a hash from storage.
func HydrateTokenHash(s string) TokenHash { return TokenHash{s} }

func (h TokenHash) String() string { return h.s }

// Equal compares in constant time.
func (h TokenHash) Equal(o TokenHash) bool {
	return subtle.ConstantTimeCompare([]byte(h.s), []byte(o.s)) == 1
}

// Session is one signed-in client of a user.
type Session struct {
	id         domain.ID
	userID     domain.ID
	tokenHash  TokenHash
	createdAt  time.Time
	lastSeenAt time.Time
	expiresAt  time.Time
	revokedAt  time.Time
	userAgent  string
	ip         string
}

const maxUserAgentLen = 256

// NewSession starts a session for userID and returns it with the token to give the client.
func NewSession(id, userID domain.ID, now time.Time, p SessionPolicy, userAgent, ip string) (*Session, Token) {
	tok := NewToken()
	return &Session{
		id: id, userID: userID, tokenHash: tok.Hash(),
		createdAt: now, lastSeenAt: now, expiresAt: now.Add(p.TTL),
		userAgent: domain.Truncate(userAgent, maxUserAgentLen), ip: domain.Truncate(ip, 64),
	}, tok
}

// HydrateSession rebuilds a session from storage. Only repositories call it.
func HydrateSession(id, userID domain.ID, hash TokenHash, createdAt, lastSeenAt, expiresAt, revokedAt time.Time, userAgent, ip string) *Session {
	return &Session{id: id, userID: userID, tokenHash: hash, createdAt: createdAt, lastSeenAt: lastSeenAt,
		expiresAt: expiresAt, revokedAt: revokedAt, userAgent: userAgent, ip: ip}
}

func (s *Session) ID() domain.ID         { return s.id }
func (s *Session) UserID() domain.ID     { return s.userID }
func (s *Session) TokenHash() TokenHash  { return s.tokenHash }
func (s *Session) CreatedAt() time.Time  { return s.createdAt }
func (s *Session) LastSeenAt() time.Time { return s.lastSeenAt }
func (s *Session) ExpiresAt() time.Time  { return s.expiresAt }
func (s *Session) RevokedAt() time.Time  { return s.revokedAt }
func (s *Session) Revoked() bool         { return !s.revokedAt.IsZero() }
func (s *Session) UserAgent() string     { return s.userAgent }
func (s *Session) IP() string            { return s.ip }

// Active reports whether the session still authenticates its client at now.
func (s *Session) Active(now time.Time, p SessionPolicy) bool {
	return !s.Revoked() && now.Before(s.expiresAt) && now.Before(s.lastSeenAt.Add(p.IdleTimeout))
}

// NeedsTouch reports whether last-seen is stale enough to be worth a write; recording every request
// would turn each read into a write.
func (s *Session) NeedsTouch(now time.Time) bool { return now.Sub(s.lastSeenAt) >= time.Minute }
