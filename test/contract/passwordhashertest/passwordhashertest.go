// Package passwordhashertest is the conformance suite of the account use cases' PasswordHasher
// port. Every implementation — adapter/argon2id and any third-party one — runs it from a test:
//
//	func TestConformance(t *testing.T) {
//		passwordhashertest.Run(t, func(t *testing.T) accountuc.PasswordHasher { return myhasher.New(cheapConfig) })
//	}
//
// Give it cheap cost parameters: it hashes a few dozen times, often under the race detector.
// What it cannot check portably — that a caller waiting for a hashing slot gives up with
// KindUnavailable when its context ends — each implementation tests itself.
package passwordhashertest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// Run runs the suite. newHasher is called once per subtest; hashers it returns must accept each
// other's hashes, as replicas of one deployment do.
func Run(t *testing.T, newHasher func(t *testing.T) accountuc.PasswordHasher) {
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		h := newHasher(t)
		const pw = "correct horse battery staple"
		hash := mustHash(t, h, pw)
		assert.NotContains(t, hash.String(), pw, "the hash must not contain the password")
		ok, rehash, err := h.Verify(t.Context(), pw, hash)
		require.NoError(t, err)
		assert.True(t, ok, "the right password must verify")
		assert.False(t, rehash, "a hash made with the current parameters needs no rehash")
	})

	t.Run("WrongPassword", func(t *testing.T) {
		t.Parallel()
		h := newHasher(t)
		const pw = "Tr0ub4dour&3-and-more"
		hash := mustHash(t, h, pw)
		for _, wrong := range []string{"", "tr0ub4dour&3-and-more", "Tr0ub4dour&3-and-mor", pw + " ", " " + pw, pw + "\x00"} {
			ok, rehash, err := h.Verify(t.Context(), wrong, hash)
			require.NoError(t, err, "a wrong password is not an error")
			assert.False(t, ok, "%q must not verify", wrong)
			assert.False(t, rehash, "a wrong password must not ask for a rehash")
		}
	})

	t.Run("EveryByteCounts", func(t *testing.T) {
		// Guards against truncating schemes (bcrypt stops at 72 bytes, C code at a NUL byte).
		t.Parallel()
		h := newHasher(t)
		long := strings.Repeat("ab", 64) // 128 characters, the policy's maximum
		cases := map[string]string{
			"last of 128 characters": long[:127] + "c",
			"after a NUL byte":       "pass\x00word-one",
		}
		hashes := map[string]account.PasswordHash{
			"last of 128 characters": mustHash(t, h, long),
			"after a NUL byte":       mustHash(t, h, "pass\x00word-two"),
		}
		for name, other := range cases {
			ok, _, err := h.Verify(t.Context(), other, hashes[name])
			require.NoError(t, err)
			assert.False(t, ok, "passwords differing only %s must not match", name)
		}
	})

	t.Run("Unicode", func(t *testing.T) {
		t.Parallel()
		h := newHasher(t)
		for _, pw := range []string{"пароль-очень-надёжный", "密码很长很长很长很长很长", "🔐🐉 dragons guard 🗝️", "e\u0301te\u0301 compose\u0301"} {
			hash := mustHash(t, h, pw)
			ok, _, err := h.Verify(t.Context(), pw, hash)
			require.NoError(t, err)
			assert.True(t, ok, "%q must verify", pw)
			ok, _, err = h.Verify(t.Context(), strings.ToUpper(pw), hash)
			require.NoError(t, err)
			assert.Equal(t, pw == strings.ToUpper(pw), ok, "%q must be case-sensitive", pw)
		}
	})

	t.Run("Salted", func(t *testing.T) {
		t.Parallel()
		h := newHasher(t)
		const pw = "same password twice"
		a, b := mustHash(t, h, pw), mustHash(t, h, pw)
		assert.NotEqual(t, a.String(), b.String(), "two hashes of one password must differ (random salt)")
		for _, hash := range []account.PasswordHash{a, b} {
			ok, _, err := h.Verify(t.Context(), pw, hash)
			require.NoError(t, err)
			assert.True(t, ok)
		}
	})

	t.Run("AcrossInstances", func(t *testing.T) {
		t.Parallel()
		const pw = "made on one replica, checked on another"
		hash := mustHash(t, newHasher(t), pw)
		ok, rehash, err := newHasher(t).Verify(t.Context(), pw, hash)
		require.NoError(t, err)
		assert.True(t, ok, "a hash must verify on another instance with the same configuration")
		assert.False(t, rehash)
	})

	t.Run("Burn", func(t *testing.T) {
		t.Parallel()
		h := newHasher(t)
		require.NoError(t, h.Burn(t.Context(), "whatever the attacker typed"))
		require.NoError(t, h.Burn(t.Context(), ""))
	})

	t.Run("MalformedHashIsInternal", func(t *testing.T) {
		t.Parallel()
		h := newHasher(t)
		garbage := []string{"x", "$", "$$$$$$", "plaintext-password", "$unknown$v=1$abc$def", "\x00\xff"}
		for _, g := range garbage {
			hash, err := account.NewPasswordHash(g)
			require.NoError(t, err)
			ok, rehash, err := h.Verify(t.Context(), "anything", hash)
			assert.Truef(t, domain.IsKind(err, domain.KindInternal), "Verify(%q) = %v, want a KindInternal error", g, err)
			assert.False(t, ok)
			assert.False(t, rehash)
		}
		ok, _, err := h.Verify(t.Context(), "anything", account.PasswordHash{})
		assert.Truef(t, domain.IsKind(err, domain.KindInternal), "Verify(zero hash) = %v, want KindInternal", err)
		assert.False(t, ok)
	})

	t.Run("CancelledContext", func(t *testing.T) {
		// A hasher that never waits may still answer; one that refuses must say KindUnavailable.
		t.Parallel()
		h := newHasher(t)
		const pw = "cancelled context"
		hash := mustHash(t, h, pw)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := h.Hash(ctx, pw); err != nil {
			assert.Truef(t, domain.IsKind(err, domain.KindUnavailable), "Hash: %v, want nil or KindUnavailable", err)
		}
		if ok, _, err := h.Verify(ctx, pw, hash); err != nil {
			assert.Truef(t, domain.IsKind(err, domain.KindUnavailable), "Verify: %v, want nil or KindUnavailable", err)
		} else {
			assert.True(t, ok, "an answer despite the cancelled context must still be right")
		}
		if err := h.Burn(ctx, pw); err != nil {
			assert.Truef(t, domain.IsKind(err, domain.KindUnavailable), "Burn: %v, want nil or KindUnavailable", err)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		h := newHasher(t)
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				pw := fmt.Sprintf("concurrent password %d", i)
				hash, err := h.Hash(context.Background(), pw)
				if !assert.NoError(t, err) {
					return
				}
				ok, _, err := h.Verify(context.Background(), pw, hash)
				assert.NoError(t, err)
				assert.True(t, ok, "password %d", i)
				ok, _, err = h.Verify(context.Background(), pw+"!", hash)
				assert.NoError(t, err)
				assert.False(t, ok, "password %d with a suffix", i)
				assert.NoError(t, h.Burn(context.Background(), pw))
			})
		}
		wg.Wait()
	})
}

func mustHash(t *testing.T, h accountuc.PasswordHasher, pw string) account.PasswordHash {
	t.Helper()
	hash, err := h.Hash(t.Context(), pw)
	require.NoError(t, err)
	require.False(t, hash.IsZero(), "Hash returned an empty hash")
	return hash
}
