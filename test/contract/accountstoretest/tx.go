package accountstoretest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

func testTxCommits(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := newUser(t, base)
	err := s.InTx(ctx, func(r accountuc.Repos) error {
		if err := r.Users().Create(ctx, u); err != nil {
			return err
		}
		sess, _ := account.NewSession(domain.NewID(base), u.ID(), base, account.DefaultSessionPolicy(), "ua", "192.0.2.1")
		if err := r.Sessions().Create(ctx, sess); err != nil {
			return err
		}
		// Reads inside the transaction see its own writes.
		if _, err := r.Users().GetForUpdate(ctx, u.ID()); err != nil {
			return err
		}
		return r.Audit().Append(ctx, audit.New(base, u.ID(), audit.ActionRegister, audit.ResourceUser, u.ID().String(), audit.Meta{}))
	})
	require.NoError(t, err)
	_, err = s.Users().Get(ctx, u.ID())
	require.NoError(t, err)
	sessions, err := s.Sessions().ListByUser(ctx, u.ID(), base)
	require.NoError(t, err)
	require.Len(t, sessions, 1)
	events, _, err := s.Audit().ListByActor(ctx, u.ID(), domain.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, events, 1)
}

func testTxRollsBack(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	existing := mustCreate(t, s, base)
	u := newUser(t, base)
	boom := errors.New("boom")
	err := s.InTx(ctx, func(r accountuc.Repos) error {
		require.NoError(t, r.Users().Create(ctx, u))
		existing.FailLogin(base.Add(time.Minute), account.DefaultLockoutPolicy())
		require.NoError(t, r.Users().Update(ctx, existing))
		require.NoError(t, r.Audit().Append(ctx, audit.New(base, u.ID(), audit.ActionRegister, audit.ResourceUser, "", audit.Meta{})))
		return boom
	})
	require.ErrorIs(t, err, boom)

	_, err = s.Users().Get(ctx, u.ID())
	requireKind(t, err, domain.KindNotFound)
	got, err := s.Users().Get(ctx, existing.ID())
	require.NoError(t, err)
	require.Zero(t, got.Lockout().Failures(), "the update inside the failed transaction must not persist")
	events, _, err := s.Audit().ListByActor(ctx, u.ID(), domain.Page{Limit: 10})
	require.NoError(t, err)
	require.Empty(t, events)

	// A conflict inside a transaction fails it cleanly and the store stays usable.
	err = s.InTx(ctx, func(r accountuc.Repos) error { return r.Users().Create(ctx, existing) })
	require.ErrorIs(t, err, account.ErrAlreadyTaken)
	_, err = s.Users().Get(ctx, existing.ID())
	require.NoError(t, err)
}

// Concurrent read-modify-write transactions on one user must not lose updates: this is what keeps the
// lockout counter exact when a password-guessing burst arrives in parallel.
func testGetForUpdateSerialises(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)
	const workers = 12
	policy := account.LockoutPolicy{MaxFailures: 1000, Window: time.Hour, LockFor: time.Minute}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.InTx(ctx, func(r accountuc.Repos) error {
				got, err := r.Users().GetForUpdate(ctx, u.ID())
				if err != nil {
					return err
				}
				got.FailLogin(base.Add(time.Duration(i)*time.Millisecond), policy)
				return r.Users().Update(ctx, got)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.Users().Get(ctx, u.ID())
	require.NoError(t, err)
	require.Equal(t, workers, got.Lockout().Failures())
}

// The first failures for an identifier with no state yet arrive together: every one must count,
// or an unknown identifier would lock later than an account does (and so reveal that it is one).
func testLockoutFirstFailuresRace(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	key := "ident:" + domain.NewID(base).String()
	const workers = 8
	policy := account.LockoutPolicy{MaxFailures: 100, Window: time.Hour, LockFor: time.Minute}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.InTx(ctx, func(r accountuc.Repos) error {
				l, err := r.Lockouts().GetForUpdate(ctx, key)
				if err != nil {
					return err
				}
				l.Fail(base, policy)
				return r.Lockouts().Put(ctx, key, l)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.Lockouts().Get(ctx, key)
	require.NoError(t, err)
	require.Equal(t, workers, got.Failures())

	// Reading for update and recording nothing leaves no state behind.
	empty := "ident:" + domain.NewID(base).String()
	require.NoError(t, s.InTx(ctx, func(r accountuc.Repos) error {
		l, err := r.Lockouts().GetForUpdate(ctx, empty)
		require.True(t, l.IsZero())
		return err
	}))
	l, err := s.Lockouts().Get(ctx, empty)
	require.NoError(t, err)
	require.True(t, l.IsZero())
}
