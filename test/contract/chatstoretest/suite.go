// Package chatstoretest is the conformance suite for the chat store port (usecase/chat.Store).
package chatstoretest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// Env is an empty store private to a test, and a way to make a companion (with its owner) to talk to.
type Env struct {
	Store        chatuc.Store
	NewCompanion func(t *testing.T) (owner, companionID domain.ID)
}

// Run runs the suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"MessagesRoundTrip":      testMessagesRoundTrip,
		"OwnerScoping":           testOwnerScoping,
		"HistoryAndAlternatives": testHistory,
		"RecentWindow":           testRecent,
		"EditAndDelete":          testEditDelete,
		"OneReplyPerTurn":        testOneReplyPerTurn,
		"Turns":                  testTurns,
		"LeasesAndCancel":        testLeasesAndCancel,
		"IdempotencyUnderRace":   testIdempotencyRace,
		"IdempotencyKeys":        testIdempotencyKeys,
		"TransactionRollsBack":   testRollback,
		"ReplyOutlivesFailure":   testReplyOutlivesFailure,
		"ProgressNeverGoesBack":  testProgressNeverGoesBack,
		"ReplyDrafts":            testReplyDrafts,
		"CancelLeavesEndedTurns": testCancelLeavesEndedTurns,
		"Active":                 testActive,
		"KeysetTies":             testKeysetTies,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

var base = time.Date(2026, 5, 5, 10, 0, 0, 123456000, time.UTC)

func at(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

func userMsg(companionID domain.ID, i int, text string) chat.Message {
	return chat.Message{ID: domain.NewID(at(i)), CompanionID: companionID, Role: chat.RoleUser, Text: text,
		Selected: true, CreatedAt: at(i)}
}

func reply(companionID, replyTo, turn domain.ID, i int, text string, selected bool) chat.Message {
	scene := companion.Scene{Outfit: []string{"red dress"}, Location: "café", Action: "smiling", Mood: companion.MoodHappy}
	return chat.Message{ID: domain.NewID(at(i)), CompanionID: companionID, Role: chat.RoleAssistant, Text: text,
		ReplyTo: replyTo, TurnID: turn, Selected: selected, Scene: &scene, CreatedAt: at(i)}
}

// asked is a new owner's companion with one stored message, "q", to answer.
func asked(t *testing.T, e Env) (owner, companionID domain.ID, u chat.Message) {
	t.Helper()
	owner, companionID = e.NewCompanion(t)
	u = userMsg(companionID, 0, "q")
	mustCreate(t, e, u)
	return owner, companionID, u
}

func mustCreate(t *testing.T, e Env, msgs ...chat.Message) {
	t.Helper()
	for _, m := range msgs {
		require.NoError(t, e.Store.Messages().Create(context.Background(), m))
	}
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}

func sameMessage(t *testing.T, want, got chat.Message) {
	t.Helper()
	require.True(t, want.CreatedAt.Truncate(time.Microsecond).Equal(got.CreatedAt), "created")
	require.True(t, want.EditedAt.Truncate(time.Microsecond).Equal(got.EditedAt), "edited")
	want.CreatedAt, got.CreatedAt, want.EditedAt, got.EditedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	require.Equal(t, want, got)
}

// newTurn is a queued turn with no lease of its own (the store gives it a minute to be picked up).
// Every other one carries a client's sampling, which the store keeps whole.
func newTurn(owner, companionID, userMsg domain.ID, i int) chat.Turn {
	o := chat.Options{DeepThink: true, Image: true}
	if i%2 == 1 {
		temp, topP := 0.7, 0.95
		o.Sampling = chat.Sampling{MaxTokens: 300, Temperature: &temp, TopP: &topP, Stop: []string{"\nUser:", "###"}}
	}
	t, err := chat.HydrateTurn(chat.TurnRecord{ID: domain.NewID(at(i)), OwnerID: owner, CompanionID: companionID,
		UserMessageID: userMsg, Options: o, Status: chat.StatusQueued,
		CreatedAt: at(i), UpdatedAt: at(i)})
	if err != nil {
		panic(err)
	}
	return t
}

// editTurn is tr changed by fn as a copy held by another process could be: the store's guards
// are tested with turns the turn's own methods would refuse to make.
func editTurn(t *testing.T, tr chat.Turn, fn func(*chat.TurnRecord)) chat.Turn {
	t.Helper()
	r := tr.Record()
	fn(&r)
	got, err := chat.HydrateTurn(r)
	require.NoError(t, err)
	return got
}

func testMessagesRoundTrip(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c := e.NewCompanion(t)
	u := userMsg(c, 0, "Hello «there» 👋\nsecond line")
	u.Hidden = true
	mustCreate(t, e, u)
	tr := newTurn(owner, c, u.ID, 1)
	require.NoError(t, e.Store.Turns().Create(ctx, tr, chatuc.Idempotency{}))
	r := reply(c, u.ID, tr.ID(), 2, "Hi!", true)
	r.Image = media.Image{Key: media.NewKey(media.PNG), ContentType: media.PNG, Bytes: 4321, Width: 832, Height: 1216}
	r.PictureID = domain.NewID(at(2))
	mustCreate(t, e, r)

	got, err := e.Store.Messages().Get(ctx, owner, u.ID)
	require.NoError(t, err)
	sameMessage(t, u, got)
	got, err = e.Store.Messages().Get(ctx, owner, r.ID)
	require.NoError(t, err)
	sameMessage(t, r, got)
	got, err = e.Store.Messages().ByTurn(ctx, tr.ID())
	require.NoError(t, err)
	require.Equal(t, r.ID, got.ID)
	_, err = e.Store.Messages().ByTurn(ctx, domain.NewID(base))
	requireKind(t, err, domain.KindNotFound)

	// The scene snapshot keeps whether the person was there, for each alternative.
	tr2 := newTurn(owner, c, u.ID, 3)
	require.NoError(t, e.Store.Turns().Create(ctx, tr2, chatuc.Idempotency{}))
	there := reply(c, u.ID, tr2.ID(), 4, "Hi, in person!", false)
	there.Scene.UserPresent = true
	there.PictureRemoved = true // its picture was deleted from the gallery
	mustCreate(t, e, there)
	got, err = e.Store.Messages().Get(ctx, owner, there.ID)
	require.NoError(t, err)
	sameMessage(t, there, got)
	require.True(t, got.Scene.UserPresent)
	alts, err := e.Store.Messages().Alternatives(ctx, u.ID)
	require.NoError(t, err)
	require.Len(t, alts, 2)
	for _, m := range alts {
		require.Equal(t, m.ID == there.ID, m.Scene.UserPresent, "message %s", m.Text)
	}
}

func testOwnerScoping(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c := e.NewCompanion(t)
	stranger, _ := e.NewCompanion(t)
	u := userMsg(c, 0, "mine")
	mustCreate(t, e, u)
	_, err := e.Store.Messages().Get(ctx, stranger, u.ID)
	require.ErrorIs(t, err, chat.ErrMessageNotFound)
	tr := newTurn(owner, c, u.ID, 1)
	require.NoError(t, e.Store.Turns().Create(ctx, tr, chatuc.Idempotency{Key: "k1"}))
	_, err = e.Store.Turns().Get(ctx, stranger, tr.ID())
	require.ErrorIs(t, err, chat.ErrTurnNotFound)
	_, _, err = e.Store.Turns().ByIdempotencyKey(ctx, stranger, "k1")
	requireKind(t, err, domain.KindNotFound)
	requireKind(t, e.Store.Messages().Create(ctx, userMsg(domain.NewID(base), 2, "orphan")), domain.KindNotFound)
}

func testHistory(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c := e.NewCompanion(t)
	u1 := userMsg(c, 0, "first")
	t1 := newTurn(owner, c, u1.ID, 1)
	a := reply(c, u1.ID, t1.ID(), 2, "alt A", false)
	t2 := newTurn(owner, c, u1.ID, 3)
	b := reply(c, u1.ID, t2.ID(), 4, "alt B", true)
	hidden := userMsg(c, 5, "hidden instruction")
	hidden.Hidden = true
	u2 := userMsg(c, 6, "second")
	mustCreate(t, e, u1)
	require.NoError(t, e.Store.Turns().Create(ctx, t1, chatuc.Idempotency{}))
	require.NoError(t, e.Store.Turns().Create(ctx, t2, chatuc.Idempotency{}))
	mustCreate(t, e, a, b, hidden, u2)

	var got []chatuc.HistoryItem
	page := domain.Page{Limit: 2}
	for range 5 {
		items, next, err := e.Store.Messages().History(ctx, c, page)
		require.NoError(t, err)
		got = append(got, items...)
		if next.IsZero() {
			break
		}
		page.After = next
	}
	require.Len(t, got, 3, "user messages and the selected reply; no hidden ones")
	require.Equal(t, u2.ID, got[0].Message.ID)
	require.Equal(t, b.ID, got[1].Message.ID)
	require.Equal(t, 2, got[1].Alternatives)
	require.Equal(t, 2, got[1].Index)
	require.Equal(t, u1.ID, got[2].Message.ID)
	require.Equal(t, 1, got[2].Alternatives)

	alts, err := e.Store.Messages().Alternatives(ctx, u1.ID)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{a.ID, b.ID}, []domain.ID{alts[0].ID, alts[1].ID})
	require.NoError(t, e.Store.Messages().Select(ctx, u1.ID, a.ID))
	items, _, err := e.Store.Messages().History(ctx, c, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.Equal(t, a.ID, items[1].Message.ID)
	require.Equal(t, 1, items[1].Index)
	latest, err := e.Store.Messages().Latest(ctx, c)
	require.NoError(t, err)
	require.Equal(t, u2.ID, latest.ID)
}

func testRecent(t *testing.T, e Env) {
	ctx := context.Background()
	_, c := e.NewCompanion(t)
	var ids []domain.ID
	for i := range 7 {
		m := userMsg(c, i, fmt.Sprintf("m%d", i))
		m.Hidden = i == 3 // hidden ones are part of the conversation
		mustCreate(t, e, m)
		ids = append(ids, m.ID)
	}
	got, err := e.Store.Messages().Recent(ctx, c, domain.Cursor{}, 3)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{ids[6], ids[5], ids[4]}, []domain.ID{got[0].ID, got[1].ID, got[2].ID})
	got, err = e.Store.Messages().Recent(ctx, c, domain.Cursor{At: got[2].CreatedAt, ID: got[2].ID}, 10)
	require.NoError(t, err)
	require.Len(t, got, 4)
	require.Equal(t, ids[3], got[0].ID)
}

func testEditDelete(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c := e.NewCompanion(t)
	u := userMsg(c, 0, "typo")
	tr := newTurn(owner, c, u.ID, 1)
	mustCreate(t, e, u)
	require.NoError(t, e.Store.Turns().Create(ctx, tr, chatuc.Idempotency{}))
	r := reply(c, u.ID, tr.ID(), 2, "answer", true)
	r.PictureRemoved = true // an earlier picture was deleted: a new one shows again
	mustCreate(t, e, r)
	require.NoError(t, e.Store.Messages().UpdateText(ctx, u.ID, "fixed", at(3)))
	got, err := e.Store.Messages().Get(ctx, owner, u.ID)
	require.NoError(t, err)
	require.Equal(t, "fixed", got.Text)
	require.True(t, at(3).Equal(got.EditedAt))
	requireKind(t, e.Store.Messages().UpdateText(ctx, domain.NewID(base), "x", at(3)), domain.KindNotFound)

	img := media.Image{Key: media.NewKey(media.WebP), ContentType: media.WebP, Bytes: 1234, Width: 640, Height: 960}
	pictureID := domain.NewID(at(4))
	require.NoError(t, e.Store.Messages().SetImage(ctx, r.ID, pictureID, img))
	audio := media.NewKey(media.MP3)
	require.NoError(t, e.Store.Messages().SetAudio(ctx, r.ID, audio))
	got, err = e.Store.Messages().Get(ctx, owner, r.ID)
	require.NoError(t, err)
	require.Equal(t, img, got.Image)
	require.Equal(t, pictureID, got.PictureID, "the message names its gallery picture")
	require.False(t, got.PictureRemoved)
	require.Equal(t, audio, got.AudioKey)
	require.Equal(t, "answer", got.Text, "attaching media leaves the text")
	requireKind(t, e.Store.Messages().SetImage(ctx, domain.NewID(base), domain.NewID(base), img), domain.KindNotFound)
	requireKind(t, e.Store.Messages().SetAudio(ctx, domain.NewID(base), audio), domain.KindNotFound)

	require.NoError(t, e.Store.Messages().Delete(ctx, u.ID))
	_, err = e.Store.Messages().Get(ctx, owner, r.ID)
	require.ErrorIs(t, err, chat.ErrMessageNotFound, "a user message takes its replies with it")
	require.NoError(t, e.Store.Messages().Delete(ctx, u.ID), "deleting twice is fine")
}

func testOneReplyPerTurn(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, u := asked(t, e)
	tr := newTurn(owner, c, u.ID, 1)
	require.NoError(t, e.Store.Turns().Create(ctx, tr, chatuc.Idempotency{}))
	mustCreate(t, e, reply(c, u.ID, tr.ID(), 2, "once", true))
	requireKind(t, e.Store.Messages().Create(ctx, reply(c, u.ID, tr.ID(), 3, "twice", true)), domain.KindConflict)
}

func testTurns(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, u := asked(t, e)
	t1, t2 := newTurn(owner, c, u.ID, 1), newTurn(owner, c, u.ID, 2)
	require.NoError(t, e.Store.Turns().Create(ctx, t1, chatuc.Idempotency{Key: "key-1"}))
	require.NoError(t, e.Store.Turns().Create(ctx, t2, chatuc.Idempotency{}))
	require.ErrorIs(t, e.Store.Turns().Create(ctx, newTurn(owner, c, u.ID, 3), chatuc.Idempotency{Key: "key-1"}), chatuc.ErrDuplicateTurn)

	got, key, err := e.Store.Turns().ByIdempotencyKey(ctx, owner, "key-1")
	require.NoError(t, err)
	require.Equal(t, t1.ID(), got.ID())
	require.Equal(t, t1.Options(), got.Options(), "the client's sampling too")
	require.Equal(t, chatuc.Idempotency{Key: "key-1"}, key, "a key kept without a fingerprint has none")

	active, err := e.Store.Turns().Active(ctx, c, t1.ID())
	require.NoError(t, err)
	require.True(t, active)
	current, err := e.Store.Turns().Current(ctx, owner, c)
	require.NoError(t, err)
	require.Equal(t, t2.ID(), current.ID(), "the newest unfinished turn")
	_, err = e.Store.Turns().Current(ctx, domain.NewID(at(9)), c)
	require.ErrorIs(t, err, chat.ErrTurnNotFound, "another person's turn is not theirs to find")
	r := reply(c, u.ID, t1.ID(), 4, "done", true)
	mustCreate(t, e, r)
	t1 = editTurn(t, t1, func(x *chat.TurnRecord) {
		x.Status, x.Progress, x.ReplyID, x.UpdatedAt = chat.StatusCompleted, 100, r.ID, at(5)
	})
	require.NoError(t, e.Store.Turns().Update(ctx, t1))
	t2 = editTurn(t, t2, func(x *chat.TurnRecord) {
		x.Status, x.ErrorCode, x.ErrorMessage, x.UpdatedAt = chat.StatusFailed, "unavailable", "the model is down", at(5)
	})
	require.NoError(t, e.Store.Turns().Update(ctx, t2))
	got, err = e.Store.Turns().Get(ctx, owner, t1.ID())
	require.NoError(t, err)
	require.Equal(t, chat.StatusCompleted, got.Status())
	require.Equal(t, r.ID, got.ReplyID())
	got, err = e.Store.Turns().Load(ctx, t2.ID())
	require.NoError(t, err)
	require.Equal(t, "the model is down", got.Failure().Message)
	require.Equal(t, t2.Options(), got.Options(), "no sampling is none")
	active, err = e.Store.Turns().Active(ctx, c, domain.ID{})
	require.NoError(t, err)
	require.False(t, active)
	_, err = e.Store.Turns().Current(ctx, owner, c)
	require.ErrorIs(t, err, chat.ErrTurnNotFound, "every turn has ended")

	// An ended turn is never changed again: whoever records an outcome first wins.
	t2 = editTurn(t, t2, func(x *chat.TurnRecord) { x.Status, x.ErrorCode, x.ReplyID = chat.StatusCompleted, "", r.ID })
	require.ErrorIs(t, e.Store.Turns().Update(ctx, t2), chat.ErrTurnEnded)
	got, err = e.Store.Turns().Load(ctx, t2.ID())
	require.NoError(t, err)
	require.Equal(t, chat.StatusFailed, got.Status())

	requireKind(t, e.Store.Turns().Update(ctx, newTurn(owner, c, u.ID, 7)), domain.KindNotFound)
}

// Leases: an unfinished turn whose lease ran out is expired (its runner is gone) until a runner
// renews it; finished turns never are. Other tests' turns share the store, so only these are checked.
func testLeasesAndCancel(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, u := asked(t, e)
	leased := newTurn(owner, c, u.ID, 6)
	leased = editTurn(t, leased, func(x *chat.TurnRecord) { x.LeaseUntil = at(100) })
	fresh := newTurn(owner, c, u.ID, 7) // no lease given: a minute to be picked up
	done := newTurn(owner, c, u.ID, 8)
	for _, tr := range []chat.Turn{leased, fresh, done} {
		require.NoError(t, e.Store.Turns().Create(ctx, tr, chatuc.Idempotency{}))
	}
	done = editTurn(t, done, func(x *chat.TurnRecord) { x.Status, x.UpdatedAt = chat.StatusFailed, at(9) })
	require.NoError(t, e.Store.Turns().Update(ctx, done))

	expired := func(now time.Time) map[domain.ID]bool {
		t.Helper()
		turns, err := e.Store.Turns().Expired(ctx, now, 10000)
		require.NoError(t, err)
		ids := map[domain.ID]bool{}
		for _, tr := range turns {
			ids[tr.ID()] = true
		}
		return ids
	}
	got := expired(at(80))
	require.True(t, got[fresh.ID()], "a turn nobody picked up within a minute is expired")
	require.False(t, got[leased.ID()], "a turn within its lease is not")
	require.False(t, got[done.ID()], "a finished turn never is")

	require.NoError(t, e.Store.Turns().RequestCancel(ctx, leased.ID()))
	stop, err := e.Store.Turns().Renew(ctx, []domain.ID{fresh.ID(), done.ID(), leased.ID()}, at(100))
	require.NoError(t, err)
	require.Equal(t, []domain.ID{leased.ID()}, stop, "renewing tells which turns were asked to stop")
	stop, err = e.Store.Turns().Renew(ctx, []domain.ID{fresh.ID(), done.ID()}, at(200))
	require.NoError(t, err)
	require.Empty(t, stop)
	got = expired(at(150))
	require.False(t, got[fresh.ID()], "a renewed lease holds")
	require.True(t, got[leased.ID()])
	require.False(t, got[done.ID()])
	loaded, err := e.Store.Turns().Load(ctx, fresh.ID())
	require.NoError(t, err)
	require.True(t, loaded.LeaseUntil().Equal(at(200)), "lease %v", loaded.LeaseUntil())

	require.False(t, loaded.CancelRequested())
	require.NoError(t, e.Store.Turns().RequestCancel(ctx, fresh.ID()))
	loaded, err = e.Store.Turns().Load(ctx, fresh.ID())
	require.NoError(t, err)
	require.True(t, loaded.CancelRequested())
	requireKind(t, e.Store.Turns().RequestCancel(ctx, domain.NewID(at(1))), domain.KindNotFound)
	stop, err = e.Store.Turns().Renew(ctx, nil, at(300))
	require.NoError(t, err)
	require.Empty(t, stop)
}

// Identical sends race: exactly one turn is created, the others learn its key is taken.
func testIdempotencyRace(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c := e.NewCompanion(t)
	const racers = 20
	var wg sync.WaitGroup
	var created, dup atomic.Int64
	errs := make(chan error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := e.Store.InTx(ctx, func(r chatuc.Repos) error {
				u := userMsg(c, 100+i, "same")
				if err := r.Messages().Create(ctx, u); err != nil {
					return err
				}
				return r.Turns().Create(ctx, newTurn(owner, c, u.ID, 100+i), chatuc.Idempotency{Key: "race-key"})
			})
			switch {
			case err == nil:
				created.Add(1)
			case errors.Is(err, chatuc.ErrDuplicateTurn):
				dup.Add(1)
			default:
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, created.Load())
	require.EqualValues(t, racers-1, dup.Load())
	items, _, err := e.Store.Messages().History(ctx, c, domain.Page{Limit: 100})
	require.NoError(t, err)
	require.Len(t, items, 1, "the losers' messages were rolled back with their turns")
}

func testRollback(t *testing.T, e Env) {
	ctx := context.Background()
	_, c := e.NewCompanion(t)
	u := userMsg(c, 0, "gone")
	boom := errors.New("boom")
	err := e.Store.InTx(ctx, func(r chatuc.Repos) error {
		require.NoError(t, r.Messages().Create(ctx, u))
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err := e.Store.Messages().Recent(ctx, c, domain.Cursor{}, 10)
	require.NoError(t, err)
	require.Empty(t, got)

}
