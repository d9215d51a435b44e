package argon2id

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/contract/passwordhashertest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// cheap keeps the suite fast under the race detector; only TestDefaultConfig pays OWASP's cost.
func cheap() Config {
	return Config{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32, MaxConcurrent: 4}
}

func TestConformance(t *testing.T) {
	passwordhashertest.Run(t, func(*testing.T) accountuc.PasswordHasher { return New(cheap()) })
}

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	require.NoError(t, c.Validate())
	assert.GreaterOrEqual(t, c.MaxConcurrent, 1)

	h := New(c)
	hash, err := h.Hash(t.Context(), "correct horse battery staple")
	require.NoError(t, err)
	// OWASP's parameters, a 16-byte salt (22 base64 characters) and a 32-byte hash (43).
	assert.Regexp(t, regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`), hash.String())
	ok, rehash, err := h.Verify(t.Context(), "correct horse battery staple", hash)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.False(t, rehash)
}

func TestConfigValidate(t *testing.T) {
	tests := map[string]func(*Config){
		"no iterations":        func(c *Config) { c.Iterations = 0 },
		"no parallelism":       func(c *Config) { c.Parallelism = 0 },
		"memory below 8×lanes": func(c *Config) { c.Parallelism = 4; c.MemoryKiB = 31 },
		"memory above 2 GiB":   func(c *Config) { c.MemoryKiB = 2<<20 + 1 },
		"short salt":           func(c *Config) { c.SaltLen = 15 },
		"huge salt":            func(c *Config) { c.SaltLen = 1025 },
		"short key":            func(c *Config) { c.KeyLen = 15 },
		"no concurrency":       func(c *Config) { c.MaxConcurrent = 0 },
		"negative concurrency": func(c *Config) { c.MaxConcurrent = -1 },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			c := DefaultConfig()
			mutate(&c)
			assert.Error(t, c.Validate())
			assert.Panics(t, func() { New(c) }, "New must refuse an invalid Config")
		})
	}
	assert.Error(t, Config{}.Validate(), "the zero Config must not be valid")
	assert.NoError(t, cheap().Validate())
}

// The upstream reference implementation's (phc-winner-argon2) test vectors: password "password",
// salt "somesalt". Verifying them proves the encoding is interoperable, not just self-consistent.
var referenceHashes = []string{
	"$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc",
	"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
}

func TestVerifyReferenceHashes(t *testing.T) {
	h := New(cheap()) // 64 KiB slots: the 64 MiB vector takes every slot and runs alone
	for _, s := range referenceHashes {
		hash, err := account.NewPasswordHash(s)
		require.NoError(t, err)
		ok, rehash, err := h.Verify(t.Context(), "password", hash)
		require.NoError(t, err, s)
		assert.True(t, ok, s)
		assert.True(t, rehash, "other parameters than ours must ask for a rehash: %s", s)

		ok, rehash, err = h.Verify(t.Context(), "Password", hash)
		require.NoError(t, err)
		assert.False(t, ok)
		assert.False(t, rehash)
	}
}

func TestEncodeMatchesReference(t *testing.T) {
	// The same vector's raw hash (hex 6d093c50… in upstream's test.c, here as base64) re-encoded by us.
	p, salt, key, err := decode(referenceHashes[0])
	require.NoError(t, err)
	assert.Equal(t, params{memory: 256, iterations: 2, parallelism: 2, saltLen: 8, keyLen: 32}, p)
	assert.Equal(t, "somesalt", string(salt))
	assert.Equal(t, referenceHashes[0], encode(p, salt, key))
}

func TestRehash(t *testing.T) {
	const pw = "a password that outlives its parameters"
	old := New(cheap())
	hash, err := old.Hash(t.Context(), pw)
	require.NoError(t, err)

	changes := map[string]func(*Config){
		"more iterations": func(c *Config) { c.Iterations = 2 },
		"more memory":     func(c *Config) { c.MemoryKiB = 128 },
		"less memory":     func(c *Config) { c.MemoryKiB = 32 },
		"more lanes":      func(c *Config) { c.Parallelism = 2 },
		"longer salt":     func(c *Config) { c.SaltLen = 24 },
		"shorter key":     func(c *Config) { c.KeyLen = 16 },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			c := cheap()
			change(&c)
			ok, rehash, err := New(c).Verify(t.Context(), pw, hash)
			require.NoError(t, err)
			assert.True(t, ok)
			assert.True(t, rehash)

			ok, rehash, err = New(c).Verify(t.Context(), "not "+pw, hash)
			require.NoError(t, err)
			assert.False(t, ok)
			assert.False(t, rehash, "only the right password can replace the hash")
		})
	}
	t.Run("more concurrency changes nothing stored", func(t *testing.T) {
		c := cheap()
		c.MaxConcurrent = 9
		ok, rehash, err := New(c).Verify(t.Context(), pw, hash)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.False(t, rehash)
	})
}

func TestMalformedHashes(t *testing.T) {
	salt := []byte("somesaltsalt") // c29tZXNhbHRzYWx0
	good := encode(params{64, 1, 1, 12, 32}, salt, argon2.IDKey([]byte("password"), salt, 1, 64, 1, 32))
	_, _, _, err := decode(good)
	require.NoError(t, err, "the template itself must be well formed")

	bad := map[string]string{
		"argon2i":              strings.Replace(good, "argon2id", "argon2i", 1),
		"version 16":           strings.Replace(good, "v=19", "v=16", 1),
		"no version":           strings.Replace(good, "$v=19", "", 1),
		"params out of order":  strings.Replace(good, "m=64,t=1,p=1", "t=1,m=64,p=1", 1),
		"extra param":          strings.Replace(good, "p=1", "p=1,keyid=abc", 1),
		"p=0":                  strings.Replace(good, "p=1", "p=0", 1),
		"p=256":                strings.Replace(good, "p=1", "p=256", 1),
		"t=0":                  strings.Replace(good, "t=1", "t=0", 1),
		"m below 8p":           strings.Replace(good, "m=64,t=1,p=1", "m=15,t=1,p=2", 1),
		"m above 2 GiB":        strings.Replace(good, "m=64", "m=4294967295", 1),
		"m overflows":          strings.Replace(good, "m=64", "m=4294967296", 1),
		"negative m":           strings.Replace(good, "m=64", "m=-64", 1),
		"padded salt":          strings.Replace(good, "c29tZXNhbHRzYWx0", "c29tZXNhbHRzYWx0==", 1),
		"salt not base64":      strings.Replace(good, "c29tZXNhbHRzYWx0", "c29t*XNhbHRzYWx0", 1),
		"salt too short":       strings.Replace(good, "c29tZXNhbHRzYWx0", "c29tZQ", 1),
		"hash missing":         good[:strings.LastIndex(good, "$")],
		"hash empty":           good[:strings.LastIndex(good, "$")+1],
		"hash too short":       good[:strings.LastIndex(good, "$")+1] + "AAA",
		"non-canonical base64": good[:len(good)-1] + "B",
		"trailing field":       good + "$",
		"leading text":         "x" + good,
		"bcrypt":               "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"plain text":           "hunter2",
	}
	h := New(cheap())
	for name, s := range bad {
		t.Run(name, func(t *testing.T) {
			hash, err := account.NewPasswordHash(s)
			require.NoError(t, err)
			ok, rehash, err := h.Verify(t.Context(), "password", hash)
			require.Error(t, err)
			assert.Equal(t, domain.KindInternal, domain.KindOf(err), "%v", err)
			assert.NotContains(t, err.Error(), "c29tZXNhbHRzYWx0", "the error must not quote the hash")
			assert.False(t, ok)
			assert.False(t, rehash)
		})
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	c := cheap()
	c.MaxConcurrent = 1
	h := New(c)
	p := newProbe(t, h)
	holder := make(chan error, 1)
	go func() { holder <- h.Burn(context.Background(), "holds the only slot") }()
	p.await(t, func() bool { return p.inside == 1 })

	ctx, cancel := context.WithCancel(context.Background())
	waiter := make(chan error, 1)
	go func() {
		_, err := h.Hash(ctx, "waits for the slot")
		waiter <- err
	}()
	p.await(t, func() bool { return h.Stats().Waiting == 1 })
	cancel()
	err := awaittest.Recv(t, waiter, "the cancelled Hash's return")
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	assert.ErrorIs(t, err, context.Canceled, "the cause stays matchable")
	assert.Equal(t, Stats{Running: 1, Waiting: 0}, h.Stats())

	p.releaseAll()
	require.NoError(t, awaittest.Recv(t, holder, "the holder's return"))
	assert.Equal(t, Stats{}, h.Stats())
	assert.Equal(t, 1, p.entered, "the cancelled call must never have hashed")
}
