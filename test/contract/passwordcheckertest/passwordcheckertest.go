// Package passwordcheckertest is the conformance suite of the account use cases' password-policy
// ports: StrengthEstimator (RunStrength), CommonPasswords (RunCommon) and BreachChecker
// (RunBreach). adapter/zxcvbn and adapter/hibp run it, and so should any replacement.
package passwordcheckertest

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// Passwords every zxcvbn-class estimator must call weak: policy-length (12+) strings built from a
// common password, a keyboard row, a repeat, a sequence, a date and a name.
var weakPasswords = []string{
	"password1234",
	"P@ssw0rd1234",
	"qwertyuiop12",
	"aaaaaaaaaaaa",
	"abcdefghijkl",
	"123456789012",
	"Jennifer1990",
	"iloveyou2024",
}

// Passwords every estimator must call strong: passphrases of uncommon words and random strings.
var strongPasswords = []string{
	"correct horse battery staple",
	"velvet-orbit-cactus-mingle",
	"Tq8#vLz2!pWm9@Rx",
	"quartz wander ochre pelican fjord",
}

// RunStrength checks a StrengthEstimator.
func RunStrength(t *testing.T, est accountuc.StrengthEstimator) {
	t.Run("WeakPasswordsScoreLowWithAdvice", func(t *testing.T) {
		t.Parallel()
		for _, pw := range weakPasswords {
			s := est.Estimate(pw, nil)
			assert.Less(t, s.Score, 3, "%q", pw)
			assert.GreaterOrEqual(t, s.Score, 0, "%q", pw)
			assert.True(t, s.Warning != "" || len(s.Suggestions) > 0, "%q: a weak score needs a warning or a suggestion", pw)
			for _, sug := range s.Suggestions {
				assert.NotEmpty(t, strings.TrimSpace(sug), "%q: empty suggestion", pw)
			}
		}
	})

	t.Run("StrongPasswordsScoreHigh", func(t *testing.T) {
		t.Parallel()
		for _, pw := range strongPasswords {
			s := est.Estimate(pw, []string{"someone@example.com", "someone"})
			assert.GreaterOrEqual(t, s.Score, 3, "%q", pw)
			assert.LessOrEqual(t, s.Score, 4, "%q", pw)
		}
	})

	t.Run("UserInputsWeaken", func(t *testing.T) {
		t.Parallel()
		// Neither name is in a dictionary: without the inputs both passwords look random.
		inputs := []string{"Zorvath Quimbleton", "zorvath.quimbleton@example.org", "zquim"}
		own := "zorvathquimbleton"
		random := "kd8fj3la0xq7zmw2p"
		require.Equal(t, len(own), len(random))
		mine, theirs := est.Estimate(own, inputs), est.Estimate(random, inputs)
		assert.Less(t, mine.Score, theirs.Score, "a password made of the user's own name must score lower")
		assert.Less(t, mine.Score, 3)
		assert.True(t, mine.Warning != "" || len(mine.Suggestions) > 0)
		assert.LessOrEqual(t, mine.Score, est.Estimate(own, nil).Score, "inputs can only make a password weaker")
	})

	t.Run("Deterministic", func(t *testing.T) {
		t.Parallel()
		inputs := []string{"alice", "alice@example.com"}
		for _, pw := range append(append([]string{"alice1990!"}, weakPasswords...), strongPasswords...) {
			assert.Equal(t, est.Estimate(pw, inputs), est.Estimate(pw, inputs), "%q", pw)
		}
	})

	t.Run("OddInputs", func(t *testing.T) {
		t.Parallel()
		for _, pw := range []string{"", "\xff\xfe invalid utf-8", strings.Repeat("Ab1!", 32), "пароль-пароль-пароль", "🔐🐉🗝️"} {
			s := est.Estimate(pw, []string{"", "  ", "x"})
			assert.True(t, s.Score >= 0 && s.Score <= 4, "%q: score %d", pw, s.Score)
		}
		assert.Less(t, est.Estimate("", nil).Score, 3, "the empty password is weak")
	})

	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		want := est.Estimate("P@ssw0rd1234", nil)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { assert.Equal(t, want, est.Estimate("P@ssw0rd1234", nil)) })
		}
		wg.Wait()
	})
}

// RunCommon checks a CommonPasswords list with one password it must contain.
func RunCommon(t *testing.T, c accountuc.CommonPasswords, knownCommon string) {
	require.NotEmpty(t, knownCommon)
	t.Run("Known", func(t *testing.T) {
		assert.True(t, c.IsCommon(knownCommon))
	})
	t.Run("IgnoresCase", func(t *testing.T) {
		// The use case blocks "Password" as it blocks "password".
		assert.True(t, c.IsCommon(strings.ToUpper(knownCommon)))
		assert.True(t, c.IsCommon(strings.ToUpper(knownCommon[:1])+knownCommon[1:]))
	})
	t.Run("NotEverything", func(t *testing.T) {
		assert.False(t, c.IsCommon(rand.Text()), "a random password is not common")
		assert.False(t, c.IsCommon(knownCommon+rand.Text()), "only whole passwords match")
	})
}

// RunBreach checks a BreachChecker. newChecker returns a checker with a password it must report
// as breached and one it must report as clean; a checker backed by a remote service should point
// at a faithful fake of it.
func RunBreach(t *testing.T, newChecker func(t *testing.T) (c accountuc.BreachChecker, breached, clean string)) {
	t.Run("Breached", func(t *testing.T) {
		t.Parallel()
		c, breached, _ := newChecker(t)
		got, err := c.Breached(t.Context(), breached)
		require.NoError(t, err)
		assert.True(t, got)
	})
	t.Run("Clean", func(t *testing.T) {
		t.Parallel()
		c, _, clean := newChecker(t)
		got, err := c.Breached(t.Context(), clean)
		require.NoError(t, err)
		assert.False(t, got)
	})
	t.Run("CancelledContext", func(t *testing.T) {
		// A checker that cannot answer says KindUnavailable; one that still answers must be right.
		t.Parallel()
		c, breached, clean := newChecker(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for pw, want := range map[string]bool{breached: true, clean: false} {
			got, err := c.Breached(ctx, pw)
			if err != nil {
				assert.Truef(t, domain.IsKind(err, domain.KindUnavailable), "%v, want KindUnavailable", err)
				assert.False(t, got, "an error comes with false")
			} else {
				assert.Equal(t, want, got)
			}
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		c, breached, clean := newChecker(t)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				pw, want := breached, true
				if i%2 == 1 {
					pw, want = clean, false
				}
				got, err := c.Breached(context.Background(), pw)
				assert.NoError(t, err)
				assert.Equal(t, want, got)
			})
		}
		wg.Wait()
	})
}
