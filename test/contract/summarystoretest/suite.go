// Package summarystoretest is the conformance suite for the summary store port
// (usecase/summary.Store). Every implementation runs it:
//
//	summarystoretest.Run(t, func(t *testing.T) summarystoretest.Env { … })
//
// A summary tells of a companion's messages, and goes stale when one of them changes, whichever
// way it changes; so the Env carries the chat store over the same database, which changes them.
package summarystoretest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/summary"
)

// Env is an empty summary store private to a test, with what its summaries refer to.
type Env struct {
	Store summary.Store
	// Chat stores the messages summaries tell of.
	Chat chatuc.Store
	// NewCompanion makes a user and a companion of theirs.
	NewCompanion func(t *testing.T) (owner, companionID domain.ID)
}

// Run runs the suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"NoneUntilSaved":                   testNone,
		"SaveReplacesAndKeepsEverything":   testRoundTrip,
		"OwnerScoping":                     testOwnerScoping,
		"EditOfAToldMessageMakesItStale":   testEditStale,
		"DeleteOfAToldMessageMakesItStale": testDeleteStale,
		"OtherAlternativeMakesItStale":     testSelectStale,
		"NewerMessagesLeaveItFresh":        testNewerFresh,
		"SavingAgainMakesItFresh":          testFreshAgain,
		"CompanionDeletionTakesIt":         testCompanionDeletion,
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

// conversation stores n messages of the companion a second apart from at(0), a person's and a
// reply in turn (each reply answering the message before it), and returns them oldest first.
func conversation(t *testing.T, e Env, companionID domain.ID, n int) []chat.Message {
	t.Helper()
	out := make([]chat.Message, n)
	for i := range out {
		m := chat.Message{ID: domain.NewID(at(i)), CompanionID: companionID, Role: chat.RoleUser,
			Text: fmt.Sprintf("message %d", i), Selected: true, CreatedAt: at(i)}
		if i%2 == 1 {
			m.Role, m.ReplyTo = chat.RoleAssistant, out[i-1].ID
		}
		require.NoError(t, e.Chat.Messages().Create(context.Background(), m))
		out[i] = m
	}
	return out
}

// through is a summary of owner's companion telling of the messages up to m.
func through(owner, companionID domain.ID, m chat.Message, text string) summary.Summary {
	return summary.Summary{OwnerID: owner, CompanionID: companionID, Text: text,
		Through: domain.Cursor{At: m.CreatedAt, ID: m.ID}, Messages: 3, UpdatedAt: at(100)}
}

func mustSave(t *testing.T, e Env, s summary.Summary) {
	t.Helper()
	require.NoError(t, e.Store.Save(context.Background(), s))
}

func mustGet(t *testing.T, e Env, owner, companionID domain.ID) summary.Summary {
	t.Helper()
	s, ok, err := e.Store.Get(context.Background(), owner, companionID)
	require.NoError(t, err)
	require.True(t, ok, "the companion has a summary")
	return s
}

func testNone(t *testing.T, e Env) {
	owner, c := e.NewCompanion(t)
	_, ok, err := e.Store.Get(context.Background(), owner, c)
	require.NoError(t, err)
	require.False(t, ok)
}

func testRoundTrip(t *testing.T, e Env) {
	owner, c := e.NewCompanion(t)
	msgs := conversation(t, e, c, 4)
	first := through(owner, c, msgs[1], `Mira met Alex at the café — "twice" ☕`)
	mustSave(t, e, first)
	require.Equal(t, first, mustGet(t, e, owner, c))

	second := through(owner, c, msgs[3], "Later, they walked by the river.")
	second.Messages, second.UpdatedAt = 9, at(200)
	mustSave(t, e, second)
	require.Equal(t, second, mustGet(t, e, owner, c), "one summary a companion: the new one replaces it")
}

func testOwnerScoping(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c := e.NewCompanion(t)
	stranger, theirs := e.NewCompanion(t)
	msgs := conversation(t, e, c, 2)
	mine := through(owner, c, msgs[1], "Mine.")
	mustSave(t, e, mine)

	_, ok, err := e.Store.Get(ctx, stranger, c)
	require.NoError(t, err)
	require.False(t, ok, "another's companion's summary is none")
	stolen := through(stranger, c, msgs[1], "Overwritten by a stranger.")
	require.Equal(t, domain.KindNotFound.String(), domain.KindOf(e.Store.Save(ctx, stolen)).String(),
		"saving for a companion that is not the owner's")
	require.Equal(t, mine, mustGet(t, e, owner, c), "and it changed nothing")
	unknown := through(owner, domain.NewID(at(0)), msgs[1], "Of nobody.")
	require.Equal(t, domain.KindNotFound.String(), domain.KindOf(e.Store.Save(ctx, unknown)).String())
	_, ok, err = e.Store.Get(ctx, stranger, theirs)
	require.NoError(t, err)
	require.False(t, ok)
}

// staleAfter saves a summary through msgs[through] and reports whether change made it stale.
func staleAfter(t *testing.T, e Env, n, upTo int, change func(r chatuc.Repos, msgs []chat.Message) error) bool {
	t.Helper()
	owner, c := e.NewCompanion(t)
	msgs := conversation(t, e, c, n)
	mustSave(t, e, through(owner, c, msgs[upTo], "So far."))
	require.False(t, mustGet(t, e, owner, c).Stale)
	require.NoError(t, e.Chat.InTx(context.Background(), func(r chatuc.Repos) error { return change(r, msgs) }))
	return mustGet(t, e, owner, c).Stale
}

func testEditStale(t *testing.T, e Env) {
	ctx := context.Background()
	edit := func(i int) func(chatuc.Repos, []chat.Message) error {
		return func(r chatuc.Repos, msgs []chat.Message) error {
			return r.Messages().UpdateText(ctx, msgs[i].ID, "changed", at(50))
		}
	}
	require.True(t, staleAfter(t, e, 6, 3, edit(0)), "an edit of the first message told")
	require.True(t, staleAfter(t, e, 6, 3, edit(3)), "an edit of the last message told")
	require.False(t, staleAfter(t, e, 6, 3, edit(4)), "an edit of a message after it")
	require.False(t, staleAfter(t, e, 6, 3, func(r chatuc.Repos, msgs []chat.Message) error {
		return r.Messages().UpdateText(ctx, msgs[1].ID, msgs[1].Text, at(50))
	}), "the same text again changes nothing it told")
}

func testDeleteStale(t *testing.T, e Env) {
	ctx := context.Background()
	del := func(i int) func(chatuc.Repos, []chat.Message) error {
		return func(r chatuc.Repos, msgs []chat.Message) error { return r.Messages().Delete(ctx, msgs[i].ID) }
	}
	require.True(t, staleAfter(t, e, 6, 3, del(2)))
	require.False(t, staleAfter(t, e, 6, 3, del(5)))
}

func testSelectStale(t *testing.T, e Env) {
	ctx := context.Background()
	alternative := func(i int) func(chatuc.Repos, []chat.Message) error {
		return func(r chatuc.Repos, msgs []chat.Message) error {
			alt := chat.Message{ID: domain.NewID(at(60)), CompanionID: msgs[i].CompanionID, Role: chat.RoleAssistant,
				Text: "another reply", ReplyTo: msgs[i].ReplyTo, CreatedAt: msgs[i].CreatedAt}
			if err := r.Messages().Create(ctx, alt); err != nil {
				return err
			}
			return r.Messages().Select(ctx, alt.ReplyTo, alt.ID)
		}
	}
	require.True(t, staleAfter(t, e, 6, 3, alternative(1)), "another alternative of a reply it told of shown")
	require.False(t, staleAfter(t, e, 6, 3, alternative(5)), "of a reply after it")
}

func testNewerFresh(t *testing.T, e Env) {
	owner, c := e.NewCompanion(t)
	msgs := conversation(t, e, c, 3)
	mustSave(t, e, through(owner, c, msgs[2], "So far."))
	more := chat.Message{ID: domain.NewID(at(10)), CompanionID: c, Role: chat.RoleUser, Text: "and then",
		Selected: true, CreatedAt: at(10)}
	require.NoError(t, e.Chat.Messages().Create(context.Background(), more))
	require.False(t, mustGet(t, e, owner, c).Stale)
}

func testFreshAgain(t *testing.T, e Env) {
	require.True(t, staleAfter(t, e, 4, 3, func(r chatuc.Repos, msgs []chat.Message) error {
		return r.Messages().Delete(context.Background(), msgs[3].ID)
	}))
	owner, c := e.NewCompanion(t)
	msgs := conversation(t, e, c, 2)
	mustSave(t, e, through(owner, c, msgs[1], "Old."))
	require.NoError(t, e.Chat.Messages().Delete(context.Background(), msgs[1].ID))
	require.True(t, mustGet(t, e, owner, c).Stale)
	mustSave(t, e, through(owner, c, msgs[0], "Made again."))
	got := mustGet(t, e, owner, c)
	require.False(t, got.Stale, "a saved summary is fresh")
	require.Equal(t, "Made again.", got.Text)
}

func testCompanionDeletion(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c := e.NewCompanion(t)
	msgs := conversation(t, e, c, 2)
	mustSave(t, e, through(owner, c, msgs[1], "Gone soon."))
	require.NoError(t, e.Chat.Companions().Delete(ctx, c))
	_, ok, err := e.Store.Get(ctx, owner, c)
	require.NoError(t, err)
	require.False(t, ok)
}
