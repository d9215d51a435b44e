package account

import "github.com/companionhub/companionhub/domain"

// Errors of the account area. Their messages are safe to show to clients and never say whether an
// account exists.
var (
	ErrBadCredentials  = domain.E(domain.KindUnauthenticated, "bad_credentials", "invalid username/email or password")
	ErrLocked          = domain.E(domain.KindRateLimited, "login_locked", "too many failed logins; try again later")
	ErrNoSession       = domain.E(domain.KindUnauthenticated, "no_session", "sign in to continue")
	ErrAlreadyTaken    = domain.E(domain.KindConflict, "account_exists", "username or email is already registered")
	ErrWrongPassword   = domain.E(domain.KindInvalid, "wrong_password", "the current password is not correct")
	ErrUserNotFound    = domain.E(domain.KindNotFound, "user_not_found", "user not found")
	ErrSessionNotFound = domain.E(domain.KindNotFound, "session_not_found", "session not found")
)
