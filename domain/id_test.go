package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
)

func TestNewIDIsVersion7AndRoundTrips(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	id := domain.NewID(now)
	s := id.String()
	require.Len(t, s, 36)
	require.Equal(t, byte('7'), s[14], "version nibble")
	require.Contains(t, "89ab", string(s[19]), "variant bits")
	back, err := domain.ParseID(strings.ToUpper(s))
	require.NoError(t, err)
	require.Equal(t, id, back)
	require.NotEqual(t, id, domain.NewID(now), "random part differs")
}

func TestIDsSortByCreationTime(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := domain.NewID(t0).String()
	for i := 1; i < 50; i++ {
		next := domain.NewID(t0.Add(time.Duration(i) * time.Millisecond)).String()
		require.Less(t, prev, next)
		prev = next
	}
}

func TestParseIDRejects(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "not-an-id", "00000000-0000-0000-0000-000000000000",
		"0193b4c2-7a1e-7c3d-9e2f-0123456789a", "0193b4c2x7a1e-7c3d-9e2f-0123456789ab", "0193b4c2-7a1e-7c3d-9e2f-0123456789ag"} {
		_, err := domain.ParseID(s)
		require.ErrorIs(t, err, domain.ErrInvalidID, s)
	}
	require.Equal(t, "", domain.ID{}.String())
	require.True(t, domain.ID{}.IsZero())
}

func FuzzParseID(f *testing.F) {
	f.Add("0193b4c2-7a1e-7c3d-9e2f-0123456789ab")
	f.Add("zzzz")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := domain.ParseID(s)
		if err != nil {
			return
		}
		require.True(t, strings.EqualFold(s, id.String()))
	})
}

// Not parallel: the generator is process-wide, and parallel tests with other clocks would interleave.
func TestIDsAreStrictlyIncreasingWithinOneMillisecond(t *testing.T) {
	now := time.Now()
	prev := domain.NewID(now).String()
	for range 10_000 {
		next := domain.NewID(now).String()
		require.Less(t, prev, next)
		require.Equal(t, byte('7'), next[14])
		require.Contains(t, "89ab", string(next[19]))
		prev = next
	}
	// A clock stepping back a little does not make ids go backwards…
	back := domain.NewID(now.Add(-10 * time.Millisecond)).String()
	require.Less(t, prev, back)
	// …but a large step is believed: the id carries the time it was made at.
	earlier := domain.NewID(now.Add(-time.Hour)).String()
	require.Less(t, earlier, prev)
}
