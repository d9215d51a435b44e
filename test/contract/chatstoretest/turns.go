package chatstoretest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// A turn whose reply was saved completed, whatever went wrong after: it cannot end failed or
// cancelled, and a stale copy of it (read before the reply was saved) does not unset the reply.
func testReplyOutlivesFailure(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, u := asked(t, e)
	tr := newTurn(owner, c, u.ID, 1)
	require.NoError(t, e.Store.Turns().Create(ctx, tr, chatuc.Idempotency{}))
	stale := tr // read by a step before the reply was saved

	r := reply(c, u.ID, tr.ID(), 2, "saved", true)
	mustCreate(t, e, r)
	tr = editTurn(t, tr, func(x *chat.TurnRecord) {
		x.Status, x.Progress, x.ReplyID, x.UpdatedAt = chat.StatusResponding, 60, r.ID, at(3)
	})
	require.NoError(t, e.Store.Turns().Update(ctx, tr))

	for _, end := range []chat.Status{chat.StatusFailed, chat.StatusCancelled} {
		failed := stale
		failed = editTurn(t, failed, func(x *chat.TurnRecord) { x.Status, x.ErrorCode, x.UpdatedAt = end, "unavailable", at(4) })
		require.ErrorIs(t, e.Store.Turns().Update(ctx, failed), chat.ErrTurnHasReply, "%s", end)
		failed = editTurn(t, failed, func(x *chat.TurnRecord) { x.ReplyID = r.ID })
		require.ErrorIs(t, e.Store.Turns().Update(ctx, failed), chat.ErrTurnHasReply, "%s, reply known", end)
	}
	stale = editTurn(t, stale, func(x *chat.TurnRecord) { x.Status, x.Progress, x.UpdatedAt = chat.StatusImaging, 70, at(5) })
	require.NoError(t, e.Store.Turns().Update(ctx, stale), "a turn that has not ended takes progress")
	got, err := e.Store.Turns().Load(ctx, tr.ID())
	require.NoError(t, err)
	require.Equal(t, chat.StatusImaging, got.Status())
	require.Equal(t, r.ID, got.ReplyID(), "a stale copy without the reply leaves it saved")
	require.Empty(t, got.Failure().Code)

	tr = editTurn(t, tr, func(x *chat.TurnRecord) { x.Status, x.Progress, x.UpdatedAt = chat.StatusCompleted, 100, at(6) })
	require.NoError(t, e.Store.Turns().Update(ctx, tr), "completing is what a turn with a reply does")
	tr = editTurn(t, tr, func(x *chat.TurnRecord) { x.Status = chat.StatusFailed })
	require.ErrorIs(t, e.Store.Turns().Update(ctx, tr), chat.ErrTurnEnded, "ended comes first")

	// A turn without a reply still fails or is cancelled.
	for i, end := range []chat.Status{chat.StatusFailed, chat.StatusCancelled} {
		other := newTurn(owner, c, u.ID, 10+i)
		require.NoError(t, e.Store.Turns().Create(ctx, other, chatuc.Idempotency{}))
		other = editTurn(t, other, func(x *chat.TurnRecord) { x.Status, x.UpdatedAt = end, at(20) })
		require.NoError(t, e.Store.Turns().Update(ctx, other), "%s", end)
	}
}

// Steps that run in parallel report progress out of order; the furthest wins, in one statement.
func testProgressNeverGoesBack(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, u := asked(t, e)
	tr := newTurn(owner, c, u.ID, 1)
	require.NoError(t, e.Store.Turns().Create(ctx, tr, chatuc.Idempotency{}))
	turns := e.Store.Turns()

	set := func(st chat.Status, p int, when time.Time) (bool, error) {
		return turns.SetProgress(ctx, tr.ID(), chat.Progress{Status: st, Percent: p}, when)
	}
	requireMoved(t, true)(set(chat.StatusImaging, 70, at(2)))
	requireMoved(t, true)(set(chat.StatusSpeaking, 80, at(3)))
	requireMoved(t, false, "behind is not an error, and moves nothing")(set(chat.StatusImaging, 70, at(4)))
	got, err := turns.Load(ctx, tr.ID())
	require.NoError(t, err)
	require.Equal(t, 80, got.Progress())
	require.Equal(t, chat.StatusSpeaking, got.Status(), "the status of the furthest call")
	require.True(t, at(3).Equal(got.UpdatedAt()), "updated %v", got.UpdatedAt())
	requireMoved(t, true, "level moves the status")(set(chat.StatusImaging, 80, at(5)))
	requireMoved(t, false, "the same progress again (a retried step) moves nothing")(set(chat.StatusImaging, 80, at(6)))
	got, err = turns.Load(ctx, tr.ID())
	require.NoError(t, err)
	require.Equal(t, chat.StatusImaging, got.Status())

	// Racing steps: whatever the order, the furthest is what stays.
	raced := newTurn(owner, c, u.ID, 2)
	require.NoError(t, turns.Create(ctx, raced, chatuc.Idempotency{}))
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	var moved100 bool
	for p := 10; p <= 100; p += 10 {
		wg.Go(func() {
			moved, err := turns.SetProgress(ctx, raced.ID(), chat.Progress{Status: chat.StatusResponding, Percent: p}, at(p))
			if p == 100 {
				moved100 = moved
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.True(t, moved100, "the furthest always moves the turn")
	got, err = turns.Load(ctx, raced.ID())
	require.NoError(t, err)
	require.Equal(t, 100, got.Progress())

	tr = editTurn(t, tr, func(x *chat.TurnRecord) { x.Status, x.Progress, x.UpdatedAt = chat.StatusFailed, 80, at(6) })
	require.NoError(t, turns.Update(ctx, tr))
	_, err = set(chat.StatusSpeaking, 90, at(7))
	require.ErrorIs(t, err, chat.ErrTurnEnded)
	_, err = set(chat.StatusSpeaking, 10, at(7))
	require.ErrorIs(t, err, chat.ErrTurnEnded, "ended, not merely behind")
	got, err = turns.Load(ctx, tr.ID())
	require.NoError(t, err)
	require.Equal(t, chat.StatusFailed, got.Status())
	require.Equal(t, 80, got.Progress())
	_, err = turns.SetProgress(ctx, domain.NewID(at(1)), chat.Progress{Status: chat.StatusImaging, Percent: 70}, at(8))
	requireKind(t, err, domain.KindNotFound)
	_, err = turns.SetProgress(ctx, raced.ID(), chat.Progress{Status: chat.StatusCompleted, Percent: 100}, at(8))
	require.Error(t, err, "an end is recorded by Update, with its outcome")
	got, err = turns.Load(ctx, raced.ID())
	require.NoError(t, err)
	require.Equal(t, chat.StatusResponding, got.Status())
}

// Cancelling marks a turn that is still running; an ended turn stays as it ended.
func testCancelLeavesEndedTurns(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, u := asked(t, e)
	running, done := newTurn(owner, c, u.ID, 1), newTurn(owner, c, u.ID, 2)
	require.NoError(t, e.Store.Turns().Create(ctx, running, chatuc.Idempotency{}))
	require.NoError(t, e.Store.Turns().Create(ctx, done, chatuc.Idempotency{}))
	done = editTurn(t, done, func(x *chat.TurnRecord) { x.Status, x.UpdatedAt = chat.StatusFailed, at(3) })
	require.NoError(t, e.Store.Turns().Update(ctx, done))

	require.NoError(t, e.Store.Turns().RequestCancel(ctx, done.ID()), "cancelling an ended turn is a no-op")
	got, err := e.Store.Turns().Load(ctx, done.ID())
	require.NoError(t, err)
	require.False(t, got.CancelRequested(), "an ended turn is left as it is")
	require.NoError(t, e.Store.Turns().RequestCancel(ctx, running.ID()))
	require.NoError(t, e.Store.Turns().RequestCancel(ctx, running.ID()), "twice is fine")
	got, err = e.Store.Turns().Load(ctx, running.ID())
	require.NoError(t, err)
	require.True(t, got.CancelRequested())
	require.ErrorIs(t, e.Store.Turns().RequestCancel(ctx, domain.NewID(at(9))), chat.ErrTurnNotFound)
}

// Active sees only this companion's unfinished turns, less the one excepted.
func testActive(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c := e.NewCompanion(t)
	otherOwner, other := e.NewCompanion(t)
	u, ou := userMsg(c, 0, "q"), userMsg(other, 1, "q")
	mustCreate(t, e, u, ou)
	active := func(companionID, except domain.ID) bool {
		t.Helper()
		ok, err := e.Store.Turns().Active(ctx, companionID, except)
		require.NoError(t, err)
		return ok
	}
	require.False(t, active(c, domain.ID{}), "no turns")
	require.NoError(t, e.Store.Turns().Create(ctx, newTurn(otherOwner, other, ou.ID, 2), chatuc.Idempotency{}))
	require.False(t, active(c, domain.ID{}), "another companion's turn is not this one's")
	require.True(t, active(other, domain.ID{}))

	ended := newTurn(owner, c, u.ID, 3)
	require.NoError(t, e.Store.Turns().Create(ctx, ended, chatuc.Idempotency{}))
	ended = editTurn(t, ended, func(x *chat.TurnRecord) { x.Status, x.UpdatedAt = chat.StatusCancelled, at(4) })
	require.NoError(t, e.Store.Turns().Update(ctx, ended))
	require.False(t, active(c, domain.ID{}), "ended turns are not active")

	a, b := newTurn(owner, c, u.ID, 5), newTurn(owner, c, u.ID, 6)
	require.NoError(t, e.Store.Turns().Create(ctx, a, chatuc.Idempotency{}))
	require.True(t, active(c, domain.ID{}))
	require.False(t, active(c, a.ID()), "the excepted turn does not count")
	require.NoError(t, e.Store.Turns().Create(ctx, b, chatuc.Idempotency{}))
	require.True(t, active(c, a.ID()))
}

// requireMoved checks SetProgress's answer: no error, and moved as wanted.
func requireMoved(t *testing.T, want bool, msg ...any) func(bool, error) {
	t.Helper()
	return func(moved bool, err error) {
		t.Helper()
		require.NoError(t, err, msg...)
		require.Equal(t, want, moved, msg...)
	}
}

// A key keeps the fingerprint of the request that used it, and is released only from a turn made
// before the time given, so that the key can make a new turn.
func testIdempotencyKeys(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, u := asked(t, e)
	first := newTurn(owner, c, u.ID, 1)
	key := chatuc.Idempotency{Key: "retry-me", Fingerprint: "3b1f…"}
	require.NoError(t, e.Store.Turns().Create(ctx, first, key))
	got, kept, err := e.Store.Turns().ByIdempotencyKey(ctx, owner, key.Key)
	require.NoError(t, err)
	require.Equal(t, first.ID(), got.ID())
	require.Equal(t, key, kept)

	// Not yet expired: nothing is released, the key still names the first turn.
	require.NoError(t, e.Store.Turns().ReleaseIdempotencyKey(ctx, owner, key.Key, at(1)))
	require.ErrorIs(t, e.Store.Turns().Create(ctx, newTurn(owner, c, u.ID, 2), key), chatuc.ErrDuplicateTurn)
	// Another owner's release does not touch it.
	stranger, _ := e.NewCompanion(t)
	require.NoError(t, e.Store.Turns().ReleaseIdempotencyKey(ctx, stranger, key.Key, at(100)))
	_, _, err = e.Store.Turns().ByIdempotencyKey(ctx, owner, key.Key)
	require.NoError(t, err)

	// Expired: released, the key makes a new turn and names it; the old turn is still there.
	require.NoError(t, e.Store.Turns().ReleaseIdempotencyKey(ctx, owner, key.Key, at(1).Add(time.Microsecond)))
	_, _, err = e.Store.Turns().ByIdempotencyKey(ctx, owner, key.Key)
	requireKind(t, err, domain.KindNotFound)
	second := newTurn(owner, c, u.ID, 3)
	again := chatuc.Idempotency{Key: key.Key, Fingerprint: "another request"}
	require.NoError(t, e.Store.Turns().Create(ctx, second, again))
	got, kept, err = e.Store.Turns().ByIdempotencyKey(ctx, owner, key.Key)
	require.NoError(t, err)
	require.Equal(t, second.ID(), got.ID())
	require.Equal(t, again, kept)
	_, err = e.Store.Turns().Load(ctx, first.ID())
	require.NoError(t, err)
}

// A turn's reply travels between its steps as the turn's draft: kept, replaced by a later
// attempt's, cleared when saved, and dropped when the turn ends.
func testReplyDrafts(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, u := asked(t, e)
	tr := newTurn(owner, c, u.ID, 1)
	turns := e.Store.Turns()
	require.NoError(t, turns.Create(ctx, tr, chatuc.Idempotency{}))

	_, err := turns.Draft(ctx, tr.ID())
	requireKind(t, err, domain.KindNotFound)
	long := strings.Repeat("Ünïcode reply… ", 2000)
	require.NoError(t, turns.SaveDraft(ctx, tr.ID(), 1, "first attempt"))
	require.NoError(t, turns.SaveDraft(ctx, tr.ID(), 2, long))
	got, err := turns.Draft(ctx, tr.ID())
	require.NoError(t, err)
	require.Equal(t, long, got, "a later attempt's draft replaces the earlier one, byte for byte")
	require.ErrorIs(t, turns.SaveDraft(ctx, tr.ID(), 1, "the first attempt, still running"), chatuc.ErrDraftSuperseded)
	got, err = turns.Draft(ctx, tr.ID())
	require.NoError(t, err)
	require.Equal(t, long, got, "an earlier attempt never replaces a later one's")
	require.NoError(t, turns.SaveDraft(ctx, tr.ID(), 2, "the same attempt again"))
	require.NoError(t, turns.ClearDraft(ctx, tr.ID()))
	_, err = turns.Draft(ctx, tr.ID())
	requireKind(t, err, domain.KindNotFound)
	require.ErrorIs(t, turns.SaveDraft(ctx, tr.ID(), 1, "late"), chatuc.ErrDraftSuperseded, "cleared, still refused to earlier attempts")

	require.NoError(t, turns.SaveDraft(ctx, tr.ID(), 3, "never saved"))
	ended := tr
	require.NoError(t, ended.Fail(chat.Failure{Code: "x", Message: "y"}, at(2)))
	require.NoError(t, turns.Update(ctx, ended))
	_, err = turns.Draft(ctx, tr.ID())
	requireKind(t, err, domain.KindNotFound)
	require.ErrorIs(t, turns.SaveDraft(ctx, tr.ID(), 4, "too late"), chat.ErrTurnEnded)
	requireKind(t, turns.SaveDraft(ctx, domain.NewID(at(3)), 1, "nobody's"), domain.KindNotFound)
	_, err = turns.Draft(ctx, domain.NewID(at(3)))
	requireKind(t, err, domain.KindNotFound)
}
