package sqlstore

import (
	"context"

	"github.com/companionhub/companionhub/usecase/auditlog"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// CompanionStore persists companions, the media index and their audit events.
type CompanionStore struct {
	db *DB
	companionRepos
}

var _ companionuc.Store = (*CompanionStore)(nil)

// NewCompanionStore returns the companion store over db.
func NewCompanionStore(db *DB) *CompanionStore {
	return &CompanionStore{db: db, companionRepos: companionRepos{db.conn(db.X)}}
}

// InTx runs fn in one transaction, committing when it returns nil.
func (s *CompanionStore) InTx(ctx context.Context, fn func(companionuc.Repos) error) error {
	return s.db.inTx(ctx, func(c conn) error { return fn(companionRepos{c}) })
}

type companionRepos struct{ c conn }

func (r companionRepos) Companions() companionuc.Repository { return companionRepo(r) }
func (r companionRepos) Media() mediauc.Repository          { return mediaRepo(r) }
func (r companionRepos) Audit() auditlog.Repository         { return auditRepo(r) }

// MediaRepository returns the media index over db, for the media use cases.
func MediaRepository(db *DB) mediauc.Repository { return mediaRepo{db.conn(db.X)} }
