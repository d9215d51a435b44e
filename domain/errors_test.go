package domain_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
)

func TestKindNamesAreStableAndDistinct(t *testing.T) {
	t.Parallel()
	want := map[domain.Kind]string{
		domain.KindInternal: "internal", domain.KindInvalid: "invalid", domain.KindUnauthenticated: "unauthenticated",
		domain.KindForbidden: "forbidden", domain.KindNotFound: "not_found", domain.KindConflict: "conflict",
		domain.KindRateLimited: "rate_limited", domain.KindUnavailable: "unavailable",
	}
	require.Len(t, domain.Kinds(), len(want))
	for _, k := range domain.Kinds() {
		require.Equal(t, want[k], k.String())
	}
	require.Equal(t, "internal", domain.Kind(200).String())
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	sentinel := domain.E(domain.KindNotFound, "thing_not_found", "thing not found")
	cases := []struct {
		err  error
		want domain.Kind
	}{
		{errors.New("plain"), domain.KindInternal},
		{sentinel, domain.KindNotFound},
		{fmt.Errorf("load thing: %w", sentinel), domain.KindNotFound},
		{fmt.Errorf("call: %w", context.DeadlineExceeded), domain.KindUnavailable},
		{domain.Errorf(domain.KindConflict, "dup %d", 1), domain.KindConflict},
		{errors.Join(errors.New("x"), sentinel), domain.KindNotFound},
	}
	for _, c := range cases {
		require.Equal(t, c.want, domain.KindOf(c.err), "%v", c.err)
	}
}

func TestSentinelMatchesWrappedCopies(t *testing.T) {
	t.Parallel()
	sentinel := domain.E(domain.KindRateLimited, "login_locked", "locked")
	cause := errors.New("driver said no")
	wrapped := fmt.Errorf("login: %w", sentinel.Wrap(cause).WithRetryAfter(time.Minute))
	require.ErrorIs(t, wrapped, sentinel)
	require.ErrorIs(t, wrapped, cause)
	require.Equal(t, time.Minute, domain.AsError(wrapped).RetryAfter)
	require.Zero(t, sentinel.RetryAfter, "copies never change the sentinel")
	require.NotErrorIs(t, wrapped, domain.E(domain.KindRateLimited, "rate_limited", "other reason"))
}

func TestInvalidCollectsViolations(t *testing.T) {
	t.Parallel()
	require.NoError(t, domain.Invalid())
	a := domain.Invalid(domain.Violation("email", "format", "bad"))
	b := domain.Invalid(domain.Violation("username", "too_short", "short"), domain.Violation("x", "y", "z"))
	v := domain.Violations(errors.Join(a, fmt.Errorf("ctx: %w", b)))
	require.Equal(t, []string{"email", "username", "x"}, []string{v[0].Field, v[1].Field, v[2].Field})
	require.Equal(t, domain.KindInvalid, domain.KindOf(a))
	require.Contains(t, a.Error(), "email: format")
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	for _, k := range domain.Kinds() {
		require.Equal(t, k == domain.KindUnavailable || k == domain.KindRateLimited, k.Retryable(), k.String())
	}
}

func TestContextErrorSaysWhichEndAndKeepsTheCause(t *testing.T) {
	t.Parallel()
	cancelledErr := domain.E(domain.KindUnavailable, "x_cancelled", "cancelled")
	timedOutErr := domain.E(domain.KindUnavailable, "x_timeout", "took too long")

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	err := domain.ContextError(cancelled, cancelledErr, timedOutErr)
	require.ErrorIs(t, err, cancelledErr)
	require.NotErrorIs(t, err, timedOutErr)
	require.ErrorIs(t, err, context.Canceled)

	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	err = domain.ContextError(expired, cancelledErr, timedOutErr)
	require.ErrorIs(t, err, timedOutErr)
	require.NotErrorIs(t, err, cancelledErr)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
