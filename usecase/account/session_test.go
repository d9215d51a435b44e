package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/test/clocktest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

func auth(e *env, tok string) (accountuc.Principal, error) {
	return e.app.Authenticate.Handle(context.Background(), accountuc.Authenticate{Token: tok})
}

func TestSessionsExpireAndIdleOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "sleepy")
	res := e.mustLogin(t, "sleepy")
	tok := res.Token.String()

	for _, bad := range []string{"", "garbage", account.NewToken().String()} {
		_, err := auth(e, bad)
		require.ErrorIs(t, err, account.ErrNoSession)
	}
	// Use keeps a session alive past the idle timeout…
	for range 3 {
		e.clock.Advance(6 * 24 * time.Hour)
		_, err := auth(e, tok)
		require.NoError(t, err)
	}
	// …but not past its absolute lifetime (30 days).
	e.clock.Advance(13 * 24 * time.Hour)
	_, err := auth(e, tok)
	require.ErrorIs(t, err, account.ErrNoSession)

	idle := e.mustLogin(t, "sleepy")
	e.clock.Advance(7*24*time.Hour + time.Second)
	_, err = auth(e, idle.Token.String())
	require.ErrorIs(t, err, account.ErrNoSession, "unused for a week")
}

func TestLogoutAndLogoutAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "leaver")
	a, b, c := e.mustLogin(t, "leaver"), e.mustLogin(t, "leaver"), e.mustLogin(t, "leaver")

	pa, err := auth(e, a.Token.String())
	require.NoError(t, err)
	_, err = e.app.Logout.Handle(context.Background(), accountuc.Logout{Principal: pa, Meta: ip})
	require.NoError(t, err)
	_, err = auth(e, a.Token.String())
	require.ErrorIs(t, err, account.ErrNoSession)
	_, err = e.app.Logout.Handle(context.Background(), accountuc.Logout{Principal: pa, Meta: ip})
	require.NoError(t, err, "logging out twice is fine")

	pb, err := auth(e, b.Token.String())
	require.NoError(t, err)
	n, err := e.app.LogoutAll.Handle(context.Background(), accountuc.LogoutAll{Principal: pb, Meta: ip})
	require.NoError(t, err)
	require.Equal(t, 2, n)
	for _, r := range []accountuc.LoginResult{b, c} {
		_, err = auth(e, r.Token.String())
		require.ErrorIs(t, err, account.ErrNoSession)
	}
	require.Contains(t, e.actions(t, u.ID()), "logout")
	require.Contains(t, e.actions(t, u.ID()), "logout_all")
}

func TestListAndRevokeSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "owner")
	e.register(t, "stranger")
	mine := e.mustLogin(t, "owner")
	e.clock.Advance(time.Second)
	other := e.mustLogin(t, "owner")
	theirs := e.mustLogin(t, "stranger")

	p, err := auth(e, mine.Token.String())
	require.NoError(t, err)
	list, err := e.app.ListSessions.Handle(context.Background(), accountuc.ListSessions{Principal: p})
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, other.Session.ID(), list[0].Session.ID())
	require.False(t, list[0].Current)
	require.True(t, list[1].Current)
	require.Equal(t, ip.IP, list[1].Session.IP())

	_, err = e.app.RevokeSession.Handle(context.Background(), accountuc.RevokeSession{Principal: p, SessionID: theirs.Session.ID(), Meta: ip})
	requireKind(t, err, domain.KindNotFound)
	_, err = auth(e, theirs.Token.String())
	require.NoError(t, err, "someone else's session is untouched")

	_, err = e.app.RevokeSession.Handle(context.Background(), accountuc.RevokeSession{Principal: p, SessionID: other.Session.ID(), Meta: ip})
	require.NoError(t, err)
	_, err = auth(e, other.Token.String())
	require.ErrorIs(t, err, account.ErrNoSession)
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "changer")
	current, elsewhere := e.mustLogin(t, "changer"), e.mustLogin(t, "changer")
	p, err := auth(e, current.Token.String())
	require.NoError(t, err)
	change := func(cur, next string) error {
		_, err := e.app.ChangePassword.Handle(context.Background(), accountuc.ChangePassword{Principal: p, Current: cur, New: next, Meta: ip})
		return err
	}
	const newPassword = "lantern-quarry-velvet-77"
	require.ErrorIs(t, change("not-my-password", newPassword), account.ErrWrongPassword)
	require.Equal(t, "personal", domain.Violations(change(goodPassword, "changer-changer"))[0].Code)
	require.Equal(t, "too_weak", domain.Violations(change(goodPassword, "aaaaaaaaaaaaaaaa"))[0].Code)
	require.Equal(t, "unchanged", domain.Violations(change(goodPassword, goodPassword))[0].Code)
	require.Equal(t, "new_password", domain.Violations(change(goodPassword, "short"))[0].Field)

	require.NoError(t, change(goodPassword, newPassword))
	_, err = e.login(t, "changer", goodPassword)
	require.ErrorIs(t, err, account.ErrBadCredentials)
	_, err = e.login(t, "changer", newPassword)
	require.NoError(t, err)
	_, err = auth(e, current.Token.String())
	require.NoError(t, err, "the session that changed the password stays")
	_, err = auth(e, elsewhere.Token.String())
	require.ErrorIs(t, err, account.ErrNoSession, "every other session is signed out")
	require.Contains(t, e.actions(t, u.ID()), "password_change")
}

// Checks of the current password have their own budget, apart from logins: a stolen session can
// neither guess the password freely nor lock its owner out of logging in.
func TestWrongCurrentPasswordsHaveTheirOwnLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "stolen")
	res := e.mustLogin(t, "stolen")
	p, err := auth(e, res.Token.String())
	require.NoError(t, err)
	change := func() error {
		_, err := e.app.ChangePassword.Handle(context.Background(), accountuc.ChangePassword{Principal: p,
			Current: "guess-guess-guess", New: "lantern-quarry-velvet-77", Meta: ip})
		return err
	}
	for i := range 5 {
		require.ErrorIs(t, change(), account.ErrWrongPassword, "check %d", i+1)
	}
	err = change()
	require.ErrorIs(t, err, ratelimit.ErrLimited, "the sixth check in an hour is refused")
	require.Positive(t, domain.AsError(err).RetryAfter)
	e.mustLogin(t, "stolen") // logins are not locked by it
}

func TestUpdateMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.register(t, "renamer")
	name := "  Renée  "
	got, err := e.app.UpdateMe.Handle(context.Background(), accountuc.UpdateMe{UserID: u.ID(), DisplayName: &name, Meta: ip})
	require.NoError(t, err)
	require.Equal(t, "Renée", got.DisplayName().String())
	me, err := e.app.GetMe.Handle(context.Background(), accountuc.GetMe{UserID: u.ID()})
	require.NoError(t, err)
	require.Equal(t, "Renée", me.DisplayName().String())
	empty := ""
	_, err = e.app.UpdateMe.Handle(context.Background(), accountuc.UpdateMe{UserID: u.ID(), DisplayName: &empty, Meta: ip})
	require.Equal(t, "display_name", domain.Violations(err)[0].Field)
	require.Equal(t, []string{"register", "profile_update"}, e.actions(t, u.ID()))
}

func TestPurgeDeletesDeadSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "purged")
	res := e.mustLogin(t, "purged")
	p, err := auth(e, res.Token.String())
	require.NoError(t, err)
	_, err = e.app.Logout.Handle(context.Background(), accountuc.Logout{Principal: p, Meta: ip})
	require.NoError(t, err)
	out, err := e.app.Purge.Handle(context.Background(), accountuc.Purge{})
	require.NoError(t, err)
	require.Zero(t, out.Sessions, "recently revoked sessions are kept a day")
	e.clock.Advance(25 * time.Hour)
	out, err = e.app.Purge.Handle(context.Background(), accountuc.Purge{})
	require.NoError(t, err)
	require.Equal(t, 1, out.Sessions)
}

func TestNewAppNamesMissingDependencies(t *testing.T) {
	t.Parallel()
	_, err := accountuc.NewApp(accountuc.Deps{Clock: clocktest.New(time.Now())})
	require.ErrorContains(t, err, "[Store Hasher Strength Common]")
}
