package usage

import (
	"context"
	"sync"
	"time"

	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/correlation"
)

// Meter counts usage in memory and writes it to the store every interval and when it is closed,
// so that counting costs a provider call a map update, never a database write. Amounts that could
// not be written are kept for the next write. Safe for concurrent use.
type Meter struct {
	store    Store
	clock    usecase.Clock
	failed   func(error) // told when a write fails (nil: nobody)
	mu       sync.Mutex
	pending  map[Key]int64
	inflight map[Key]int64 // being written: still counted by Pending until the store has it
	flushing sync.Mutex    // one write at a time, so amounts put back are never written twice
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

// NewMeter starts a meter writing to store every interval (at least a second); failed hears of
// writes that failed. Close it to write what remains.
func NewMeter(store Store, clock usecase.Clock, interval time.Duration, failed func(error)) *Meter {
	m := &Meter{store: store, clock: clock, failed: failed, pending: map[Key]int64{},
		stop: make(chan struct{}), done: make(chan struct{})}
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
			ctx, cancel := context.WithTimeout(context.Background(), interval*4)
			m.report(m.Flush(ctx))
			cancel()
		case <-m.stop:
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
// (correlation.SubjectOf), today. Nothing is counted for an amount below 1.
func (m *Meter) Record(ctx context.Context, kind Kind, provider, model string, amount int64) {
	if amount < 1 {
		return
	}
	s := correlation.SubjectOf(ctx)
	k := Key{Day: DayOf(m.clock.Now()), UserID: s.UserID, CompanionID: s.CompanionID, Kind: kind,
		Provider: provider, Model: model}
	m.mu.Lock()
	m.pending[k] += amount
	m.mu.Unlock()
}

// Pending is what userID used on day that is not written yet.
func (m *Meter) Pending(userID string, day Day) map[Kind]int64 {
	out := map[Kind]int64{}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, counts := range []map[Key]int64{m.pending, m.inflight} {
		for k, n := range counts {
			if k.UserID == userID && k.Day == day {
				out[k.Kind] += n
			}
		}
	}
	return out
}

// Flush writes what is counted. What could not be written is counted again, for the next flush.
func (m *Meter) Flush(ctx context.Context) error {
	m.flushing.Lock()
	defer m.flushing.Unlock()
	m.mu.Lock()
	batch := m.pending
	m.pending, m.inflight = map[Key]int64{}, batch
	m.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	entries := make([]Entry, 0, len(batch))
	for k, n := range batch {
		entries = append(entries, Entry{Key: k, Amount: n})
	}
	err := m.store.Add(ctx, entries)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inflight = nil
	if err != nil {
		for k, n := range batch {
			m.pending[k] += n
		}
	}
	return err
}

// Close stops the meter's writes and writes what remains (within ctx).
func (m *Meter) Close(ctx context.Context) error {
	m.once.Do(func() { close(m.stop) })
	<-m.done
	return m.Flush(ctx)
}

// Unwritten is what is counted but not written yet within f.
func (m *Meter) Unwritten(f Filter) []Entry {
	var out []Entry
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, counts := range []map[Key]int64{m.pending, m.inflight} {
		for k, n := range counts {
			if k.Day >= f.From && k.Day <= f.To && (f.UserID == "" || k.UserID == f.UserID) {
				out = append(out, Entry{Key: k, Amount: n})
			}
		}
	}
	return out
}
