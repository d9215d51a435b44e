// Package usagestoretest is the conformance suite of usecase/usage.Store, where counted usage and
// people's quota overrides are kept. Every implementation runs it:
//
//	func TestUsageStore(t *testing.T) {
//		usagestoretest.Run(t, func(t *testing.T) usagestoretest.Env { … })
//	}
package usagestoretest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/usage"
)

// Env is one store under test and the means to make and delete the people quotas belong to.
type Env struct {
	Store      usage.Store
	NewUser    func(t *testing.T) domain.ID
	DeleteUser func(t *testing.T, id domain.ID)
}

// Run runs the suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"AddAddsUpUnderEachKey":          testAdd,
		"ConcurrentAddsLoseNothing":      testConcurrentAdds,
		"EntriesAreWithinTheFilter":      testEntries,
		"UsedIsOnePersonsDay":            testUsed,
		"OverridesRoundTrip":             testOverrides,
		"OverridesNeedAPerson":           testOverridesUnknown,
		"OverridesGoWithTheirPerson":     testOverridesCascade,
		"NothingCountedIsNothingWritten": testEmpty,
		"AddDropsThePeopleWhoAreGone":    testGone,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

const day1, day2, day3 = usage.Day("2026-12-04"), usage.Day("2026-12-05"), usage.Day("2026-12-06")

func key(day usage.Day, user, companion string, kind usage.Kind, provider, model string) usage.Key {
	return usage.Key{Day: day, UserID: user, CompanionID: companion, Kind: kind, Provider: provider, Model: model}
}

func testAdd(t *testing.T, e Env) {
	ctx := context.Background()
	u1 := e.NewUser(t).String()
	k := key(day1, u1, "c1", usage.PromptTokens, "openai", "gpt")
	other := key(day1, u1, "c1", usage.PromptTokens, "openai", "gpt-other")
	require.NoError(t, e.Store.Add(ctx, []usage.Entry{{Key: k, Amount: 10}, {Key: other, Amount: 1}}))
	require.NoError(t, e.Store.Add(ctx, []usage.Entry{{Key: k, Amount: 5}}))
	got, err := e.Store.Entries(ctx, usage.Filter{From: day1, To: day1})
	require.NoError(t, err)
	require.Equal(t, []usage.Entry{{Key: k, Amount: 15}, {Key: other, Amount: 1}}, got)
}

func testConcurrentAdds(t *testing.T, e Env) {
	ctx := context.Background()
	u2 := e.NewUser(t).String()
	k := key(day2, u2, "", usage.Pictures, "a1111", "512x512")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			require.NoError(t, e.Store.Add(ctx, []usage.Entry{{Key: k, Amount: 1}}))
		})
	}
	wg.Wait()
	used, err := e.Store.Used(ctx, u2, day2)
	require.NoError(t, err)
	require.Equal(t, int64(20), used[usage.Pictures])
}

func testEntries(t *testing.T, e Env) {
	ctx := context.Background()
	u1, u2 := people(t, e)
	in := []usage.Entry{
		{Key: key(day3, u1, "", usage.SpeechCharacters, "tones", ""), Amount: 3},
		{Key: key(day1, u2, "c9", usage.EmbeddingTokens, "hash", "h"), Amount: 7},
		{Key: key(day2, u1, "c1", usage.TranscriptionSeconds, "whisper", ""), Amount: 12},
		{Key: key(day2, "", "", usage.CompletionTokens, "offline", "offline"), Amount: 1},
	}
	require.NoError(t, e.Store.Add(ctx, in))
	all, err := e.Store.Entries(ctx, usage.Filter{From: day1, To: day3})
	require.NoError(t, err)
	require.Equal(t, []usage.Entry{in[1], in[3], in[2], in[0]}, all, "by day, then person")
	mine, err := e.Store.Entries(ctx, usage.Filter{From: day2, To: day3, UserID: u1})
	require.NoError(t, err)
	require.Equal(t, []usage.Entry{in[2], in[0]}, mine)
	none, err := e.Store.Entries(ctx, usage.Filter{From: "2027-01-01", To: "2027-01-31"})
	require.NoError(t, err)
	require.Empty(t, none)
}

func testUsed(t *testing.T, e Env) {
	ctx := context.Background()
	u1, u2 := people(t, e)
	require.NoError(t, e.Store.Add(ctx, []usage.Entry{
		{Key: key(day1, u1, "c1", usage.PromptTokens, "openai", "a"), Amount: 10},
		{Key: key(day1, u1, "c2", usage.PromptTokens, "openai", "b"), Amount: 5},
		{Key: key(day1, u1, "c2", usage.CompletionTokens, "openai", "b"), Amount: 2},
		{Key: key(day2, u1, "c1", usage.PromptTokens, "openai", "a"), Amount: 100},
		{Key: key(day1, u2, "c1", usage.PromptTokens, "openai", "a"), Amount: 1000},
	}))
	used, err := e.Store.Used(ctx, u1, day1)
	require.NoError(t, err)
	require.Equal(t, map[usage.Kind]int64{usage.PromptTokens: 15, usage.CompletionTokens: 2}, used)
	used, err = e.Store.Used(ctx, "nobody", day1)
	require.NoError(t, err)
	require.Empty(t, used)
}

func n(v int64) *int64 { return &v }

// people are two people, the first's id sorting first.
func people(t *testing.T, e Env) (string, string) {
	a, b := e.NewUser(t).String(), e.NewUser(t).String()
	if b < a {
		a, b = b, a
	}
	return a, b
}

func testGone(t *testing.T, e Env) {
	ctx := context.Background()
	here, gone := e.NewUser(t), e.NewUser(t)
	e.DeleteUser(t, gone)
	require.NoError(t, e.Store.Add(ctx, []usage.Entry{
		{Key: key(day1, gone.String(), "", usage.PromptTokens, "openai", "gpt"), Amount: 9},
		{Key: key(day1, "not an id", "", usage.PromptTokens, "openai", "gpt"), Amount: 4},
		{Key: key(day1, here.String(), "", usage.PromptTokens, "openai", "gpt"), Amount: 1},
		{Key: key(day1, "", "", usage.PromptTokens, "openai", "gpt"), Amount: 2},
	}))
	all, err := e.Store.Entries(ctx, usage.Filter{From: day1, To: day1})
	require.NoError(t, err)
	require.ElementsMatch(t, []usage.Entry{
		{Key: key(day1, here.String(), "", usage.PromptTokens, "openai", "gpt"), Amount: 1},
		{Key: key(day1, "", "", usage.PromptTokens, "openai", "gpt"), Amount: 2},
	}, all, "the hub's own work is kept; an erased person's, or no one's, is not — and does not stop the rest")
}

func testOverrides(t *testing.T, e Env) {
	ctx := context.Background()
	u := e.NewUser(t)
	got, err := e.Store.Overrides(ctx, u)
	require.NoError(t, err)
	require.Equal(t, usage.Limits{}, got, "none at first")
	require.NoError(t, e.Store.SetOverrides(ctx, u, usage.Limits{Tokens: n(1000), Speech: n(0)}))
	got, err = e.Store.Overrides(ctx, u)
	require.NoError(t, err)
	require.Equal(t, usage.Limits{Tokens: n(1000), Speech: n(0)}, got, "0 is kept apart from none")
	require.NoError(t, e.Store.SetOverrides(ctx, u, usage.Limits{Pictures: n(3)}))
	got, err = e.Store.Overrides(ctx, u)
	require.NoError(t, err)
	require.Equal(t, usage.Limits{Pictures: n(3)}, got, "replaced, not merged")
	require.NoError(t, e.Store.SetOverrides(ctx, u, usage.Limits{}))
	got, err = e.Store.Overrides(ctx, u)
	require.NoError(t, err)
	require.Equal(t, usage.Limits{}, got)
}

func testOverridesUnknown(t *testing.T, e Env) {
	ctx := context.Background()
	for _, l := range []usage.Limits{{Tokens: n(1)}, {}} {
		err := e.Store.SetOverrides(ctx, domain.NewID(time.Now()), l)
		require.ErrorIs(t, err, usage.ErrNoSuchUser, "%+v", l)
	}
}

func testOverridesCascade(t *testing.T, e Env) {
	ctx := context.Background()
	u := e.NewUser(t)
	require.NoError(t, e.Store.SetOverrides(ctx, u, usage.Limits{Tokens: n(5)}))
	e.DeleteUser(t, u)
	got, err := e.Store.Overrides(ctx, u)
	require.NoError(t, err)
	require.Equal(t, usage.Limits{}, got)
}

func testEmpty(t *testing.T, e Env) {
	ctx := context.Background()
	require.NoError(t, e.Store.Add(ctx, nil))
	all, err := e.Store.Entries(ctx, usage.Filter{From: "2000-01-01", To: "2100-01-01"})
	require.NoError(t, err)
	require.Empty(t, all)
}
