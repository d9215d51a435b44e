package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/wire"

	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/auditlog"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// AccountStore persists users, sessions, lockouts and audit events.
type AccountStore struct {
	db *DB
	accountRepos
}

var _ accountuc.Store = (*AccountStore)(nil)

// NewAccountStore returns the account store over db.
func NewAccountStore(db *DB) *AccountStore {
	return &AccountStore{db: db, accountRepos: accountRepos{db.conn(db.X)}}
}

// InTx runs fn in one transaction, committing when it returns nil and rolling back otherwise.
func (s *AccountStore) InTx(ctx context.Context, fn func(accountuc.Repos) error) error {
	return s.db.inTx(ctx, func(c conn) error { return fn(accountRepos{c}) })
}

// inTx is the one place transactions begin and end.
func (db *DB) inTx(ctx context.Context, fn func(conn) error) (err error) {
	// Last, once the transaction's connection is back in the pool and the writer queue moved on:
	// prepare what it ran unprepared.
	defer db.stmts.fill(ctx)
	release, err := takeTurn(ctx, db.writers)
	if err != nil {
		return classify(err, nil, "begin transaction")
	}
	defer release()
	tx, err := db.X.BeginTxx(ctx, nil)
	if err != nil {
		return classify(err, nil, "begin transaction")
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, context.Canceled) {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
			}
		}
	}()
	if err = fn(db.conn(tx)); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return classify(err, nil, "commit")
	}
	return nil
}

type accountRepos struct{ c conn }

func (r accountRepos) Users() accountuc.UserRepository       { return userRepo(r) }
func (r accountRepos) Sessions() accountuc.SessionRepository { return sessionRepo(r) }
func (r accountRepos) Lockouts() accountuc.LockoutRepository { return lockoutRepo(r) }
func (r accountRepos) Audit() auditlog.Repository            { return auditRepo(r) }

// ProviderSet provides the SQL stores over a *DB that the caller opens.
var ProviderSet = wire.NewSet(
	NewAccountStore, wire.Bind(new(accountuc.Store), new(*AccountStore)),
	NewCompanionStore, wire.Bind(new(companionuc.Store), new(*CompanionStore)),
	NewChatStore, wire.Bind(new(chatuc.Store), new(*ChatStore)),
	MediaRepository,
	GalleryRepository,
	MemoryStore,
	SummaryStore,
	CommunityStore,
	ProactiveStore,
	TokenStore,
	UserDataStore,
	UsageStore,
	RoomStore,
)
