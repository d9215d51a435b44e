package chat

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/awaittest"
)

// Followers of one turn share its reads: one per fresh period, whoever asks meanwhile waits for it,
// a failed read is tried again, and a follower that stops waiting does not cancel the read for the
// others.
func TestTurnWatchSharesReads(t *testing.T) {
	t.Parallel()
	id := domain.NewID(time.Now())
	var reads atomic.Int32
	gate := make(chan struct{})
	reading := make(chan struct{}, 8) // told as each read begins
	fail := atomic.Bool{}
	w := newTurnWatch(func(ctx context.Context, got domain.ID) (chat.Turn, error) {
		reads.Add(1)
		reading <- struct{}{}
		select {
		case <-gate:
		case <-ctx.Done():
			return chat.Turn{}, ctx.Err()
		}
		if fail.Load() {
			return chat.Turn{}, errors.New("database down")
		}
		return chat.HydrateTurn(chat.TurnRecord{ID: got, Status: chat.StatusResponding})
	}, time.Hour)

	// A follower that gives up while the read is in flight cancels only its own wait.
	quitter, quit := context.WithCancel(context.Background())
	quitErr := make(chan error, 1)
	go func() { _, err := w.turn(quitter, id); quitErr <- err }()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			got, err := w.turn(context.Background(), id)
			if err == nil && got.ID() != id {
				err = errors.New("another turn")
			}
			errs <- err
		})
	}
	awaittest.Recv(t, reading, "the followers' read")
	quit()
	require.ErrorIs(t, <-quitErr, context.Canceled)
	close(gate)
	wg.Wait()
	require.Empty(t, reading, "one read for them all")
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, reads.Load(), "twenty-one followers, one read")

	_, err := w.turn(context.Background(), id)
	require.NoError(t, err)
	require.EqualValues(t, 1, reads.Load(), "a fresh read answers")

	// A failed read is not kept.
	other := domain.NewID(time.Now().Add(time.Second))
	fail.Store(true)
	_, err = w.turn(context.Background(), other)
	require.Error(t, err)
	fail.Store(false)
	_, err = w.turn(context.Background(), other)
	require.NoError(t, err)
	require.EqualValues(t, 3, reads.Load())

	// Once stale, a turn is read again.
	w.fresh = 0
	_, err = w.turn(context.Background(), id)
	require.NoError(t, err)
	require.EqualValues(t, 4, reads.Load())
}
