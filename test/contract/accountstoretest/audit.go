package accountstoretest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

func testAuditPagination(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)
	other := mustCreate(t, s, base)
	// 7 events, several sharing a timestamp, so the cursor must break ties by id.
	var want []audit.Event
	for i := range 7 {
		at := base.Add(time.Duration(i/3) * time.Second)
		e := audit.New(at, u.ID(), audit.ActionLoginSuccess, audit.ResourceSession, "", audit.Meta{IP: "192.0.2.7"})
		require.NoError(t, s.Audit().Append(ctx, e))
		want = append(want, e)
	}
	require.NoError(t, s.Audit().Append(ctx, audit.New(base, other.ID(), audit.ActionLogout, audit.ResourceSession, "", audit.Meta{})))

	var got []audit.Event
	page := domain.Page{Limit: 3}
	for range 10 {
		items, next, err := s.Audit().ListByActor(ctx, u.ID(), page)
		require.NoError(t, err)
		require.LessOrEqual(t, len(items), 3)
		got = append(got, items...)
		if next.IsZero() {
			break
		}
		page.After = next
	}
	require.Len(t, got, len(want))
	seen := map[domain.ID]bool{}
	for i, e := range got {
		require.False(t, seen[e.ID], "event listed twice")
		seen[e.ID] = true
		require.Equal(t, u.ID(), e.ActorID)
		if i > 0 {
			prev := got[i-1]
			require.False(t, e.At.After(prev.At), "newest first")
			if e.At.Equal(prev.At) {
				require.Less(t, e.ID.String(), prev.ID.String(), "ties ordered by id, descending")
			}
		}
	}
}

func testAuditDetails(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)
	e := audit.New(base, u.ID(), audit.ActionLoginFailure, audit.ResourceUser, u.ID().String(),
		audit.Meta{IP: "203.0.113.9", UserAgent: "curl/8.5"}).With("reason", "bad_credentials").With("note", "ünïcødé")
	require.NoError(t, s.Audit().Append(ctx, e))
	// Events with no identified actor are stored but belong to nobody's list.
	require.NoError(t, s.Audit().Append(ctx, audit.New(base, domain.ID{}, audit.ActionLoginFailure, audit.ResourceUser, "", audit.Meta{})))

	items, next, err := s.Audit().ListByActor(ctx, u.ID(), domain.Page{Limit: 10})
	require.NoError(t, err)
	require.True(t, next.IsZero())
	require.Len(t, items, 1)
	got := items[0]
	require.Equal(t, e.ID, got.ID)
	require.Equal(t, audit.ActionLoginFailure, got.Action)
	require.Equal(t, audit.ResourceUser, got.Resource)
	require.Equal(t, u.ID().String(), got.ResourceID)
	require.Equal(t, map[string]string{"reason": "bad_credentials", "note": "ünïcødé"}, got.Details)
	require.Equal(t, "203.0.113.9", got.IP)
	require.Equal(t, "curl/8.5", got.UserAgent)
	requireSameTime(t, base, got.At)
}
