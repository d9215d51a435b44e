package account_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/argon2id"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

func TestLoginByUsernameOrEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "marie")
	for _, ident := range []string{"marie", "MARIE", "marie@example.com", " Marie@Example.COM "} {
		res := e.mustLogin(t, ident)
		require.Equal(t, u.ID(), res.User.ID())
		require.True(t, res.Session.TokenHash().Equal(res.Token.Hash()))
		p, err := e.app.Authenticate.Handle(context.Background(), accountuc.Authenticate{Token: res.Token.String()})
		require.NoError(t, err)
		require.Equal(t, u.ID(), p.UserID)
		require.Equal(t, res.Session.ID(), p.SessionID)
	}
}

// Unknown accounts and wrong passwords look the same from outside: same error, and one password hash
// computed either way (Verify for an account, Burn for no account).
func TestLoginDoesNotRevealWhetherAnAccountExists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "known_user")

	_, errKnown := e.login(t, "known_user", "wrong-password-123")
	require.ErrorIs(t, errKnown, account.ErrBadCredentials)
	require.EqualValues(t, 1, e.hasher.verifies.Load())
	require.EqualValues(t, 0, e.hasher.burns.Load())

	_, errUnknown := e.login(t, "ghost_user", "wrong-password-123")
	require.ErrorIs(t, errUnknown, account.ErrBadCredentials)
	require.EqualValues(t, 1, e.hasher.burns.Load())
	require.Equal(t, domain.AsError(errKnown).Message, domain.AsError(errUnknown).Message)
	require.Equal(t, domain.AsError(errKnown).Reason, domain.AsError(errUnknown).Reason)
}

// Five failures from one address lock the account for thirty minutes — for that address: the
// owner, elsewhere, still logs in (anyone could otherwise lock anyone out with five guesses).
func TestFiveFailuresFromOneAddressLockItOutForThirtyMinutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "target")
	attacker := audit.Meta{IP: "198.51.100.7"}
	loginFrom := func(meta audit.Meta, ident, pw string) (accountuc.LoginResult, error) {
		return e.app.Login.Handle(context.Background(), accountuc.Login{Identifier: ident, Password: pw, Meta: meta})
	}
	for i := 1; i <= 5; i++ {
		_, err := loginFrom(attacker, "target", "wrong-guess-00"+strconv.Itoa(i))
		if i < 5 {
			require.ErrorIs(t, err, account.ErrBadCredentials, "failure %d", i)
		} else {
			require.ErrorIs(t, err, account.ErrLocked, "the fifth failure locks")
		}
	}
	_, err := loginFrom(attacker, "target@example.com", goodPassword)
	require.ErrorIs(t, err, account.ErrLocked, "even the right password, by e-mail, is refused there while locked")
	requireKind(t, err, domain.KindRateLimited)
	require.InDelta(t, (30 * time.Minute).Seconds(), domain.AsError(err).RetryAfter.Seconds(), 1)
	verifies := e.hasher.verifies.Load()
	_, _ = loginFrom(attacker, "target", goodPassword)
	require.Equal(t, verifies, e.hasher.verifies.Load(), "a locked account costs no hash")

	res := e.mustLogin(t, "target") // the owner, from their own address
	require.Equal(t, u.ID(), res.User.ID())

	e.clock.Advance(29 * time.Minute)
	_, err = loginFrom(attacker, "target", goodPassword)
	require.ErrorIs(t, err, account.ErrLocked)
	e.clock.Advance(time.Minute)
	_, err = loginFrom(attacker, "target", goodPassword)
	require.NoError(t, err, "the lock is served")
	got, err := e.store.Users().Get(context.Background(), u.ID())
	require.NoError(t, err)
	require.True(t, got.Lockout().IsZero(), "a successful login clears the count")

	require.Equal(t, []string{"register", "login_failure", "login_failure", "login_failure", "login_failure",
		"login_failure", "login_locked", "login_success", "login_success"}, e.actions(t, u.ID()))
}

// Guessing spread over many addresses, each below its own threshold, locks the account for
// everyone at the account-wide threshold — and an unknown identifier answers exactly the same.
func TestFailuresFromManyAddressesLockTheAccountForEveryone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *accountuc.Deps) { d.Policy.Lockout.MaxAccountFailures = 12 })
	e.register(t, "spread")
	for _, ident := range []string{"spread", "nobody-spread"} {
		for i := 1; i <= 12; i++ {
			meta := audit.Meta{IP: "198.51.100." + strconv.Itoa(i/4)} // three failures per address
			_, err := e.app.Login.Handle(context.Background(), accountuc.Login{Identifier: ident, Password: "wrong-guess-" + strconv.Itoa(i), Meta: meta})
			if i < 12 {
				require.ErrorIs(t, err, account.ErrBadCredentials, "%s: failure %d", ident, i)
			} else {
				require.ErrorIs(t, err, account.ErrLocked, "%s: the twelfth failure locks", ident)
			}
		}
		_, err := e.login(t, ident, goodPassword) // from an address that never failed
		require.ErrorIs(t, err, account.ErrLocked, ident)
		require.InDelta(t, (30 * time.Minute).Seconds(), domain.AsError(err).RetryAfter.Seconds(), 1)
	}
	e.clock.Advance(30 * time.Minute)
	e.mustLogin(t, "spread")
}

func TestUnknownIdentifiersLockLikeAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := 1; i <= 5; i++ {
		_, err := e.login(t, "nobody@example.com", "wrong-guess-123")
		if i < 5 {
			require.ErrorIs(t, err, account.ErrBadCredentials)
		} else {
			require.ErrorIs(t, err, account.ErrLocked)
		}
	}
	_, err := e.login(t, "nobody@example.com", "wrong-guess-123")
	require.ErrorIs(t, err, account.ErrLocked)
	require.InDelta(t, (30 * time.Minute).Seconds(), domain.AsError(err).RetryAfter.Seconds(), 1)
	e.clock.Advance(30 * time.Minute)
	_, err = e.login(t, "nobody@example.com", "wrong-guess-123")
	require.ErrorIs(t, err, account.ErrBadCredentials)

	res, err := e.app.Purge.Handle(context.Background(), accountuc.Purge{})
	require.NoError(t, err)
	require.Zero(t, res.Lockouts, "a fresh failure is not purged")
	e.clock.Advance(31 * time.Minute)
	res, err = e.app.Purge.Handle(context.Background(), accountuc.Purge{})
	require.NoError(t, err)
	require.Equal(t, 2, res.Lockouts, "the identifier's count, and its count from this address")
}

// A burst of parallel wrong guesses must not slip past the lockout by racing its counter.
func TestParallelGuessesLockExactlyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "burst")
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.login(t, "burst", "wrong-guess-xyz")
			assert.Error(t, err) // not require: FailNow belongs to the test's goroutine
		}()
	}
	wg.Wait()
	locked := 0
	failures := 0
	for _, a := range e.actions(t, u.ID()) {
		switch a {
		case "login_locked":
			locked++
		case "login_failure":
			failures++
		}
	}
	require.Equal(t, 1, locked)
	require.GreaterOrEqual(t, failures, 5)
	_, err := e.login(t, "burst", goodPassword)
	require.ErrorIs(t, err, account.ErrLocked)
}

func TestLoginIsRateLimitedPerIPAndIdentifier(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *accountuc.Deps) {
		d.Policy.Limits.Login.Limit = ratelimit.Limit{Count: 3, Period: 15 * time.Minute}
	})
	e.register(t, "limited")
	for range 3 {
		e.mustLogin(t, "limited")
	}
	_, err := e.login(t, "limited", goodPassword)
	require.ErrorIs(t, err, ratelimit.ErrLimited)
	require.Positive(t, domain.AsError(err).RetryAfter)
	e.mustLogin(t, "limited@example.com") // another identifier, another budget
}

func TestLoginRotatesTheSessionAndRehashes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "rotate")
	first := e.mustLogin(t, "rotate")
	second, err := e.app.Login.Handle(context.Background(), accountuc.Login{Identifier: "rotate", Password: goodPassword,
		Meta: ip, Previous: first.Token.String()})
	require.NoError(t, err)
	_, err = e.app.Authenticate.Handle(context.Background(), accountuc.Authenticate{Token: first.Token.String()})
	require.ErrorIs(t, err, account.ErrNoSession, "the session presented at login is revoked")
	_, err = e.app.Authenticate.Handle(context.Background(), accountuc.Authenticate{Token: second.Token.String()})
	require.NoError(t, err)

	// Raise the hashing cost: the next login upgrades the stored hash.
	stronger := cheapHash()
	stronger.Iterations = 2
	e2, err := accountuc.NewApp(func() accountuc.Deps { d := e.deps; d.Hasher = argon2id.New(stronger); return d }())
	require.NoError(t, err)
	before, err := e.store.Users().Get(context.Background(), u.ID())
	require.NoError(t, err)
	_, err = e2.Login.Handle(context.Background(), accountuc.Login{Identifier: "rotate", Password: goodPassword, Meta: ip})
	require.NoError(t, err)
	after, err := e.store.Users().Get(context.Background(), u.ID())
	require.NoError(t, err)
	require.NotEqual(t, before.PasswordHash(), after.PasswordHash())
	require.Contains(t, after.PasswordHash().String(), "t=2")
}

func TestLoginValidatesInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.login(t, " ", goodPassword)
	require.Equal(t, "identifier", domain.Violations(err)[0].Field)
	_, err = e.login(t, "someone", "")
	require.Equal(t, "password", domain.Violations(err)[0].Field)
	hashes := e.hasher.burns.Load() + e.hasher.verifies.Load()
	_, err = e.login(t, "someone", string(make([]byte, 10_000)))
	require.ErrorIs(t, err, account.ErrBadCredentials)
	require.Equal(t, hashes, e.hasher.burns.Load()+e.hasher.verifies.Load(), "absurd passwords are not hashed")
}
