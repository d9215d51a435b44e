// Package companion holds the use cases of companions (SPEC §3.2): create, read, edit losslessly,
// trash, restore and purge; header images; character-card import and export.
package companion

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/auditlog"
	"github.com/companionhub/companionhub/usecase/media"
)

// Store is the persistence port of companions. Outside InTx every call is its own transaction.
// Implementation: adapter/sqlstore; conformance: test/contract/companionstoretest.
type Store interface {
	Repos
	InTx(ctx context.Context, fn func(Repos) error) error
}

// Repos are the repositories companion use cases change together.
type Repos interface {
	Companions() Repository
	Media() media.Repository
	Audit() auditlog.Repository
}

// Repository stores companions. Every lookup is scoped to an owner: another user's companion is
// KindNotFound (companion.ErrNotFound), exactly like an absent one.
type Repository interface {
	// Create stores a new companion. KindNotFound if the owner does not exist.
	Create(ctx context.Context, c *companion.Companion) error
	// Get returns the owner's companion, in the trash or not.
	Get(ctx context.Context, owner, id domain.ID) (*companion.Companion, error)
	// GetForUpdate is Get that, inside InTx, keeps others from changing it until commit.
	GetForUpdate(ctx context.Context, owner, id domain.ID) (*companion.Companion, error)
	// List lists the owner's companions newest first: the live ones, or those in the trash.
	List(ctx context.Context, owner domain.ID, trashed bool, p domain.Page) ([]*companion.Companion, domain.Cursor, error)
	// Update saves the profile, scene, relationship, header, visibility and times.
	Update(ctx context.Context, c *companion.Companion) error
	// Delete removes a companion for good (its files' records lose their link to it).
	Delete(ctx context.Context, id domain.ID) error
	// ListTrashedBefore lists up to limit companions of any owner trashed before before, oldest first
	// by (deletion time, id), starting after the cursor (whose At is a deletion time).
	ListTrashedBefore(ctx context.Context, before time.Time, after domain.Cursor, limit int) ([]*companion.Companion, error)
}
