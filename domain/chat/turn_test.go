package chat_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

var (
	t0    = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	later = t0.Add(5 * time.Second)
	lease = 30 * time.Second
)

func newID() domain.ID { return domain.NewID(t0) }

// newTurn is a fresh queued turn.
func newTurn(t *testing.T) chat.Turn {
	t.Helper()
	tr, err := chat.NewTurn(newID(), newID(), newID(), newID(), chat.Options{Image: true}, false, t0, lease)
	require.NoError(t, err)
	return tr
}

// hydrate builds a turn in any stored state, from a fresh turn's record changed by f.
func hydrate(t *testing.T, f func(r *chat.TurnRecord)) chat.Turn {
	t.Helper()
	r := newTurn(t).Record()
	f(&r)
	tr, err := chat.HydrateTurn(r)
	require.NoError(t, err)
	return tr
}

// ended lists a turn for each way a turn ends.
func ended(t *testing.T) map[string]chat.Turn {
	t.Helper()
	completed := newTurn(t)
	require.NoError(t, completed.Complete(newID(), later))
	failed := newTurn(t)
	require.NoError(t, failed.Fail(chat.Failure{Code: "model_failed", Message: "no reply"}, later))
	cancelled := newTurn(t)
	require.NoError(t, cancelled.Cancel(chat.Failure{Code: "cancelled", Message: "stopped"}, later))
	return map[string]chat.Turn{"completed": completed, "failed": failed, "cancelled": cancelled}
}

func TestNewTurn(t *testing.T) {
	t.Parallel()
	id, owner, comp, msg := newID(), newID(), newID(), newID()
	o := chat.Options{DeepThink: true, Voice: true}
	tr, err := chat.NewTurn(id, owner, comp, msg, o, true, t0, lease)
	require.NoError(t, err)
	assert.Equal(t, chat.TurnRecord{
		ID: id, OwnerID: owner, CompanionID: comp, UserMessageID: msg, Options: o, Regenerate: true,
		Status: chat.StatusQueued, LeaseUntil: t0.Add(lease), CreatedAt: t0, UpdatedAt: t0,
	}, tr.Record())
	// The accessors tell the same story as the record.
	assert.Equal(t, id, tr.ID())
	assert.Equal(t, owner, tr.OwnerID())
	assert.Equal(t, comp, tr.CompanionID())
	assert.Equal(t, msg, tr.UserMessageID())
	assert.Equal(t, o, tr.Options())
	assert.True(t, tr.Regenerate())
	assert.Equal(t, chat.StatusQueued, tr.Status())
	assert.Zero(t, tr.Progress())
	assert.False(t, tr.Ended())
	assert.False(t, tr.CancelRequested())
	assert.True(t, tr.ReplyID().IsZero())
	assert.Equal(t, chat.Failure{}, tr.Failure())
	assert.Equal(t, t0.Add(lease), tr.LeaseUntil())
	assert.Equal(t, t0, tr.CreatedAt())
	assert.Equal(t, t0, tr.UpdatedAt())
}

func TestNewTurnRefuses(t *testing.T) {
	t.Parallel()
	id := newID()
	var zero domain.ID
	cases := []struct {
		name                  string
		id, owner, comp, user domain.ID
		lease                 time.Duration
	}{
		{"zero id", zero, id, id, id, lease},
		{"zero owner", id, zero, id, id, lease},
		{"zero companion", id, id, zero, id, lease},
		{"zero user message", id, id, id, zero, lease},
		// Without a lease the turn would count as lost before any runner could take it.
		{"zero lease", id, id, id, id, 0},
		{"negative lease", id, id, id, id, -time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr, err := chat.NewTurn(tc.id, tc.owner, tc.comp, tc.user, chat.Options{}, false, t0, tc.lease)
			require.Error(t, err)
			assert.Equal(t, domain.KindInternal, domain.KindOf(err), "a caller bug, not the person's")
			assert.Equal(t, chat.Turn{}, tr)
		})
	}
}

func TestSaveReply(t *testing.T) {
	t.Parallel()
	tr := newTurn(t)
	reply := newID()
	require.NoError(t, tr.SaveReply(reply, later))
	assert.Equal(t, reply, tr.ReplyID())
	assert.Equal(t, later, tr.UpdatedAt())
	assert.Equal(t, chat.StatusQueued, tr.Status(), "saving the reply does not end the turn")
	assert.False(t, tr.Ended())

	// A retried step saves the same reply again: that is not a conflict.
	evenLater := later.Add(time.Second)
	require.NoError(t, tr.SaveReply(reply, evenLater))
	assert.Equal(t, reply, tr.ReplyID())
	assert.Equal(t, evenLater, tr.UpdatedAt())

	before := tr.Record()
	err := tr.SaveReply(newID(), evenLater.Add(time.Second))
	require.Error(t, err)
	assert.Equal(t, domain.KindConflict, domain.KindOf(err), "a turn writes one reply")
	assert.Equal(t, before, tr.Record(), "a refused change changes nothing")
}

func TestSaveReplyRefusesAZeroID(t *testing.T) {
	t.Parallel()
	tr := newTurn(t)
	before := tr.Record()
	err := tr.SaveReply(domain.ID{}, later)
	require.Error(t, err)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))
	assert.Equal(t, before, tr.Record())
}

func TestCompleteWithTheGivenReply(t *testing.T) {
	t.Parallel()
	// A stored failure on an unfinished turn is only reachable through HydrateTurn; completing
	// must not leave it behind for the client to read.
	tr := hydrate(t, func(r *chat.TurnRecord) {
		r.Status, r.Progress = chat.StatusSpeaking, 85
		r.ErrorCode, r.ErrorMessage = "voice_failed", "no voice"
	})
	reply := newID()
	require.NoError(t, tr.Complete(reply, later))
	assert.Equal(t, chat.StatusCompleted, tr.Status())
	assert.Equal(t, reply, tr.ReplyID())
	assert.Equal(t, 100, tr.Progress())
	assert.Equal(t, chat.Failure{}, tr.Failure())
	assert.Equal(t, later, tr.UpdatedAt())
	assert.True(t, tr.Ended())
}

func TestCompleteKeepsTheSavedReply(t *testing.T) {
	t.Parallel()
	for name, given := range map[string]domain.ID{"none given": {}, "another given": newID()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tr := newTurn(t)
			saved := newID()
			require.NoError(t, tr.SaveReply(saved, t0))
			require.NoError(t, tr.Complete(given, later))
			// The saved reply is the message the person sees: the turn must point at it.
			assert.Equal(t, saved, tr.ReplyID())
			assert.Equal(t, chat.StatusCompleted, tr.Status())
			assert.Equal(t, 100, tr.Progress())
		})
	}
}

func TestCompleteWithoutAReplyIsRefused(t *testing.T) {
	t.Parallel()
	tr := newTurn(t)
	before := tr.Record()
	err := tr.Complete(domain.ID{}, later)
	require.Error(t, err)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))
	assert.Equal(t, before, tr.Record())
}

func TestFailAndCancel(t *testing.T) {
	t.Parallel()
	why := chat.Failure{Code: "model_failed", Message: "The reply could not be written."}
	cases := []struct {
		name   string
		stop   func(*chat.Turn, chat.Failure, time.Time) error
		status chat.Status
	}{
		{"fail", (*chat.Turn).Fail, chat.StatusFailed},
		{"cancel", (*chat.Turn).Cancel, chat.StatusCancelled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := hydrate(t, func(r *chat.TurnRecord) { r.Status, r.Progress = chat.StatusResponding, 40 })
			require.NoError(t, tc.stop(&tr, why, later))
			assert.Equal(t, tc.status, tr.Status())
			assert.Equal(t, why, tr.Failure())
			assert.Equal(t, later, tr.UpdatedAt())
			assert.Equal(t, 40, tr.Progress(), "the turn ended where it was")
			assert.True(t, tr.Ended())
			assert.True(t, tr.ReplyID().IsZero())
		})
		t.Run(tc.name+" after the reply was saved", func(t *testing.T) {
			t.Parallel()
			tr := newTurn(t)
			require.NoError(t, tr.SaveReply(newID(), t0))
			before := tr.Record()
			err := tc.stop(&tr, why, later)
			require.ErrorIs(t, err, chat.ErrTurnHasReply)
			assert.Equal(t, before, tr.Record(), "it can still complete")
			require.NoError(t, tr.Complete(domain.ID{}, later))
		})
		t.Run(tc.name+" once ended", func(t *testing.T) {
			t.Parallel()
			for end, tr := range ended(t) {
				before := tr.Record()
				// A completed turn has a reply too: that it ended is what the caller must hear,
				// whoever recorded the outcome first.
				require.ErrorIs(t, tc.stop(&tr, why, later.Add(time.Minute)), chat.ErrTurnEnded, end)
				assert.Equal(t, before, tr.Record(), end)
			}
		})
	}
}

func TestAnEndedTurnNeverChanges(t *testing.T) {
	t.Parallel()
	for end, tr := range ended(t) {
		t.Run(end, func(t *testing.T) {
			t.Parallel()
			before := tr.Record()
			after := later.Add(time.Hour)
			require.ErrorIs(t, tr.SaveReply(newID(), after), chat.ErrTurnEnded)
			require.ErrorIs(t, tr.SaveReply(before.ReplyID, after), chat.ErrTurnEnded, "not even the same reply")
			require.ErrorIs(t, tr.Complete(newID(), after), chat.ErrTurnEnded)
			require.ErrorIs(t, tr.Fail(chat.Failure{Code: "x"}, after), chat.ErrTurnEnded)
			require.ErrorIs(t, tr.Cancel(chat.Failure{Code: "x"}, after), chat.ErrTurnEnded)
			tr.RequestCancel()
			assert.Equal(t, before, tr.Record())
			assert.Equal(t, domain.KindConflict, domain.KindOf(chat.ErrTurnEnded))
		})
	}
}

func TestRequestCancel(t *testing.T) {
	t.Parallel()
	tr := newTurn(t)
	tr.RequestCancel()
	assert.True(t, tr.CancelRequested())
	assert.Equal(t, chat.StatusQueued, tr.Status(), "asking is not stopping: the runner stops at its next check")
	assert.False(t, tr.Ended())

	tr.RequestCancel() // asking twice is harmless
	assert.True(t, tr.CancelRequested())
	require.NoError(t, tr.Cancel(chat.Failure{Code: "cancelled"}, later))
	assert.True(t, tr.CancelRequested(), "the request stays on the record")
}

func TestRecordRoundTrips(t *testing.T) {
	t.Parallel()
	base := newTurn(t).Record()
	cases := map[string]func(r *chat.TurnRecord){
		"queued": func(*chat.TurnRecord) {},
		"running with a saved reply and a cancel request": func(r *chat.TurnRecord) {
			r.Status, r.Progress, r.ReplyID, r.CancelRequested = chat.StatusImaging, 70, newID(), true
			r.UpdatedAt, r.LeaseUntil = later, later.Add(lease)
		},
		"regenerating with every option": func(r *chat.TurnRecord) {
			r.Regenerate, r.Options = true, chat.Options{DeepThink: true, Image: true, Voice: true}
			r.Status, r.Progress = chat.StatusRecalling, 0
		},
		"completed": func(r *chat.TurnRecord) {
			r.Status, r.Progress, r.ReplyID, r.UpdatedAt = chat.StatusCompleted, 100, newID(), later
		},
		"failed": func(r *chat.TurnRecord) {
			r.Status, r.Progress, r.ErrorCode, r.ErrorMessage = chat.StatusFailed, 25, "model_failed", "no reply"
		},
		"cancelled": func(r *chat.TurnRecord) {
			r.Status, r.CancelRequested, r.ErrorCode, r.ErrorMessage = chat.StatusCancelled, true, "cancelled", "stopped"
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := base
			change(&r)
			tr, err := chat.HydrateTurn(r)
			require.NoError(t, err)
			assert.Equal(t, r, tr.Record())
			assert.Equal(t, r.Status, tr.Status())
			assert.Equal(t, r.Progress, tr.Progress())
			assert.Equal(t, r.ReplyID, tr.ReplyID())
			assert.Equal(t, chat.Failure{Code: r.ErrorCode, Message: r.ErrorMessage}, tr.Failure())
			assert.Equal(t, r.CancelRequested, tr.CancelRequested())
			assert.Equal(t, r.Status.Final(), tr.Ended())
		})
	}
}

func TestRecordOfATurnThroughItsMethodsHydrates(t *testing.T) {
	t.Parallel()
	// Whatever the methods produce, a repository must be able to load back.
	running := newTurn(t)
	running.RequestCancel()
	withReply := newTurn(t)
	require.NoError(t, withReply.SaveReply(newID(), later))
	turns := ended(t)
	turns["new"], turns["cancel requested"], turns["reply saved"] = newTurn(t), running, withReply
	for name, tr := range turns {
		back, err := chat.HydrateTurn(tr.Record())
		require.NoError(t, err, name)
		assert.Equal(t, tr, back, name)
	}
}

func TestHydrateTurnRefusesWhatNoTurnCanBe(t *testing.T) {
	t.Parallel()
	cases := map[string]func(r *chat.TurnRecord){
		"zero id":                 func(r *chat.TurnRecord) { r.ID = domain.ID{} },
		"zero status":             func(r *chat.TurnRecord) { r.Status = chat.Status{} },
		"negative progress":       func(r *chat.TurnRecord) { r.Progress = -1 },
		"progress over 100":       func(r *chat.TurnRecord) { r.Progress = 101 },
		"completed without reply": func(r *chat.TurnRecord) { r.Status, r.Progress = chat.StatusCompleted, 100 },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newTurn(t).Record()
			change(&r)
			tr, err := chat.HydrateTurn(r)
			require.Error(t, err)
			assert.Equal(t, domain.KindInternal, domain.KindOf(err), "a corrupt row is the program's problem")
			assert.Equal(t, chat.Turn{}, tr)
		})
	}
}

func TestHydrateTurnAcceptsTheProgressBounds(t *testing.T) {
	t.Parallel()
	for _, p := range []int{0, 100} {
		r := newTurn(t).Record()
		r.Status, r.Progress = chat.StatusSpeaking, p
		tr, err := chat.HydrateTurn(r)
		require.NoError(t, err, "%d%%", p)
		assert.Equal(t, p, tr.Progress())
	}
}

func TestProgressCheck(t *testing.T) {
	t.Parallel()
	for _, s := range []chat.Status{chat.StatusQueued, chat.StatusAnalyzing, chat.StatusRecalling,
		chat.StatusResponding, chat.StatusImaging, chat.StatusSpeaking} {
		for _, pct := range []int{0, 50, 100} {
			assert.NoError(t, chat.Progress{Status: s, Percent: pct}.Check(), "%s at %d%%", s, pct)
		}
	}
	refused := []chat.Progress{
		// An end carries an outcome (a reply or a failure) that progress cannot.
		{Status: chat.StatusCompleted, Percent: 100},
		{Status: chat.StatusFailed, Percent: 50},
		{Status: chat.StatusCancelled, Percent: 0},
		{Status: chat.Status{}, Percent: 0},
		{Status: chat.StatusResponding, Percent: -1},
		{Status: chat.StatusResponding, Percent: 101},
	}
	for _, p := range refused {
		err := p.Check()
		require.Error(t, err, "%q at %d%%", p.Status, p.Percent)
		assert.Equal(t, domain.KindInternal, domain.KindOf(err))
	}
}

func TestStatusFinal(t *testing.T) {
	t.Parallel()
	final := map[chat.Status]bool{
		chat.StatusQueued: false, chat.StatusAnalyzing: false, chat.StatusRecalling: false,
		chat.StatusResponding: false, chat.StatusImaging: false, chat.StatusSpeaking: false,
		chat.StatusCompleted: true, chat.StatusFailed: true, chat.StatusCancelled: true,
		{}: false,
	}
	for s, want := range final {
		assert.Equal(t, want, s.Final(), "%q", s)
		if s == (chat.Status{}) {
			continue
		}
		// Ended is Final of the turn's status, whichever way the turn got there.
		r := newTurn(t).Record()
		r.Status = s
		if s == chat.StatusCompleted {
			r.ReplyID = newID()
		}
		tr, err := chat.HydrateTurn(r)
		require.NoError(t, err)
		assert.Equal(t, want, tr.Ended(), "turn %q", s)
	}
}

func TestStatusText(t *testing.T) {
	t.Parallel()
	// Stores keep the name; every status must come back as itself.
	for _, s := range []chat.Status{chat.StatusQueued, chat.StatusAnalyzing, chat.StatusRecalling, chat.StatusResponding,
		chat.StatusImaging, chat.StatusSpeaking, chat.StatusCompleted, chat.StatusFailed, chat.StatusCancelled} {
		parsed, err := chat.ParseStatus(s.String())
		require.NoError(t, err, s.String())
		assert.Equal(t, s, parsed)
		b, err := s.MarshalText()
		require.NoError(t, err)
		var back chat.Status
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, s, back)
	}
	var zero chat.Status
	require.NoError(t, zero.UnmarshalText(nil))
	assert.Equal(t, chat.Status{}, zero)
	_, err := chat.ParseStatus("done")
	require.Error(t, err)
	require.Error(t, zero.UnmarshalText([]byte("done")))
}
