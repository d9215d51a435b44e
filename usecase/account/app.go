// Package account holds the use cases of accounts and access: registration, login and sessions,
// passwords, and the owner's view of their own audit trail (SPEC §3.1).
package account

import (
	"context"
	"errors"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// Policy gathers the account rules a deployment can tune.
type Policy struct {
	Sessions account.SessionPolicy
	Lockout  account.LockoutPolicy
	Limits   ratelimit.Rules
}

// DefaultPolicy is SPEC §3.1.
func DefaultPolicy() Policy {
	return Policy{Sessions: account.DefaultSessionPolicy(), Lockout: account.DefaultLockoutPolicy(), Limits: ratelimit.DefaultRules()}
}

// Deps are what the account use cases consume. Breach may be nil (no breach checking), and
// Observer too (nobody hears what the use cases carry on past).
type Deps struct {
	Store    Store
	Hasher   PasswordHasher
	Strength StrengthEstimator
	Common   CommonPasswords
	Breach   BreachChecker
	Guard    *ratelimit.Guard
	Clock    usecase.Clock
	Policy   Policy
	Observer Observer
}

// Observer hears what the account use cases carry on past: nothing here fails a request, but an
// operator wants to know. adapter/zaplog logs it.
type Observer interface {
	// BreachCheckFailed: the breach checker could not answer; the password was judged by the
	// other rules.
	BreachCheckFailed(ctx context.Context, err error)
}

func (d Deps) validate() error {
	var missing []string
	for _, dep := range []struct {
		name string
		set  bool
	}{{"Store", d.Store != nil}, {"Hasher", d.Hasher != nil}, {"Strength", d.Strength != nil},
		{"Common", d.Common != nil}, {"Clock", d.Clock != nil}} {
		if !dep.set {
			missing = append(missing, dep.name)
		}
	}
	if len(missing) > 0 {
		return domain.Errorf(domain.KindInternal, "account deps missing: %v", missing)
	}
	return nil
}

// App is the set of account use cases, each wrapped with the observers it was built with.
type App struct {
	Register     decorator.Handler[Register, *account.User]
	Login        decorator.Handler[Login, LoginResult]
	Authenticate decorator.Handler[Authenticate, Principal]
	Logout       decorator.Handler[Logout, struct{}]
	LogoutAll    decorator.Handler[LogoutAll, int]
	GetMe        decorator.Handler[GetMe, *account.User]
	// VerifyPassword checks the person's password before what cannot be undone.
	VerifyPassword decorator.Handler[VerifyPassword, struct{}]
	// FindUser finds an account by username or e-mail, for operators' tools.
	FindUser       decorator.Handler[FindUser, *account.User]
	UpdateMe       decorator.Handler[UpdateMe, *account.User]
	ChangePassword decorator.Handler[ChangePassword, struct{}]
	// CheckPassword judges a password being chosen, for feedback as it is typed.
	CheckPassword decorator.Handler[CheckPassword, PasswordVerdict]
	ListSessions  decorator.Handler[ListSessions, []SessionView]
	RevokeSession decorator.Handler[RevokeSession, struct{}]
	ListAudit     decorator.Handler[ListAudit, AuditPage]
	Purge         decorator.Handler[Purge, PurgeResult]
}

// NewApp builds the account use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	return &App{
		Register:       decorator.Decorate("account.register", registerHandler{d}, obs...),
		Login:          decorator.Decorate("account.login", loginHandler{d}, obs...),
		Authenticate:   decorator.Decorate("account.authenticate", authenticateHandler{d}, obs...),
		Logout:         decorator.Decorate("account.logout", logoutHandler{d}, obs...),
		LogoutAll:      decorator.Decorate("account.logout_all", logoutAllHandler{d}, obs...),
		GetMe:          decorator.Decorate("account.get_me", getMeHandler{d}, obs...),
		VerifyPassword: decorator.Decorate("account.verify_password", verifyPasswordHandler{d}, obs...),
		FindUser:       decorator.Decorate("account.find_user", findUserHandler{d}, obs...),
		UpdateMe:       decorator.Decorate("account.update_me", updateMeHandler{d}, obs...),
		ChangePassword: decorator.Decorate("account.change_password", changePasswordHandler{d}, obs...),
		CheckPassword:  decorator.Decorate("account.check_password", checkPasswordHandler{d}, obs...),
		ListSessions:   decorator.Decorate("account.list_sessions", listSessionsHandler{d}, obs...),
		RevokeSession:  decorator.Decorate("account.revoke_session", revokeSessionHandler{d}, obs...),
		ListAudit:      decorator.Decorate("account.list_audit", listAuditHandler{d}, obs...),
		Purge:          decorator.Decorate("account.purge", purgeHandler{d}, obs...),
	}, nil
}

// Principal is who an authenticated request acts for.
type Principal struct {
	UserID    domain.ID
	SessionID domain.ID
}

// appendAudit records e inside the transaction r belongs to.
func appendAudit(ctx context.Context, r Repos, e audit.Event) error {
	if err := r.Audit().Append(ctx, e); err != nil {
		return errors.Join(domain.Errorf(domain.KindInternal, "record audit event %s", e.Action), err)
	}
	return nil
}
