package community

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// ErrAdultConfirmationNeeded refuses publishing by someone who has not confirmed they are an adult.
var ErrAdultConfirmationNeeded = domain.E(domain.KindForbidden, "adult_confirmation_required",
	"confirm that you are an adult before you publish a companion")

// Publish shares the owner's companion with the community (again, to change whether its card may
// be downloaded). A companion in the trash cannot be published.
type Publish struct {
	OwnerID         domain.ID
	CompanionID     domain.ID
	AllowCardExport bool
	Meta            audit.Meta
}

type publishHandler struct{ d Deps }

func (h publishHandler) Handle(ctx context.Context, in Publish) (Listing, error) {
	c, err := h.d.Companions.Get.Handle(ctx, companionuc.Get{OwnerID: in.OwnerID, ID: in.CompanionID})
	if err != nil {
		return Listing{}, err
	}
	if err := c.Writable(); err != nil {
		return Listing{}, err
	}
	adult, err := h.d.Store.AdultConfirmed(ctx, in.OwnerID)
	if err != nil {
		return Listing{}, err
	}
	if !adult {
		return Listing{}, ErrAdultConfirmationNeeded
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Change, in.OwnerID.String()); err != nil {
		return Listing{}, err
	}
	now := h.d.Clock.Now()
	if err := h.d.Store.Publish(ctx, in.OwnerID, in.CompanionID, in.AllowCardExport, now); err != nil {
		return Listing{}, err
	}
	h.d.record(ctx, audit.New(now, in.OwnerID, audit.ActionCompanionPublish, audit.ResourceCompanion, c.ID().String(), in.Meta).
		With("name", c.Profile().Name()))
	return h.d.Store.Get(ctx, in.CompanionID)
}

// Unpublish takes a companion out of the community: its owner's, or — ByModerator, with a zero
// OwnerID — anyone's. Its ratings and counters go with the publication; clones stay their owners'.
type Unpublish struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	ByModerator bool
	Reason      string // a moderator's
	Meta        audit.Meta
}

type unpublishHandler struct{ d Deps }

func (h unpublishHandler) Handle(ctx context.Context, in Unpublish) (struct{}, error) {
	owner := in.OwnerID
	if in.ByModerator {
		l, err := h.d.Store.Get(ctx, in.CompanionID)
		if err != nil {
			return struct{}{}, err
		}
		owner = l.Companion.OwnerID()
		if err := h.d.Store.Unpublish(ctx, domain.ID{}, in.CompanionID); err != nil {
			return struct{}{}, err
		}
		h.d.record(ctx, audit.New(h.d.Clock.Now(), owner, audit.ActionCompanionUnpublish, audit.ResourceCompanion,
			in.CompanionID.String(), in.Meta).With("by", "admin").With("reason", in.Reason))
		return struct{}{}, nil
	}
	if _, err := h.d.Companions.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: in.CompanionID}); err != nil {
		return struct{}{}, err
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Change, owner.String()); err != nil {
		return struct{}{}, err
	}
	if err := h.d.Store.Unpublish(ctx, owner, in.CompanionID); err != nil {
		return struct{}{}, err
	}
	h.d.record(ctx, audit.New(h.d.Clock.Now(), owner, audit.ActionCompanionUnpublish, audit.ResourceCompanion,
		in.CompanionID.String(), in.Meta))
	return struct{}{}, nil
}

// Status is the owner's look at their companion's publication.
type Status struct {
	OwnerID     domain.ID
	CompanionID domain.ID
}

type statusHandler struct{ d Deps }

func (h statusHandler) Handle(ctx context.Context, in Status) (Listing, error) {
	if _, err := h.d.Companions.Get.Handle(ctx, companionuc.Get{OwnerID: in.OwnerID, ID: in.CompanionID}); err != nil {
		return Listing{}, err
	}
	return h.d.Store.Get(ctx, in.CompanionID)
}
