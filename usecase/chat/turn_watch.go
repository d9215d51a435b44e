package chat

import (
	"context"
	"sync"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// turnWatch tells the followers of running turns how a turn stands, for the check a follower makes
// when the bus stays quiet (newWatchedSubscription). A turn is read at most once per fresh period,
// however many follow it — ten thousand idle followers of a few turns would otherwise read them a
// thousand times a second — and the read runs on a goroutine of its own, so that the followers'
// long-lived goroutines keep the small stacks they idle with (a database read grows a stack by
// kilobytes, which an idle goroutine keeps).
type turnWatch struct {
	load  func(context.Context, domain.ID) (chat.Turn, error)
	fresh time.Duration

	mu    sync.Mutex
	looks map[domain.ID]*turnLook
	swept time.Time // the last sweep: one per fresh period, however many turns are followed
}

// turnLook is one read of a turn: in flight until done is closed.
type turnLook struct {
	at   time.Time
	done chan struct{}
	turn chat.Turn
	err  error
}

// watchReadTimeout bounds one shared read: a follower that stops waiting does not cancel it for
// the others.
const watchReadTimeout = 30 * time.Second

func newTurnWatch(load func(context.Context, domain.ID) (chat.Turn, error), fresh time.Duration) *turnWatch {
	return &turnWatch{load: load, fresh: fresh, looks: map[domain.ID]*turnLook{}}
}

// turn returns the turn as read at most fresh ago, or reads it (once for every caller asking
// meanwhile). A failed read is not kept: the next call reads again.
func (w *turnWatch) turn(ctx context.Context, id domain.ID) (chat.Turn, error) {
	now := time.Now()
	w.mu.Lock()
	l := w.looks[id]
	if l == nil || l.stale(now, w.fresh) {
		l = &turnLook{at: now, done: make(chan struct{})}
		w.looks[id] = l
		w.sweep(now)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), watchReadTimeout)
		go func() {
			defer cancel()
			l.turn, l.err = w.load(rctx, id)
			close(l.done)
		}()
	}
	w.mu.Unlock()
	select {
	case <-l.done:
		return l.turn, l.err
	case <-ctx.Done():
		return chat.Turn{}, context.Cause(ctx)
	}
}

// stale says a finished read no longer answers at now: it is older than fresh, or it failed.
func (l *turnLook) stale(now time.Time, fresh time.Duration) bool {
	select {
	case <-l.done:
		return l.err != nil || now.Sub(l.at) >= fresh
	default:
		return false // in flight: wait for it
	}
}

// sweep forgets finished reads nobody can use any more (turns that ended, followers gone), at most
// once per fresh period. The caller holds w.mu.
func (w *turnWatch) sweep(now time.Time) {
	if now.Sub(w.swept) < w.fresh {
		return
	}
	w.swept = now
	for id, l := range w.looks {
		if l.stale(now, 2*w.fresh) {
			delete(w.looks, id)
		}
	}
}
