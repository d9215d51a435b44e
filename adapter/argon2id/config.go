// Package argon2id hashes passwords with Argon2id (RFC 9106) and stores them as PHC strings,
// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` with unpadded standard base64, the format of the
// reference implementation, libsodium and argon2-cffi, so hashes can be moved between systems.
//
// Argon2id is memory-hard: every hash holds MemoryKiB of RAM while it runs. A Hasher therefore
// caps how many hashes run at once, so a login flood queues (and gives up when its request does)
// instead of exhausting memory.
package argon2id

import (
	"runtime"

	"github.com/companionhub/companionhub/envflag"
)

// Bounds that no sane configuration or stored hash exceeds. maxMemoryKiB is RFC 9106's largest
// recommended setting (2 GiB); beyond it a corrupt stored hash could make the process allocate
// terabytes. The length bounds only keep a corrupt row from allocating silly amounts.
const (
	maxMemoryKiB = 2 << 20
	minSaltLen   = 8 // RFC 9106 §3.1, for hashes made elsewhere; our own use Config.SaltLen
	maxSaltLen   = 1024
	minKeyLen    = 4 // RFC 9106 §3.1, likewise
	maxKeyLen    = 1024
)

// Config holds the Argon2id cost parameters and the concurrency cap.
type Config struct {
	// MemoryKiB is the memory one hash uses, in KiB.
	MemoryKiB uint32 `env:"PASSWORD_HASH_MEMORY_KIB" help:"argon2id memory per password hash, in KiB"`
	// Iterations is the number of passes over the memory.
	Iterations uint32 `env:"PASSWORD_HASH_ITERATIONS" help:"argon2id passes over the memory"`
	// Parallelism is the number of lanes; x/crypto runs one goroutine per lane, so with
	// Parallelism > 1 one hash keeps several CPUs busy.
	Parallelism uint8 `env:"PASSWORD_HASH_PARALLELISM" help:"argon2id lanes per hash"`
	// SaltLen and KeyLen are the lengths of the random salt and of the derived hash, in bytes.
	SaltLen uint32 `env:"-"`
	KeyLen  uint32 `env:"-"`
	// MaxConcurrent caps the hashes computed at once, so hashing never holds more than
	// MaxConcurrent × MemoryKiB (see Hasher for hashes stored with more memory).
	MaxConcurrent int `env:"PASSWORD_HASH_CONCURRENCY" help:"password hashes computed at once (each holds its memory)"`
}

// DefaultConfig returns OWASP's recommended Argon2id parameters (Password Storage Cheat Sheet:
// m=19 MiB, t=2, p=1), a 16-byte salt and a 32-byte hash (RFC 9106's recommendation), and one
// hashing slot per usable CPU: hashing is CPU-bound, so more slots would not finish sooner, only
// hold more memory. GOMAXPROCS already follows a container's CPU limit.
func DefaultConfig() Config {
	return Config{
		MemoryKiB:     19456,
		Iterations:    2,
		Parallelism:   1,
		SaltLen:       16,
		KeyLen:        32,
		MaxConcurrent: runtime.GOMAXPROCS(0),
	}
}

// Validate checks that the parameters are ones Argon2id accepts and that the hashes they produce
// will verify here. It does not enforce a strength floor: a deployer on a small device may choose
// cheaper parameters, and tests do.
func (c Config) Validate() error {
	switch {
	case c.Iterations < 1:
		return envflag.Field("Iterations", "must be at least 1")
	case c.Parallelism < 1:
		return envflag.Field("Parallelism", "must be at least 1")
	case c.MemoryKiB < 8*uint32(c.Parallelism):
		// x/crypto would silently raise it, and the PHC string would then lie about the cost.
		return envflag.Fieldf("MemoryKiB", "must be at least 8 × Parallelism (%d)", 8*uint32(c.Parallelism))
	case c.MemoryKiB > maxMemoryKiB:
		return envflag.Fieldf("MemoryKiB", "must be at most %d (2 GiB)", maxMemoryKiB)
	case c.SaltLen < 16 || c.SaltLen > maxSaltLen:
		return envflag.Fieldf("SaltLen", "must be between 16 and %d bytes", maxSaltLen)
	case c.KeyLen < 16 || c.KeyLen > maxKeyLen:
		return envflag.Fieldf("KeyLen", "must be between 16 and %d bytes", maxKeyLen)
	case c.MaxConcurrent < 1:
		return envflag.Field("MaxConcurrent", "must be at least 1")
	}
	return nil
}

// params are the settings a PHC string records; two hashes need no rehash between them exactly
// when their params are equal.
type params struct {
	memory      uint32
	iterations  uint32
	parallelism uint8
	saltLen     uint32
	keyLen      uint32
}

func (c Config) params() params {
	return params{c.MemoryKiB, c.Iterations, c.Parallelism, c.SaltLen, c.KeyLen}
}
