package account_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/test/awaittest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// gatedHasher holds chosen Verify calls after they checked the password — between the check and the
// transaction that acts on it, where the races are — until the test releases them.
type gatedHasher struct {
	accountuc.PasswordHasher
	mu      sync.Mutex
	gates   map[string]chan struct{} // per password, for its first Verify only
	release map[string]chan struct{}
	checked chan string
}

func newGatedHasher(inner accountuc.PasswordHasher, passwords ...string) *gatedHasher {
	g := &gatedHasher{PasswordHasher: inner, gates: map[string]chan struct{}{}, release: map[string]chan struct{}{},
		checked: make(chan string, len(passwords))}
	for _, pw := range passwords {
		g.gates[pw] = make(chan struct{})
		g.release[pw] = g.gates[pw]
	}
	return g
}

// releaseOf is the channel to close to let pw's held Verify return.
func (g *gatedHasher) releaseOf(pw string) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.release[pw]
}

func (g *gatedHasher) Verify(ctx context.Context, pw string, h account.PasswordHash) (bool, bool, error) {
	ok, rehash, err := g.PasswordHasher.Verify(ctx, pw, h)
	g.mu.Lock()
	gate := g.gates[pw]
	delete(g.gates, pw)
	g.mu.Unlock()
	if gate != nil {
		g.checked <- pw
		<-gate
	}
	return ok, rehash, err
}

// Guesses in flight when an account locks must not tell the right one apart: after the lock, right
// and wrong alike are answered "locked".
func TestGuessesInFlightAllSeeTheLock(t *testing.T) {
	t.Parallel()
	wrong := []string{"wrong-guess-01", "wrong-guess-02", "wrong-guess-03", "wrong-guess-04", "wrong-guess-05", "wrong-guess-06"}
	var g *gatedHasher
	e := newEnv(t, func(d *accountuc.Deps) {
		g = newGatedHasher(d.Hasher, append(wrong, goodPassword)...)
		d.Hasher = g
	})
	e.register(t, "target2")

	results := map[string]chan error{}
	for _, pw := range append(wrong, goodPassword) {
		results[pw] = make(chan error, 1)
		go func() {
			_, err := e.login(t, "target2", pw)
			results[pw] <- err
		}()
	}
	for range len(wrong) + 1 {
		awaittest.Recv(t, g.checked, "a guess's check") // every guess passed the lock check and verified its password
	}
	release := func(pw string) error {
		close(g.releaseOf(pw))
		return awaittest.Recv(t, results[pw], "the login of "+pw)
	}
	bad, locked := 0, 0
	for _, pw := range wrong {
		switch err := release(pw); {
		case err == nil:
			t.Fatalf("%s logged in", pw)
		case errors.Is(err, account.ErrBadCredentials):
			bad++
		case errors.Is(err, account.ErrLocked):
			locked++
		default:
			t.Fatalf("unexpected %v", err)
		}
	}
	require.Equal(t, 4, bad, "failures 1–4")
	require.Equal(t, 2, locked, "the failure that locked, and the one after")
	require.ErrorIs(t, release(goodPassword), account.ErrLocked, "the right password looks like every other guess")
}

// A login checked against the old password must not open a session once the password has changed.
func TestLoginRacingAPasswordChangeFails(t *testing.T) {
	t.Parallel()
	var g *gatedHasher
	e := newEnv(t, func(d *accountuc.Deps) {
		g = newGatedHasher(d.Hasher, goodPassword)
		d.Hasher = g
	})
	e.register(t, "changing")
	done := make(chan error, 1)
	go func() {
		_, err := e.login(t, "changing", goodPassword) // the stale login, held after its check
		done <- err
	}()
	awaittest.Recv(t, g.checked, "the stale login's check")

	owner := e.mustLogin(t, "changing") // not gated any more
	p, err := auth(e, owner.Token.String())
	require.NoError(t, err)
	_, err = e.app.ChangePassword.Handle(context.Background(), accountuc.ChangePassword{Principal: p,
		Current: goodPassword, New: "lantern-quarry-velvet-77", Meta: ip})
	require.NoError(t, err)

	close(g.releaseOf(goodPassword))
	require.ErrorIs(t, awaittest.Recv(t, done, "the stale login's return"), account.ErrBadCredentials)
	_, err = e.login(t, "changing", "lantern-quarry-velvet-77")
	require.NoError(t, err, "and the new password still works")
}
