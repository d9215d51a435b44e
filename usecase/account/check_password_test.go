package account_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// TestCheckPasswordJudgesAsRegisterWould: the verdict while typing is the policy's — the same
// refusals as registration, against the words typed so far — and it neither stores anything nor
// calls the breach checker.
func TestCheckPasswordJudgesAsRegisterWould(t *testing.T) {
	t.Parallel()
	var breachCalls atomic.Int32
	e := newEnv(t, func(d *accountuc.Deps) {
		d.Breach = breachFunc(func(context.Context, string) (bool, error) { breachCalls.Add(1); return true, nil })
	})
	check := func(pw string) accountuc.PasswordVerdict {
		v, err := e.app.CheckPassword.Handle(context.Background(), accountuc.CheckPassword{Password: pw,
			Email: "grace@example.com", Username: "gracehopper", DisplayName: "Grace Hopper"})
		require.NoError(t, err)
		return v
	}
	for _, pw := range []string{"short", "password1234", "aaaaaaaaaaaaaaaa", "GraceHopper-1234"} {
		v := check(pw)
		require.False(t, v.Acceptable, pw)
		require.NotEmpty(t, v.Problem, pw)
	}
	require.Contains(t, check("GraceHopper-1234").Problem, "username")
	good := check(goodPassword)
	require.True(t, good.Acceptable)
	require.GreaterOrEqual(t, good.Score, 3)
	require.Empty(t, good.Problem)
	require.Less(t, check("aaaaaaaaaaaaaaaa").Score, good.Score, "the meter moves with the strength")

	// Words not yet valid (a half-typed e-mail) are left out, not an error.
	v, err := e.app.CheckPassword.Handle(context.Background(), accountuc.CheckPassword{Password: goodPassword, Email: "grace@"})
	require.NoError(t, err)
	require.True(t, v.Acceptable)
	require.Zero(t, breachCalls.Load(), "no password leaves the hub while it is typed")
}
