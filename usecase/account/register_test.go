package account_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

func TestRegisterCreatesANormalisedAccountAndAuditsIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, err := e.app.Register.Handle(context.Background(), accountuc.Register{Email: " Ada.Lovelace@Example.org ",
		Username: "Ada_L", DisplayName: "  Ada  ", Password: goodPassword, Meta: ip})
	require.NoError(t, err)
	require.Equal(t, "ada.lovelace@example.org", u.Email().String())
	require.Equal(t, "ada_l", u.Username().String())
	require.Equal(t, "Ada", u.DisplayName().String())
	require.NotContains(t, u.PasswordHash().String(), goodPassword)

	got, err := e.store.Users().Get(context.Background(), u.ID())
	require.NoError(t, err)
	require.Equal(t, u.Email(), got.Email())
	require.Equal(t, []string{"register"}, e.actions(t, u.ID()))
	res := e.mustLogin(t, "ADA.LOVELACE@example.org")
	require.Equal(t, u.ID(), res.User.ID())
}

func TestRegisterReportsEveryBadFieldAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.app.Register.Handle(context.Background(), accountuc.Register{Email: "nope", Username: "a!", DisplayName: "",
		Password: "short", Meta: ip})
	requireKind(t, err, domain.KindInvalid)
	fields := map[string]string{}
	for _, v := range domain.Violations(err) {
		fields[v.Field] = v.Code
	}
	require.Equal(t, map[string]string{"email": "format", "username": "too_short", "display_name": "required", "password": "too_short"}, fields)
}

func TestRegisterRefusesWeakPasswordsWithAdvice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reg := func(pw string) error {
		_, err := e.app.Register.Handle(context.Background(), accountuc.Register{Email: "grace@example.com",
			Username: "gracehopper", DisplayName: "Grace Hopper", Password: pw, Meta: ip})
		return err
	}
	for pw, code := range map[string]string{
		"password1234":           "common",
		"aaaaaaaaaaaaaaaa":       "too_weak",
		"GraceHopper-1234":       "personal", // the username inside
		"grace-bells-ringing":    "personal", // the mailbox name inside
		"qwertyuiopasdf":         "too_weak", // a keyboard walk
		strings.Repeat("ab", 70): "too_long",
	} {
		err := reg(pw)
		requireKind(t, err, domain.KindInvalid)
		v := domain.Violations(err)
		require.Len(t, v, 1, pw)
		require.Equal(t, "password", v[0].Field)
		require.Equal(t, code, v[0].Code, pw)
		if code == "too_weak" {
			require.Equal(t, "weak_password", domain.AsError(err).Reason)
			require.NotEmpty(t, domain.AsError(err).Hints, "advice for %q", pw)
		}
	}
	_, err := e.store.Users().FindByLogin(context.Background(), mustIdent(t, "gracehopper"))
	requireKind(t, err, domain.KindNotFound)
}

func mustIdent(t *testing.T, s string) account.Identifier {
	t.Helper()
	i, err := account.NewIdentifier(s)
	require.NoError(t, err)
	return i
}

func TestRegisterConflictsWriteNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.register(t, "linus")
	for _, in := range []accountuc.Register{
		{Email: "LINUS@example.com", Username: "other", DisplayName: "X", Password: goodPassword, Meta: ip},
		{Email: "other@example.com", Username: "Linus", DisplayName: "X", Password: goodPassword, Meta: ip},
	} {
		_, err := e.app.Register.Handle(context.Background(), in)
		require.ErrorIs(t, err, account.ErrAlreadyTaken)
		requireKind(t, err, domain.KindConflict)
	}
	_, err := e.store.Users().FindByLogin(context.Background(), mustIdent(t, "other"))
	requireKind(t, err, domain.KindNotFound)
	require.Equal(t, []string{"register"}, e.actions(t, first.ID()))
}

func TestRegisterIsRateLimitedPerIPButNotForBadInputOrAdmins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *accountuc.Deps) {
		d.Policy.Limits.Register.Limit = ratelimit.Limit{Count: 2, Period: 24 * time.Hour}
	})
	bad := accountuc.Register{Email: "x", Username: "xx", DisplayName: "x", Password: "x", Meta: ip}
	for range 5 {
		_, err := e.app.Register.Handle(context.Background(), bad)
		requireKind(t, err, domain.KindInvalid)
	}
	e.register(t, "first_user")
	e.register(t, "second_user")
	_, err := e.app.Register.Handle(context.Background(), accountuc.Register{Email: "third@example.com", Username: "third_user",
		DisplayName: "Third", Password: goodPassword, Meta: ip})
	requireKind(t, err, domain.KindRateLimited)
	require.Positive(t, domain.AsError(err).RetryAfter)

	other := ip
	other.IP = "198.51.100.77"
	_, err = e.app.Register.Handle(context.Background(), accountuc.Register{Email: "third@example.com", Username: "third_user",
		DisplayName: "Third", Password: goodPassword, Meta: other})
	require.NoError(t, err, "another IP has its own budget")
	_, err = e.app.Register.Handle(context.Background(), accountuc.Register{Email: "admin@example.com", Username: "made_by_admin",
		DisplayName: "Admin made", Password: goodPassword, Meta: ip, ByAdmin: true})
	require.NoError(t, err, "operators are not limited")
}

func TestRegisterConsultsTheBreachChecker(t *testing.T) {
	t.Parallel()
	var down bool
	e := newEnv(t, func(d *accountuc.Deps) {
		d.Breach = breachFunc(func(_ context.Context, pw string) (bool, error) {
			if down {
				return false, domain.Errorf(domain.KindUnavailable, "range API down")
			}
			return pw == goodPassword, nil
		})
	})
	_, err := e.app.Register.Handle(context.Background(), accountuc.Register{Email: "b@example.com", Username: "breached",
		DisplayName: "B", Password: goodPassword, Meta: ip})
	require.Equal(t, "breached", domain.Violations(err)[0].Code)

	down = true
	_, err = e.app.Register.Handle(context.Background(), accountuc.Register{Email: "b@example.com", Username: "breached",
		DisplayName: "B", Password: goodPassword, Meta: ip})
	require.NoError(t, err, "an unavailable checker does not block registration")
}

func TestRegisterNormalisesPasswords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	composed, decomposed := "café-osmosis-ferry-9", "cafe\u0301-osmosis-ferry-9"
	_, err := e.app.Register.Handle(context.Background(), accountuc.Register{Email: "n@example.com", Username: "normal",
		DisplayName: "N", Password: decomposed, Meta: ip})
	require.NoError(t, err)
	_, err = e.login(t, "normal", composed)
	require.NoError(t, err, "the same password typed with a precomposed é")
}

func TestRegisterJudgesThePasswordWithTheOtherFieldsButNeverAsksTheBreachCheckerForAnInvalidRequest(t *testing.T) {
	t.Parallel()
	asked := 0
	e := newEnv(t, func(d *accountuc.Deps) {
		d.Breach = breachFunc(func(context.Context, string) (bool, error) { asked++; return true, nil })
	})
	codes := func(err error) []string {
		var out []string
		for _, v := range domain.Violations(err) {
			out = append(out, v.Field+" "+v.Code)
		}
		return out
	}
	_, err := e.app.Register.Handle(context.Background(), accountuc.Register{Email: "bad", Username: "okuser1",
		DisplayName: "", Password: "password1234", Meta: ip})
	require.Equal(t, []string{"email format", "display_name required", "password common"}, codes(err))

	_, err = e.app.Register.Handle(context.Background(), accountuc.Register{Email: "x@example.com", Username: "okuser1",
		Password: goodPassword, Meta: ip, Rejected: []domain.FieldViolation{domain.Violation("display_name", "type", "must be a string")}})
	require.Equal(t, []string{"display_name type"}, codes(err), "a field the transport refused is not reported twice")

	_, err = e.app.Register.Handle(context.Background(), accountuc.Register{Email: "bad", Username: "okuser1",
		DisplayName: "Ok", Password: goodPassword, Meta: ip})
	require.Equal(t, []string{"email format"}, codes(err))
	require.Zero(t, asked, "no request that is refused anyway calls out to the breach checker")
}
