package usage

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/correlation"
)

// Meter counts usage in memory and writes it to the store every interval and when it is closed,
// so that counting costs a provider call a map update, never a database write. Amounts that could
// not be written are kept for the next write. Safe for concurrent use.
//
// Readers that add what the store holds to what the meter holds (quotas, reports) do so under
// Hold, so that a write finishing meanwhile is counted once — neither twice nor not at all.
type Meter struct {
	store  Store
	clock  usecase.Clock
	failed func(error) // told when a write fails (nil: nobody)

	mu      sync.Mutex
	pending map[Key]int64
	closed  bool
	// writing is held to write (one write at a time: amounts put back are never written twice)
	// and read-held by readers of the store and the meter together.
	writing sync.RWMutex

	ctx    context.Context // ends when the meter closes: a write under way stops
	cancel context.CancelFunc
	done   chan struct{}
}

// lateWrite bounds the write of an amount counted after the meter closed.
const lateWrite = 5 * time.Second

// NewMeter starts a meter writing to store every interval (at least a second); failed hears of
// writes that failed. Close it to write what remains.
func NewMeter(store Store, clock usecase.Clock, interval time.Duration, failed func(error)) *Meter {
	ctx, cancel := context.WithCancel(context.Background())
	m := &Meter{store: store, clock: clock, failed: failed, pending: map[Key]int64{}, ctx: ctx, cancel: cancel,
		done: make(chan struct{})}
	interval = max(interval, time.Second)
	go m.run(interval)
	return m
}

func (m *Meter) run(interval time.Duration) {
	defer close(m.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(m.ctx, interval*4)
			m.report(m.Flush(ctx))
			cancel()
		case <-m.ctx.Done():
			return
		}
	}
}

func (m *Meter) report(err error) {
	if err != nil && m.failed != nil {
		m.failed(err)
	}
}

// Record counts amount of kind, done by provider with model, for whom ctx works
// (correlation.SubjectOf), today. Nothing is counted for an amount below 1. An amount counted
// after the meter closed (work that outlived it) is written at once.
func (m *Meter) Record(ctx context.Context, kind Kind, provider, model string, amount int64) {
	if amount < 1 {
		return
	}
	s := correlation.SubjectOf(ctx)
	k := Key{Day: DayOf(m.clock.Now()), UserID: s.UserID, CompanionID: s.CompanionID, Kind: kind,
		Provider: provider, Model: model}
	m.mu.Lock()
	closed := m.closed
	if !closed {
		m.pending[k] += amount
	}
	m.mu.Unlock()
	if closed {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lateWrite)
		defer cancel()
		m.report(m.store.Add(wctx, []Entry{{Key: k, Amount: amount}}))
	}
}

// Hold keeps writes from finishing until the returned function is called: a reader adds what
// the store holds to what Pending or Unwritten say under it.
func (m *Meter) Hold() (release func()) {
	m.writing.RLock()
	return m.writing.RUnlock
}

// Pending is what userID used on day that is not written yet.
func (m *Meter) Pending(userID string, day Day) map[Kind]int64 {
	out := map[Kind]int64{}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, n := range m.pending {
		if k.UserID == userID && k.Day == day {
			out[k.Kind] += n
		}
	}
	return out
}

// Unwritten is what is counted but not written yet within f.
func (m *Meter) Unwritten(f Filter) []Entry {
	var out []Entry
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, n := range m.pending {
		if k.Day >= f.From && k.Day <= f.To && (f.UserID == "" || k.UserID == f.UserID) {
			out = append(out, Entry{Key: k, Amount: n})
		}
	}
	return out
}

// Flush writes what is counted, in key order (so that two processes writing the same keys take
// their rows' locks in the same order). What could not be written is counted again, for the next
// flush.
func (m *Meter) Flush(ctx context.Context) error {
	m.writing.Lock()
	defer m.writing.Unlock()
	m.mu.Lock()
	batch := m.pending
	m.pending = map[Key]int64{}
	m.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	entries := make([]Entry, 0, len(batch))
	for k, n := range batch {
		entries = append(entries, Entry{Key: k, Amount: n})
	}
	slices.SortFunc(entries, func(a, b Entry) int { return compareKeys(a.Key, b.Key) })
	err := m.store.Add(ctx, entries)
	if err != nil {
		m.mu.Lock()
		for k, n := range batch {
			m.pending[k] += n
		}
		m.mu.Unlock()
	}
	return err
}

// compareKeys orders keys as the store's primary key does.
func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.Day, b.Day), cmp.Compare(a.CompanionID, b.CompanionID),
		cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.Model, b.Model))
}

// Close stops the meter's writes — a write under way is cut short and its amounts kept — and
// writes what remains within ctx. What is counted after is written as it comes.
func (m *Meter) Close(ctx context.Context) error {
	m.cancel() // a context's cancel may be called again
	<-m.done
	// Closed before the last flush: whatever is counted from now on is written as it comes, and
	// nothing is left in memory after the flush.
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return m.Flush(ctx)
}
