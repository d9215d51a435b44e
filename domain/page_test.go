package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
)

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 12, 30, 45, 123456000, time.UTC)
	c := domain.Cursor{At: at, ID: domain.NewID(at)}
	back, err := domain.ParseCursor(c.String())
	require.NoError(t, err)
	require.Equal(t, c.ID, back.ID)
	require.True(t, c.At.Equal(back.At))
	zero, err := domain.ParseCursor("")
	require.NoError(t, err)
	require.True(t, zero.IsZero())
	require.Equal(t, "", domain.Cursor{}.String())
}

func TestNewPageValidates(t *testing.T) {
	t.Parallel()
	p, err := domain.NewPage("", 0)
	require.NoError(t, err)
	require.Equal(t, domain.DefaultPageLimit, p.Limit)
	for _, l := range []int{-1, domain.MaxPageLimit + 1} {
		_, err := domain.NewPage("", l)
		require.Equal(t, domain.KindInvalid, domain.KindOf(err))
	}
	_, err = domain.NewPage("%%%", 10)
	require.Equal(t, "cursor", domain.Violations(err)[0].Field)
}

func TestPaginate(t *testing.T) {
	t.Parallel()
	pos := func(i int) domain.Cursor { return domain.Cursor{ID: domain.NewID(time.UnixMilli(int64(i)))} }
	items, next := domain.Paginate([]int{1, 2, 3}, domain.Page{Limit: 3}, pos)
	require.Equal(t, []int{1, 2, 3}, items)
	require.True(t, next.IsZero(), "no extra item fetched: last page")
	items, next = domain.Paginate([]int{1, 2, 3, 4}, domain.Page{Limit: 3}, pos)
	require.Equal(t, []int{1, 2, 3}, items)
	require.False(t, next.IsZero())
}
