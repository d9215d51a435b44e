// Package memorystoretest is the conformance suite for the memory store port
// (usecase/memory.Store). Every implementation runs it:
//
//	memorystoretest.Run(t, func(t *testing.T) memorystoretest.Env { … })
//
// A memory belongs to a companion of a user, so the Env carries the store that makes companions,
// over the same database, and ways to make and delete users.
package memorystoretest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/test/contract/porttest"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// Env is an empty memory store private to a test, with what its memories refer to.
type Env struct {
	Store memoryuc.Store
	// Companions makes the companions memories belong to, and deletes them for good (the purge).
	Companions companionuc.Store
	// NewOwner makes a user; DeleteOwner deletes one for good (as closing an account would).
	NewOwner    func(t *testing.T) domain.ID
	DeleteOwner func(t *testing.T, owner domain.ID)
}

// Run runs the suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"RoundTripKeepsEverything":    testRoundTrip,
		"UpdateSavesWhatItSays":       testUpdate,
		"OwnerScoping":                testOwnerScoping,
		"CreateNeedsTheOwnCompanion":  testCreateCompanion,
		"ListPagesNewestFirst":        testListPages,
		"ListFilters":                 testListFilters,
		"ByKey":                       testByKey,
		"ByIDs":                       testByIDs,
		"DuplicatesConflict":          testDuplicates,
		"SearchAnyWord":               testSearchAnyWord,
		"SearchRanksAndLimits":        testSearchRanks,
		"SearchHostileQueries":        testSearchHostile,
		"SearchNothingToSearch":       testSearchNothing,
		"SearchFollowsEdits":          testSearchFollowsEdits,
		"PinnedAndRecent":             testPinnedRecent,
		"MarkRecalled":                testMarkRecalled,
		"Wipe":                        testWipe,
		"NearestInOrder":              testNearestOrder,
		"NearestScoped":               testNearestScoped,
		"NearestFollowsChanges":       testNearestChanges,
		"NearestAmongMany":            testNearestMany,
		"CompanionDeletionCascades":   testCompanionDeletion,
		"OwnerDeletionCascades":       testOwnerDeletion,
		"DeleteRemovesOnlyThatMemory": testDelete,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

// base has microseconds, the precision every store keeps.
var base = time.Date(2026, 6, 7, 8, 9, 10, 654321000, time.UTC)

func at(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

var seq atomic.Int64

// newCompanion makes a companion of owner's.
func newCompanion(t *testing.T, e Env, owner domain.ID) domain.ID {
	t.Helper()
	return porttest.StoreCompanion(t, e.Companions, owner, companion.ProfileSpec{Name: fmt.Sprintf("Confidant %d", seq.Add(1))}, base).ID()
}

// newMemory is a valid memory of owner's companion saying text, made at createdAt, learnt from
// sources.
func newMemory(t *testing.T, owner, companionID domain.ID, text string, cat memory.Category, createdAt time.Time,
	sources ...domain.ID) memory.Memory {
	t.Helper()
	m, err := memory.New(domain.NewID(createdAt), owner, companionID,
		memory.Spec{Text: text, Category: cat, Importance: 5}, sources, createdAt)
	require.NoError(t, err)
	return m
}

// remember stores memories of owner's companion saying texts, made a second apart from at(0), and
// returns them in that order.
func remember(t *testing.T, e Env, owner, companionID domain.ID, texts ...string) []memory.Memory {
	t.Helper()
	out := make([]memory.Memory, len(texts))
	for i, text := range texts {
		out[i] = newMemory(t, owner, companionID, text, memory.PersonalFact, at(i))
		mustCreate(t, e, out[i])
	}
	return out
}

func mustCreate(t *testing.T, e Env, ms ...memory.Memory) {
	t.Helper()
	for _, m := range ms {
		require.NoError(t, e.Store.Create(context.Background(), m))
	}
}

func mustGet(t *testing.T, e Env, owner, id domain.ID) memory.Memory {
	t.Helper()
	m, err := e.Store.Get(context.Background(), owner, id)
	require.NoError(t, err)
	return m
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}

// requireNotFound checks the store's answer for an absent or another owner's memory or companion.
func requireNotFound(t *testing.T, err error) {
	t.Helper()
	require.ErrorIs(t, err, memory.ErrNotFound)
	requireKind(t, err, domain.KindNotFound)
}

// requireSame compares two memories field by field, the times at microsecond precision.
func requireSame(t *testing.T, want, got memory.Memory) {
	t.Helper()
	for _, tm := range []struct {
		name      string
		want, got *time.Time
	}{{"created", &want.CreatedAt, &got.CreatedAt}, {"updated", &want.UpdatedAt, &got.UpdatedAt},
		{"last recalled", &want.LastRecalled, &got.LastRecalled}} {
		require.True(t, tm.want.Truncate(time.Microsecond).Equal(*tm.got), "%s: want %v, got %v", tm.name, *tm.want, *tm.got)
		*tm.want, *tm.got = time.Time{}, time.Time{}
	}
	require.Equal(t, want, got)
}

// ids are the memories' ids, in order.
func ids(ms []memory.Memory) []domain.ID {
	out := make([]domain.ID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// scoredIDs are the found memories' ids, in order.
func scoredIDs(ss []memoryuc.Scored) []domain.ID {
	out := make([]domain.ID, len(ss))
	for i, s := range ss {
		out[i] = s.Memory.ID
	}
	return out
}

// sorted is ids in a fixed order, to compare sets.
func sorted(in []domain.ID) []domain.ID {
	out := slices.Clone(in)
	slices.SortFunc(out, compareIDs)
	return out
}

// compareIDs orders ids as the stores do: by their bytes, which their text's order is.
func compareIDs(a, b domain.ID) int { return strings.Compare(a.String(), b.String()) }

// newestFirst is ms ordered as a list reads them: newest first, equal times by id, descending.
func newestFirst(ms []memory.Memory) []memory.Memory {
	out := slices.Clone(ms)
	slices.SortFunc(out, func(a, b memory.Memory) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return compareIDs(b.ID, a.ID)
	})
	return out
}

// all reads every page of f's memories at limit per page, checking each page's size and that only
// the last one ends with the zero cursor.
func all(t *testing.T, e Env, f memory.Filter, limit int) []memory.Memory {
	t.Helper()
	var out []memory.Memory
	page := domain.Page{Limit: limit}
	for range 100 {
		got, next, err := e.Store.List(context.Background(), f, page)
		require.NoError(t, err)
		require.LessOrEqual(t, len(got), limit)
		out = append(out, got...)
		if next.IsZero() {
			return out
		}
		require.Len(t, got, limit, "a page before the last is full")
		require.Equal(t, got[len(got)-1].Cursor(), next, "the next page starts after this one's last")
		page.After = next
	}
	t.Fatal("List never returned the last page")
	return nil
}
