package argon2id

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/test/awaittest"
)

// probe replaces a Hasher's key derivation with one that blocks until released and counts how
// many computations are inside it at once. Tests await states under its lock instead of sleeping.
type probe struct {
	mu        sync.Mutex
	cond      *sync.Cond
	inside    int // computations inside the kdf now
	maxInside int
	entered   int
	memory    []uint32 // the memory parameter of each computation, in order of entry
	release   chan struct{}
	once      sync.Once
}

func newProbe(t *testing.T, h *Hasher) *probe {
	p := &probe{release: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	h.kdf = p.kdf
	h.changed = p.broadcast
	t.Cleanup(p.releaseAll)
	return p
}

func (p *probe) kdf(_, _ []byte, _, memory uint32, _ uint8, keyLen uint32) []byte {
	p.mu.Lock()
	p.inside++
	p.entered++
	p.maxInside = max(p.maxInside, p.inside)
	p.memory = append(p.memory, memory)
	p.cond.Broadcast()
	p.mu.Unlock()

	<-p.release

	p.mu.Lock()
	p.inside--
	p.cond.Broadcast()
	p.mu.Unlock()
	return make([]byte, keyLen)
}

func (p *probe) broadcast() {
	p.mu.Lock()
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *probe) releaseAll() {
	p.once.Do(func() { close(p.release) })
}

// await blocks until cond (evaluated under the probe's lock) holds. The timeout only turns a
// broken implementation into a failure instead of a hung test run.
func (p *probe) await(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stop := context.AfterFunc(ctx, p.broadcast)
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("condition not reached: inside=%d entered=%d", p.inside, p.entered)
		}
		p.cond.Wait()
	}
}

func TestConcurrencyCap(t *testing.T) {
	const limit, callers = 3, 8
	c := cheap()
	c.MaxConcurrent = limit
	h := New(c)
	stored, err := h.Hash(t.Context(), "x") // one slot's worth of memory, like every other caller
	require.NoError(t, err)
	p := newProbe(t, h)

	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			var err error
			switch i % 3 { // every entry point shares the slots
			case 0:
				_, err = h.Hash(context.Background(), fmt.Sprint("caller ", i))
			case 1:
				err = h.Burn(context.Background(), fmt.Sprint("caller ", i))
			case 2:
				_, _, err = h.Verify(context.Background(), "x", stored)
			}
			errs <- err
		}()
	}
	// Either the cap holds — limit callers inside, the rest queued — or it was exceeded.
	p.await(t, func() bool {
		return (p.inside == limit && h.Stats().Waiting == callers-limit) || p.maxInside > limit
	})
	assert.Equal(t, limit, p.maxInside, "exactly MaxConcurrent hashes may run at once")
	assert.Equal(t, Stats{Running: limit, Waiting: callers - limit}, h.Stats())

	p.releaseAll()
	for range callers {
		require.NoError(t, awaittest.Recv(t, errs, "a caller's return"))
	}
	assert.Equal(t, callers, p.entered)
	assert.LessOrEqual(t, p.maxInside, limit)
	assert.Equal(t, Stats{}, h.Stats())
}

// A stored hash made with more memory than one slot holds several slots, so memory stays capped.
func TestLargeHashTakesSeveralSlots(t *testing.T) {
	c := cheap() // 64 KiB slots
	c.MaxConcurrent = 3
	h := New(c)
	p := newProbe(t, h)
	big := mustPHC(t, encode(params{memory: 128, iterations: 1, parallelism: 1}, []byte("somesaltsalt"), make([]byte, 32)))

	bigDone := make(chan error, 1)
	go func() {
		_, _, err := h.Verify(context.Background(), "x", big)
		bigDone <- err
	}()
	p.await(t, func() bool { return p.inside == 1 })

	// One slot is left: one ordinary hash gets it, the next must wait.
	smallDone := make(chan error, 2)
	for range 2 {
		go func() { smallDone <- h.Burn(context.Background(), "x") }()
	}
	p.await(t, func() bool { return (p.inside == 2 && h.Stats().Waiting == 1) || p.inside > 2 })
	assert.Equal(t, 2, p.inside, "128 KiB + 64 KiB fill three 64 KiB slots")
	assert.Equal(t, []uint32{128, 64}, p.memory)

	p.releaseAll()
	require.NoError(t, awaittest.Recv(t, bigDone, "the large hash's return"))
	require.NoError(t, awaittest.Recv(t, smallDone, "a small hash's return"))
	require.NoError(t, awaittest.Recv(t, smallDone, "the other small hash's return"))
}

// A hash larger than every slot together runs alone rather than never.
func TestHugeHashRunsAlone(t *testing.T) {
	c := cheap()
	c.MaxConcurrent = 2
	h := New(c)
	p := newProbe(t, h)
	huge := mustPHC(t, encode(params{memory: 1 << 20, iterations: 1, parallelism: 1}, []byte("somesaltsalt"), make([]byte, 32)))

	hugeDone := make(chan error, 1)
	go func() {
		_, _, err := h.Verify(context.Background(), "x", huge)
		hugeDone <- err
	}()
	p.await(t, func() bool { return p.inside == 1 })
	smallDone := make(chan error, 1)
	go func() { smallDone <- h.Burn(context.Background(), "x") }()
	p.await(t, func() bool { return h.Stats().Waiting == 1 || p.inside > 1 })
	assert.Equal(t, 1, p.inside)

	p.releaseAll()
	require.NoError(t, awaittest.Recv(t, hugeDone, "the huge hash's return"))
	require.NoError(t, awaittest.Recv(t, smallDone, "the small hash's return"))
}

func mustPHC(t *testing.T, s string) account.PasswordHash {
	t.Helper()
	h, err := account.NewPasswordHash(s)
	require.NoError(t, err)
	return h
}
