package ratelimit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

func TestParseLimitRoundTrips(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"5/15m": "5/15m", "3/24h": "3/24h", " 30 / 1m ": "30/1m", "10/90s": "10/90s",
		"2/1500ms": "2/1.5s", "1/1h30m": "1/90m"} {
		l, err := ratelimit.ParseLimit(in)
		require.NoError(t, err, in)
		require.Equal(t, want, l.String())
		back, err := ratelimit.ParseLimit(l.String())
		require.NoError(t, err)
		require.Equal(t, l, back)
	}
	for _, bad := range []string{"", "5", "x/1m", "5/x", "0/1m", "-1/1m", "5/0s", "5/1us", "2000/1ms"} {
		_, err := ratelimit.ParseLimit(bad)
		require.Error(t, err, bad)
	}
	require.Equal(t, 3*time.Minute, ratelimit.Limit{Count: 5, Period: 15 * time.Minute}.Interval())
}

type limiterFunc func(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error)

func (f limiterFunc) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	return f(ctx, key, l)
}

func TestGuard(t *testing.T) {
	t.Parallel()
	var keys []string
	var down bool
	var reported []string
	g := ratelimit.NewGuard(limiterFunc(func(_ context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
		keys = append(keys, key)
		if down {
			return ratelimit.Decision{}, domain.Errorf(domain.KindUnavailable, "store down")
		}
		if l.Count == 1 {
			return ratelimit.Decision{Allowed: false, RetryAfter: 42 * time.Second}, nil
		}
		return ratelimit.Decision{Allowed: true, Remaining: l.Count - 1}, nil
	}), func(_ context.Context, rule string, err error) { reported = append(reported, rule) })

	open := ratelimit.Rule{Name: "reads", Limit: ratelimit.Limit{Count: 5, Period: time.Minute}, FailOpen: true}
	closed := ratelimit.Rule{Name: "login", Limit: ratelimit.Limit{Count: 5, Period: time.Minute}}
	require.NoError(t, g.Check(context.Background(), closed, "203.0.113.1", "alice@example.com"))
	require.Len(t, keys, 1)
	require.Regexp(t, `^login:[0-9a-f]{32}$`, keys[0])
	require.NotContains(t, keys[0], "alice", "subjects are digested")

	err := g.Check(context.Background(), ratelimit.Rule{Name: "tight", Limit: ratelimit.Limit{Count: 1, Period: time.Minute}}, "x")
	require.ErrorIs(t, err, ratelimit.ErrLimited)
	require.Equal(t, 42*time.Second, domain.AsError(err).RetryAfter)

	down = true
	require.NoError(t, g.Check(context.Background(), open, "x"), "fail open")
	err = g.Check(context.Background(), closed, "x")
	require.ErrorIs(t, err, ratelimit.ErrStoreDown)
	require.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	require.Equal(t, []string{"reads", "login"}, reported)

	require.NotEqual(t, ratelimit.Key("a", "b", "c"), ratelimit.Key("a", "bc"), "subject parts are separated")
	var nilGuard *ratelimit.Guard
	require.NoError(t, nilGuard.Check(context.Background(), closed, "x"))
	require.False(t, errors.Is(nil, ratelimit.ErrLimited))
}

// TestKeyCountsAnIPv6AddressAsItsNetwork: the addresses of one IPv6 /64 share a key (a client picks
// any of them at will); other /64s, IPv4 addresses (mapped or not) and other subjects keep theirs.
func TestKeyCountsAnIPv6AddressAsItsNetwork(t *testing.T) {
	t.Parallel()
	key := func(s ...string) string { return ratelimit.Key("login_ip", s...) }
	require.Equal(t, key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:abcd:1234:5678"))
	require.Equal(t, key("2001:db8:1:2::1", "ada"), key("2001:db8:1:2::9", "ada"))
	require.NotEqual(t, key("2001:db8:1:2::1"), key("2001:db8:1:3::1"))
	require.NotEqual(t, key("203.0.113.7"), key("203.0.113.8"))
	require.Equal(t, "2001:db8:1:2::/64", ratelimit.Network("2001:db8:1:2:3:4:5:6"))
	require.Equal(t, "::ffff:203.0.113.7", ratelimit.Network("::ffff:203.0.113.7"), "an IPv4 address stays itself")
	require.Equal(t, "203.0.113.7", ratelimit.Network("203.0.113.7"))
	require.Equal(t, "01941f29-7c00-7000-8000-000000000002", ratelimit.Network("01941f29-7c00-7000-8000-000000000002"))
}
