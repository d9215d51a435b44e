package account

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/usecase/auditlog"
)

// Store is the persistence port of the account area. Outside InTx every call is its own
// transaction; InTx runs fn in one transaction and commits only if fn returns nil, so a use case
// that changes several things (a user, a session and an audit event) changes all or none.
// Implementations: adapter/sqlstore (SQLite and PostgreSQL); conformance: test/contract/accountstoretest.
type Store interface {
	Repos
	InTx(ctx context.Context, fn func(Repos) error) error
}

// Repos are the repositories of the account area.
type Repos interface {
	Users() UserRepository
	Sessions() SessionRepository
	Lockouts() LockoutRepository
	Audit() auditlog.Repository
}

// UserRepository stores users. Errors: KindNotFound when absent; KindConflict (account.ErrAlreadyTaken)
// when an e-mail address or username is already used; KindUnavailable when storage is unreachable.
type UserRepository interface {
	Create(ctx context.Context, u *account.User) error
	Get(ctx context.Context, id domain.ID) (*account.User, error)
	// GetForUpdate is Get that, inside InTx, keeps others from changing the user until commit.
	GetForUpdate(ctx context.Context, id domain.ID) (*account.User, error)
	// FindByLogin finds the user whose username, or e-mail address if the identifier has an @, matches.
	FindByLogin(ctx context.Context, id account.Identifier) (*account.User, error)
	// Update saves every mutable field (display name, password hash, lockout, updated time).
	Update(ctx context.Context, u *account.User) error
}

// SessionRepository stores sessions by the hash of their token.
type SessionRepository interface {
	Create(ctx context.Context, s *account.Session) error
	// GetByTokenHash returns the session with that token hash, revoked or not; KindNotFound if none.
	GetByTokenHash(ctx context.Context, h account.TokenHash) (*account.Session, error)
	// ListByUser returns the user's sessions that are neither revoked nor expired at now, newest first.
	ListByUser(ctx context.Context, userID domain.ID, now time.Time) ([]*account.Session, error)
	// Touch records use of the session at at.
	Touch(ctx context.Context, id domain.ID, at time.Time) error
	// Revoke revokes one of the user's sessions; KindNotFound if it is not the user's or already revoked.
	Revoke(ctx context.Context, userID, id domain.ID, at time.Time) error
	// RevokeAll revokes every active session of the user except keep (zero keeps none), returning the count.
	RevokeAll(ctx context.Context, userID, keep domain.ID, at time.Time) (int, error)
	// DeleteDead deletes sessions revoked or expired before before, returning the count.
	DeleteDead(ctx context.Context, before time.Time) (int, error)
	// DeleteAccessTokens deletes every personal access token of the user — the credentials that a
	// new password ends besides the other sessions — returning the count.
	DeleteAccessTokens(ctx context.Context, userID domain.ID) (int, error)
}

// LockoutRepository keeps the failed-login state of identifiers that match no account, so that they
// lock exactly like accounts do.
type LockoutRepository interface {
	// Get returns the state for key, or the zero Lockout.
	Get(ctx context.Context, key string) (account.Lockout, error)
	// GetForUpdate is Get that, inside InTx, keeps others from changing the state of key until
	// commit — even when there is none yet, so concurrent first failures all count.
	GetForUpdate(ctx context.Context, key string) (account.Lockout, error)
	// Put stores the state for key (the zero Lockout deletes it).
	Put(ctx context.Context, key string, l account.Lockout) error
	// DeleteIdle deletes states whose last failure and lock both ended before before.
	DeleteIdle(ctx context.Context, before time.Time) (int, error)
}

// PasswordHasher hashes and verifies passwords. Hash and Verify may wait for a hashing slot (hashing
// is memory-hard, so concurrency is capped) and return KindUnavailable if ctx ends first.
// Implementation: adapter/argon2id; conformance: test/contract/passwordhashertest.
type PasswordHasher interface {
	Hash(ctx context.Context, password string) (account.PasswordHash, error)
	// Verify reports whether password matches hash and whether hash should be replaced because it
	// was made with weaker parameters than current ones. A malformed hash is KindInternal.
	Verify(ctx context.Context, password string, hash account.PasswordHash) (ok, rehash bool, err error)
	// Burn spends the time of one Verify without a real hash, so an unknown account costs what a
	// known one does.
	Burn(ctx context.Context, password string) error
}

// Strength is an estimate of how hard a password is to guess, with advice when it is weak.
type Strength struct {
	Score       int // 0 (trivial) to 4 (very strong), zxcvbn's scale
	Warning     string
	Suggestions []string
}

// StrengthEstimator estimates password strength; inputs are the user's own words (name, e-mail…),
// which make a password weaker when it contains them. Implementation: adapter/zxcvbn;
// conformance: test/contract/passwordcheckertest.
type StrengthEstimator interface {
	Estimate(password string, inputs []string) Strength
}

// CommonPasswords knows the passwords people choose most often (an offline list shipped with the
// hub). Implementation: adapter/zxcvbn.
type CommonPasswords interface {
	IsCommon(password string) bool
}

// BreachChecker tells whether a password appeared in a known breach (for example with a k-anonymity
// range query, so the password never leaves the hub). Errors: KindUnavailable when the service
// cannot answer. Optional; implementation: adapter/hibp; conformance: test/contract/passwordcheckertest.
type BreachChecker interface {
	Breached(ctx context.Context, password string) (bool, error)
}
