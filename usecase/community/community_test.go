package community_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/hubtest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// The community use cases through the hub's own wiring (core.New) on SQLite.
type env struct {
	hub *core.Hub
	seq int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := hubtest.Config(t)
	cfg.RateLimits.Settings.Limit = ratelimit.Limit{Count: 1000, Period: time.Hour}
	hub, err := core.New(context.Background(), cfg, zap.NewNop(), core.WithDatabase(sqlitetest.Open(t)))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	return &env{hub: hub}
}

func (e *env) user(t *testing.T, adult bool) domain.ID {
	t.Helper()
	e.seq++
	name := fmt.Sprintf("user%d", e.seq)
	u, err := e.hub.Accounts.Register.Handle(context.Background(), accountuc.Register{Email: name + "@example.com", Username: name,
		DisplayName: name, Password: "plum-ferry-osmosis-42", ByAdmin: true})
	require.NoError(t, err)
	if adult {
		_, err = e.hub.Community.ConfirmAdult.Handle(context.Background(), community.ConfirmAdult{UserID: u.ID(), Adult: true})
		require.NoError(t, err)
	}
	return u.ID()
}

func (e *env) published(t *testing.T, owner domain.ID, name string, rating companion.ContentRating) domain.ID {
	t.Helper()
	ctx := context.Background()
	c, err := e.hub.Companions.Create.Handle(ctx, companionuc.Create{OwnerID: owner,
		Profile: companion.ProfileSpec{Name: name, Age: 30, ContentRating: rating}})
	require.NoError(t, err)
	_, err = e.hub.Community.Publish.Handle(ctx, community.Publish{OwnerID: owner, CompanionID: c.ID()})
	require.NoError(t, err)
	return c.ID()
}

func (e *env) names(t *testing.T, viewer community.Viewer, sort, cursor string, limit int) ([]string, string) {
	t.Helper()
	page, err := e.hub.Community.Browse.Handle(context.Background(), community.Browse{Viewer: viewer, Sort: sort, Cursor: cursor, Limit: limit})
	require.NoError(t, err)
	var out []string
	for _, l := range page.Items {
		out = append(out, l.Companion.Profile().Name())
	}
	return out, page.Next
}

// TestContentGate: visitors and people who have not confirmed they are adults see general-rated
// companions only — in lists and by id alike; a confirmed adult sees every rating.
func TestContentGate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	author := e.user(t, true)
	e.published(t, author, "Sunny", companion.RatingGeneral)
	noir := e.published(t, author, "Noir", companion.RatingExplicit)
	reader := e.user(t, false)
	for _, viewer := range []community.Viewer{{IP: "203.0.113.1"}, {UserID: reader, IP: "203.0.113.2"}} {
		got, _ := e.names(t, viewer, "", "", 0)
		require.Equal(t, []string{"Sunny"}, got)
		_, err := e.hub.Community.View.Handle(ctx, community.View{Viewer: viewer, CompanionID: noir})
		require.ErrorIs(t, err, community.ErrNotPublished)
		_, err = e.hub.Community.Clone.Handle(ctx, community.Clone{UserID: viewer.UserID, CompanionID: noir})
		require.Error(t, err)
	}
	_, err := e.hub.Community.ConfirmAdult.Handle(ctx, community.ConfirmAdult{UserID: reader, Adult: true})
	require.NoError(t, err)
	got, _ := e.names(t, community.Viewer{UserID: reader}, "", "", 0)
	require.Equal(t, []string{"Noir", "Sunny"}, got, "newest first")
	page, err := e.hub.Community.Browse.Handle(ctx, community.Browse{Viewer: community.Viewer{}, ContentRating: "explicit"})
	require.NoError(t, err)
	require.Empty(t, page.Items, "asking for what one may not see finds nothing")
}

// TestViewsAreCountedWithinTheLimit: five views an hour per address and companion count; the
// companion is still shown beyond them.
func TestViewsAreCountedWithinTheLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.published(t, e.user(t, true), "Sunny", companion.RatingGeneral)
	var last community.Viewed
	for range 7 {
		v, err := e.hub.Community.View.Handle(context.Background(), community.View{Viewer: community.Viewer{IP: "198.51.100.7"}, CompanionID: id})
		require.NoError(t, err)
		last = v
	}
	require.EqualValues(t, 5, last.Listing.Views)
	v, err := e.hub.Community.View.Handle(context.Background(), community.View{Viewer: community.Viewer{IP: "198.51.100.8"}, CompanionID: id})
	require.NoError(t, err)
	require.EqualValues(t, 6, v.Listing.Views, "another address counts")
}

// TestTrashAndPaging: a companion in the trash leaves the community and cannot be published;
// pages follow one another without gaps or repeats, and a cursor keeps to its sort.
func TestTrashAndPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	author := e.user(t, true)
	var ids []domain.ID
	for i := range 5 {
		ids = append(ids, e.published(t, author, fmt.Sprintf("C%d", i), companion.RatingGeneral))
	}
	var all []string
	cursor := ""
	for {
		page, next := e.names(t, community.Viewer{}, "newest", cursor, 2)
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, []string{"C4", "C3", "C2", "C1", "C0"}, all)
	_, next := e.names(t, community.Viewer{}, "newest", "", 2)
	_, err := e.hub.Community.Browse.Handle(ctx, community.Browse{Sort: "popular", Cursor: next})
	require.True(t, domain.IsKind(err, domain.KindInvalid), "a cursor belongs to its sort: %v", err)

	_, err = e.hub.Companions.Delete.Handle(ctx, companionuc.Delete{OwnerID: author, ID: ids[0]})
	require.NoError(t, err)
	got, _ := e.names(t, community.Viewer{}, "", "", 0)
	require.NotContains(t, got, "C0")
	_, err = e.hub.Community.Publish.Handle(ctx, community.Publish{OwnerID: author, CompanionID: ids[0]})
	require.ErrorIs(t, err, companion.ErrTrashed)
}

// TestCloneIsCountedAndLinked: a clone counts on its origin's page and remembers where it came
// from; a report and a rating need an account.
func TestCloneIsCountedAndLinked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.published(t, e.user(t, true), "Sunny", companion.RatingGeneral)
	reader := e.user(t, false)
	c, err := e.hub.Community.Clone.Handle(ctx, community.Clone{UserID: reader, CompanionID: id})
	require.NoError(t, err)
	require.Equal(t, reader, c.OwnerID())
	v, err := e.hub.Community.View.Handle(ctx, community.View{Viewer: community.Viewer{UserID: reader}, CompanionID: id})
	require.NoError(t, err)
	require.EqualValues(t, 1, v.Listing.Clones)
	_, err = e.hub.Community.Rate.Handle(ctx, community.Rate{CompanionID: id, Rating: 5})
	require.ErrorIs(t, err, community.ErrAccountNeeded)
	_, err = e.hub.Community.Report.Handle(ctx, community.ReportCompanion{CompanionID: id, Reason: "spam"})
	require.ErrorIs(t, err, community.ErrAccountNeeded)
}
