package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
)

// Login exchanges an identifier (username or e-mail) and password for a new session.
type Login struct {
	Identifier string
	Password   string
	Meta       audit.Meta
	// Previous is the session token the client already held, if any: it is revoked, so a login always
	// rotates the session (no fixation).
	Previous string
}

// LoginResult is the new session and the token to hand to the client (only its hash is stored).
type LoginResult struct {
	User    *account.User
	Session *account.Session
	Token   account.Token
}

type loginHandler struct{ d Deps }

// maxLoginPasswordBytes bounds what is worth hashing: no valid password is longer than 128
// characters of at most 4 bytes each.
const maxLoginPasswordBytes = account.MaxPasswordLen * 4

// Handle never tells the caller whether the account exists: unknown identifiers get the same answers
// (bad credentials, then locked after the same number of failures) in the same time (a password hash
// is computed either way), and their failures are recorded under the identifier's digest instead of a
// user row.
func (h loginHandler) Handle(ctx context.Context, in Login) (LoginResult, error) {
	in.Password = normalizePassword(in.Password)
	ident, err := account.NewIdentifier(in.Identifier)
	if err != nil {
		return LoginResult{}, err
	}
	if in.Password == "" {
		return LoginResult{}, domain.Invalid(domain.Violation("password", "required", "password is required"))
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Limits.Login, in.Meta.IP, ident.String()); err != nil {
		return LoginResult{}, err
	}
	// One address cycling through identifiers would otherwise get a password hash per attempt.
	if err := h.d.Guard.Check(ctx, h.d.Policy.Limits.LoginIP, in.Meta.IP); err != nil {
		return LoginResult{}, err
	}
	if len(in.Password) > maxLoginPasswordBytes {
		return LoginResult{}, account.ErrBadCredentials
	}
	u, err := h.d.Store.Users().FindByLogin(ctx, ident)
	if domain.IsKind(err, domain.KindNotFound) {
		return LoginResult{}, h.failUnknown(ctx, ident, in)
	}
	if err != nil {
		return LoginResult{}, err
	}
	now := h.d.Clock.Now()
	if locked, left := u.Locked(now); locked {
		return LoginResult{}, account.ErrLocked.WithRetryAfter(left)
	}
	ok, rehash, err := h.d.Hasher.Verify(ctx, in.Password, u.PasswordHash())
	if err != nil {
		return LoginResult{}, err
	}
	if !ok {
		return LoginResult{}, h.failKnown(ctx, u.ID(), in.Meta)
	}
	var newHash account.PasswordHash
	if rehash {
		// Parameters were raised since this hash was made; upgrade it while the password is at hand.
		if newHash, err = h.d.Hasher.Hash(ctx, in.Password); err != nil {
			return LoginResult{}, err
		}
	}
	return h.succeed(ctx, u.ID(), u.PasswordHash(), newHash, in)
}

// succeed opens the session — unless, since the password was checked, the account was locked (a
// parallel burst of guesses) or its password changed: the check was against a hash that no longer
// counts, and a rehash must not write the old password back over the new one.
func (h loginHandler) succeed(ctx context.Context, userID domain.ID, checked, newHash account.PasswordHash, in Login) (LoginResult, error) {
	var res LoginResult
	err := h.d.Store.InTx(ctx, func(r Repos) error {
		now := h.d.Clock.Now()
		u, err := r.Users().GetForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		if locked, left := u.Locked(now); locked {
			return account.ErrLocked.WithRetryAfter(left)
		}
		if u.PasswordHash() != checked {
			return account.ErrBadCredentials
		}
		u.SucceedLogin(now)
		if !newHash.IsZero() {
			u.SetPasswordHash(newHash, now)
		}
		if err := r.Users().Update(ctx, u); err != nil {
			return err
		}
		if in.Previous != "" {
			if err := revokePrevious(ctx, r, u.ID(), in.Previous, now); err != nil {
				return err
			}
		}
		sess, tok := account.NewSession(domain.NewID(now), u.ID(), now, h.d.Policy.Sessions, in.Meta.UserAgent, in.Meta.IP)
		if err := r.Sessions().Create(ctx, sess); err != nil {
			return err
		}
		res = LoginResult{User: u, Session: sess, Token: tok}
		return appendAudit(ctx, r, audit.New(now, u.ID(), audit.ActionLoginSuccess, audit.ResourceSession, sess.ID().String(), in.Meta))
	})
	return res, err
}

// revokePrevious revokes the session of a token the client presented, if it is this user's.
func revokePrevious(ctx context.Context, r Repos, userID domain.ID, token string, now time.Time) error {
	tok, err := account.ParseToken(token)
	if err != nil {
		return nil
	}
	prev, err := r.Sessions().GetByTokenHash(ctx, tok.Hash())
	if domain.IsKind(err, domain.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if prev.UserID() != userID || prev.Revoked() {
		return nil
	}
	if err := r.Sessions().Revoke(ctx, userID, prev.ID(), now); err != nil && !domain.IsKind(err, domain.KindNotFound) {
		return err
	}
	return nil
}

// failKnown records a wrong password for an existing account.
func (h loginHandler) failKnown(ctx context.Context, userID domain.ID, meta audit.Meta) error {
	result := account.ErrBadCredentials
	err := h.d.Store.InTx(ctx, func(r Repos) error {
		now := h.d.Clock.Now()
		u, err := r.Users().GetForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		// Guesses still in flight when the account locked get the same answer as the right
		// password would now: locked. Answering "bad credentials" to them would tell the one
		// right guess apart.
		if locked, left := u.Locked(now); locked {
			result = account.ErrLocked.WithRetryAfter(left)
			return nil
		}
		lockedNow := u.FailLogin(now, h.d.Policy.Lockout)
		if err := r.Users().Update(ctx, u); err != nil {
			return err
		}
		ev := audit.New(now, u.ID(), audit.ActionLoginFailure, audit.ResourceUser, u.ID().String(), meta).
			With("reason", "bad_password")
		if err := appendAudit(ctx, r, ev); err != nil {
			return err
		}
		if lockedNow {
			result = account.ErrLocked.WithRetryAfter(h.d.Policy.Lockout.LockFor)
			return appendAudit(ctx, r, audit.New(now, u.ID(), audit.ActionLoginLocked, audit.ResourceUser, u.ID().String(), meta))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return result
}

// failUnknown mirrors a failed login for an identifier with no account: same lockout, same cost.
func (h loginHandler) failUnknown(ctx context.Context, ident account.Identifier, in Login) error {
	key := lockoutKey(ident)
	l, err := h.d.Store.Lockouts().Get(ctx, key)
	if err != nil {
		return err
	}
	if locked, left := l.Locked(h.d.Clock.Now()); locked {
		return account.ErrLocked.WithRetryAfter(left)
	}
	if err := h.d.Hasher.Burn(ctx, in.Password); err != nil {
		return err
	}
	result := account.ErrBadCredentials
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		now := h.d.Clock.Now()
		l, err := r.Lockouts().GetForUpdate(ctx, key)
		if err != nil {
			return err
		}
		if locked, left := l.Locked(now); locked {
			result = account.ErrLocked.WithRetryAfter(left) // as for accounts: in-flight guesses see the lock
			return nil
		}
		if l.Fail(now, h.d.Policy.Lockout) {
			result = account.ErrLocked.WithRetryAfter(h.d.Policy.Lockout.LockFor)
		}
		// No audit event: it would belong to nobody, so nobody could ever read it, and an address
		// cycling through made-up names would grow the table without bound.
		return r.Lockouts().Put(ctx, key, l)
	})
	if err != nil {
		return err
	}
	return result
}

// lockoutKey is the digest an unknown identifier's failures are kept under (not the identifier itself).
func lockoutKey(ident account.Identifier) string {
	sum := sha256.Sum256([]byte(ident.String()))
	return "ident:" + hex.EncodeToString(sum[:])
}
