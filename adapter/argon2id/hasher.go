package argon2id

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
	"golang.org/x/sync/semaphore"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

var _ accountuc.PasswordHasher = (*Hasher)(nil)

// Hasher hashes and verifies passwords with Argon2id. It is safe for concurrent use.
//
// Every computation first takes hashing slots from a semaphore of Config.MaxConcurrent slots of
// Config.MemoryKiB each, waiting for them as long as its context allows. A stored hash made with
// more memory than one slot (older settings, imported hashes) takes as many slots as its memory
// needs, up to all of them, so hashing stays within MaxConcurrent × MemoryKiB unless one such hash
// alone is larger, and then it runs alone.
type Hasher struct {
	params    params
	slotKiB   int64
	slots     int64
	sem       *semaphore.Weighted
	dummySalt []byte

	running, waiting atomic.Int64

	// Seams for tests: kdf computes the key (argon2.IDKey outside tests); changed, if set, is called
	// after running or waiting changes, so a test can await a state instead of sleeping.
	kdf     func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
	changed func()
}

// New returns a Hasher for c. It panics if c is invalid: configuration is validated once at
// start-up (Config.Validate), so an invalid one here is a programming error.
func New(c Config) *Hasher {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return &Hasher{
		params:  c.params(),
		slotKiB: int64(c.MemoryKiB),
		slots:   int64(c.MaxConcurrent),
		sem:     semaphore.NewWeighted(int64(c.MaxConcurrent)),
		// Burn only needs the cost of a hash, not its secrecy, so any fixed salt of the right
		// length does; a fixed one also spares a read of crypto/rand per unknown login.
		dummySalt: bytes.Repeat([]byte{0x5a}, int(c.SaltLen)),
		kdf:       argon2.IDKey,
	}
}

// Hash hashes password with a fresh random salt and the configured parameters.
// KindUnavailable if ctx ends while waiting for a hashing slot.
func (h *Hasher) Hash(ctx context.Context, password string) (account.PasswordHash, error) {
	salt := make([]byte, h.params.saltLen)
	rand.Read(salt) // never fails since Go 1.24: the program crashes instead of hashing with a weak salt
	key, err := h.derive(ctx, []byte(password), salt, h.params)
	if err != nil {
		return account.PasswordHash{}, err
	}
	return account.NewPasswordHash(encode(h.params, salt, key))
}

// Verify reports whether password matches hash, comparing in constant time. rehash is true when
// the password matches and hash was made with parameters (costs, salt or hash length) other than
// the configured ones, so that raising — or lowering — the configuration migrates every account
// at its next login; it is false when the password does not match, since only a caller holding
// the right password can rehash. A malformed hash is KindInternal; KindUnavailable if ctx ends
// while waiting for a hashing slot.
func (h *Hasher) Verify(ctx context.Context, password string, hash account.PasswordHash) (ok, rehash bool, err error) {
	p, salt, want, err := decode(hash.String())
	if err != nil {
		return false, false, domain.Errorf(domain.KindInternal, "verify password: %w", err)
	}
	got, err := h.derive(ctx, []byte(password), salt, p)
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && p != h.params, nil
}

// Burn computes one hash of password with the configured parameters and a fixed salt and throws it
// away, so that a login for an unknown account takes as long, and queues as, one for a known
// account. KindUnavailable if ctx ends while waiting for a hashing slot.
func (h *Hasher) Burn(ctx context.Context, password string) error {
	_, err := h.derive(ctx, []byte(password), h.dummySalt, h.params)
	return err
}

// Stats is a snapshot of the hashing slots for metrics, e.g. two Prometheus GaugeFuncs. Waiting
// that stays above zero means logins queue for CPU: MaxConcurrent is too low for the load, or a
// flood is under way.
type Stats struct {
	Running int64 // hashes being computed now
	Waiting int64 // calls waiting for hashing slots
}

// Stats returns the current number of running and waiting hash computations.
func (h *Hasher) Stats() Stats {
	return Stats{Running: h.running.Load(), Waiting: h.waiting.Load()}
}

// derive computes an Argon2id key once it holds enough hashing slots for p's memory.
func (h *Hasher) derive(ctx context.Context, password, salt []byte, p params) ([]byte, error) {
	n := min(max((int64(p.memory)+h.slotKiB-1)/h.slotKiB, 1), h.slots)
	h.waiting.Add(1)
	h.notify()
	err := h.sem.Acquire(ctx, n)
	h.waiting.Add(-1)
	if err != nil {
		h.notify()
		return nil, domain.Errorf(domain.KindUnavailable, "wait for a password hashing slot: %w", err)
	}
	h.running.Add(1)
	h.notify()
	defer func() {
		h.running.Add(-1)
		h.sem.Release(n)
		h.notify()
	}()
	return h.kdf(password, salt, p.iterations, p.memory, p.parallelism, p.keyLen), nil
}

func (h *Hasher) notify() {
	if h.changed != nil {
		h.changed()
	}
}
