// Package userdatastoretest is the conformance suite of usecase/userdata.Store, the store that
// deletes a person whole. Every implementation runs it:
//
//	func TestUserDataStore(t *testing.T) {
//		userdatastoretest.Run(t, func(t *testing.T) userdatastoretest.Env { … })
//	}
//
// The harness fills the store with a person who used every feature, beside another who shares
// with them (ratings both ways), and says where an id still appears in the storage — every
// table and column — so the suite proves that nothing of the erased person remains.
package userdatastoretest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/userdata"
)

// Person is someone the harness made, and what is theirs.
type Person struct {
	ID domain.ID
	// LockoutSubject prefixes the keys of their login lockouts (account.LockoutSubject).
	LockoutSubject string
	// Files are the stored files their rows name.
	Files []media.Key
	// Published is a companion of theirs in the community; Rated one of someone else's they rated.
	Published, Rated domain.ID
}

// Env is one store under test and its harness.
type Env struct {
	Store userdata.Store
	// Populate makes two people who used every feature — sessions, tokens, companions with
	// conversations, memories, summaries, schedules and their runs, pictures, preferences,
	// notifications, failed logins, a publication each, each rating and reporting the other's, each in
	// the other's room with a companion of theirs.
	Populate func(t *testing.T) (Person, Person)
	// Mentions lists where id still appears in the storage: "table.column" for every value that
	// contains it, whatever the column.
	Mentions func(t *testing.T, id domain.ID) []string
	// RatingCount is how many ratings a published companion's totals say it has.
	RatingCount func(t *testing.T, companionID domain.ID) int
}

// Run runs the suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"EraseLeavesNothingOfThePerson": testEraseLeavesNothing,
		"EraseOfNobodyIsNotFound":       testEraseNobody,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

func keys(ks []media.Key) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.String()
	}
	slices.Sort(out)
	return out
}

func testEraseLeavesNothing(t *testing.T, e Env) {
	ctx := context.Background()
	ada, bea := e.Populate(t)
	require.NotEmpty(t, e.Mentions(t, ada.ID), "the harness made something to erase")
	require.NotEmpty(t, ada.Files, "the harness stored files")
	require.Equal(t, 1, e.RatingCount(t, ada.Rated), "ada rated bea's companion")
	before := e.Mentions(t, bea.ID)
	listed, err := e.Store.Files(ctx, ada.ID)
	require.NoError(t, err)
	var listedKeys []media.Key
	for i, it := range listed {
		require.Equal(t, ada.ID, it.OwnerID)
		if i > 0 {
			require.False(t, it.CreatedAt.Before(listed[i-1].CreatedAt), "oldest first")
		}
		listedKeys = append(listedKeys, it.Key)
	}
	require.Equal(t, keys(ada.Files), keys(listedKeys), "Files lists every file of theirs, and only theirs")
	var files []media.Key

	files, err = e.Store.Erase(ctx, ada.ID, ada.LockoutSubject)
	require.NoError(t, err)
	require.Equal(t, keys(ada.Files), keys(files), "every file of theirs, and only theirs")
	require.Empty(t, e.Mentions(t, ada.ID), "nothing of the erased person remains")
	// Of their companion, only what other people did to it stays, in their own audit trails (bea
	// reported it): whatever else a row is keyed by, it is gone.
	for _, where := range e.Mentions(t, ada.Published) {
		require.True(t, strings.HasPrefix(where, "audit_events."), "their companion remains in %s", where)
	}
	require.Equal(t, 0, e.RatingCount(t, ada.Rated), "what they rated is recounted without them")
	after := e.Mentions(t, bea.ID)
	require.NotEmpty(t, after, "the other person is still there")
	require.Subset(t, before, after, "the other person keeps what is theirs (less what they did to the erased person's companion)")
	require.Equal(t, 0, e.RatingCount(t, bea.Rated), "the erased person's companion went, with the ratings it had")

	_, err = e.Store.Erase(ctx, ada.ID, ada.LockoutSubject)
	require.True(t, domain.IsKind(err, domain.KindNotFound), "erased once: %v", err)
}

func testEraseNobody(t *testing.T, e Env) {
	_, err := e.Store.Erase(context.Background(), domain.NewID(time.Now()), "user:nobody")
	require.True(t, domain.IsKind(err, domain.KindNotFound), "%v", err)
}
