package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/usecase/ratelimit"
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
// (bad credentials, then locked after the same numbers of failures) in the same time (a password hash
// is computed either way), and their failures are recorded under the identifier's digest instead of a
// user row.
//
// Failures count per account and client address (MaxFailures lock the account for that address) and
// per account (MaxAccountFailures lock it for every address): see account.LockoutPolicy for why.
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
	here, err := h.d.Store.Lockouts().Get(ctx, addressKey(userKey(u.ID()), in.Meta.IP))
	if err != nil {
		return LoginResult{}, err
	}
	if err := lockedOut(h.d.Clock.Now(), u.Lockout(), here); err != nil {
		return LoginResult{}, err
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
		key := addressKey(userKey(u.ID()), in.Meta.IP)
		here, err := r.Lockouts().GetForUpdate(ctx, key)
		if err != nil {
			return err
		}
		if err := lockedOut(now, u.Lockout(), here); err != nil {
			return err
		}
		if u.PasswordHash() != checked {
			return account.ErrBadCredentials
		}
		if err := r.Lockouts().Put(ctx, key, account.Lockout{}); err != nil {
			return err
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
		key := addressKey(userKey(u.ID()), meta.IP)
		here, err := r.Lockouts().GetForUpdate(ctx, key)
		if err != nil {
			return err
		}
		// Guesses still in flight when the account locked get the same answer as the right
		// password would now: locked. Answering "bad credentials" to them would tell the one
		// right guess apart.
		if err := lockedOut(now, u.Lockout(), here); err != nil {
			result = err
			return nil
		}
		lockedHere := here.Fail(now, h.d.Policy.Lockout)
		lockedNow := u.FailLogin(now, h.d.Policy.Lockout.AcrossAddresses()) || lockedHere
		if err := r.Lockouts().Put(ctx, key, here); err != nil {
			return err
		}
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

// failUnknown mirrors a failed login for an identifier with no account: the same two counts (the
// identifier's in place of the user row's, and the identifier's from this address), the same cost.
func (h loginHandler) failUnknown(ctx context.Context, ident account.Identifier, in Login) error {
	all, here := identKey(ident), addressKey(identKey(ident), in.Meta.IP)
	l, err := h.d.Store.Lockouts().Get(ctx, all)
	if err != nil {
		return err
	}
	lh, err := h.d.Store.Lockouts().Get(ctx, here)
	if err != nil {
		return err
	}
	if err := lockedOut(h.d.Clock.Now(), l, lh); err != nil {
		return err
	}
	if err := h.d.Hasher.Burn(ctx, in.Password); err != nil {
		return err
	}
	result := account.ErrBadCredentials
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		now := h.d.Clock.Now()
		l, err := r.Lockouts().GetForUpdate(ctx, all)
		if err != nil {
			return err
		}
		lh, err := r.Lockouts().GetForUpdate(ctx, here)
		if err != nil {
			return err
		}
		if err := lockedOut(now, l, lh); err != nil {
			result = err // as for accounts: in-flight guesses see the lock
			return nil
		}
		lockedHere := lh.Fail(now, h.d.Policy.Lockout)
		if l.Fail(now, h.d.Policy.Lockout.AcrossAddresses()) || lockedHere {
			result = account.ErrLocked.WithRetryAfter(h.d.Policy.Lockout.LockFor)
		}
		// No audit event: it would belong to nobody, so nobody could ever read it, and an address
		// cycling through made-up names would grow the table without bound.
		if err := r.Lockouts().Put(ctx, here, lh); err != nil {
			return err
		}
		return r.Lockouts().Put(ctx, all, l)
	})
	if err != nil {
		return err
	}
	return result
}

// lockedOut is ErrLocked, with the longer wait, when the account-wide count or this address's
// count locks at now.
func lockedOut(now time.Time, all, here account.Lockout) *domain.Error {
	lockedAll, leftAll := all.Locked(now)
	lockedHere, leftHere := here.Locked(now)
	if !lockedAll && !lockedHere {
		return nil
	}
	return account.ErrLocked.WithRetryAfter(max(leftAll, leftHere))
}

// identKey is the digest an unknown identifier's failures are kept under (not the identifier itself).
func identKey(ident account.Identifier) string { return "ident:" + digest(ident.String()) }

// userKey names an account's failures from one address (the account-wide count is on its row).
func userKey(id domain.ID) string { return "user:" + id.String() }

// addressKey is the key of subject's failures from one client address (an IPv6 address's /64,
// ratelimit.Network) — a digest of the address, never the address itself.
func addressKey(subject, ip string) string { return subject + "|ip:" + digest(ratelimit.Network(ip)) }

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// LockoutSubject is the prefix of every login lockout key about the user (their failures, and
// their failures from each address): what erasing the account deletes with it.
func LockoutSubject(id domain.ID) string { return userKey(id) }
