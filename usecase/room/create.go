package room

import (
	"context"
	"slices"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// Create makes a room owned by OwnerID, with companions of theirs (or published ones they may
// use), in the order given.
type Create struct {
	OwnerID      domain.ID
	Title        string
	CompanionIDs []domain.ID
	// Settings change room.DefaultSettings.
	Settings SettingsPatch
}

type createHandler struct{ d Deps }

func (h createHandler) Handle(ctx context.Context, in Create) (room.View, error) {
	var bad []domain.FieldViolation
	title, err := room.NewTitle(in.Title)
	bad = append(bad, domain.Violations(err)...)
	settings := in.Settings.Over(room.DefaultSettings())
	bad = append(bad, domain.Violations(settings.Validate())...)
	var ids []domain.ID // each once, in the order given
	for _, id := range in.CompanionIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > room.MaxCompanions {
		bad = append(bad, domain.Violation("companion_ids", "too_many", "a room holds at most 10 companions"))
	}
	if len(bad) > 0 {
		return room.View{}, domain.Invalid(bad...)
	}
	if err := h.d.limit(ctx, in.OwnerID); err != nil {
		return room.View{}, err
	}
	now := h.d.Clock.Now()
	r := room.Room{ID: domain.NewID(now), OwnerID: in.OwnerID, Title: title, Settings: settings, CreatedAt: now, UpdatedAt: now}
	var companions []room.Companion
	for _, id := range ids {
		name, err := h.d.usable(ctx, in.OwnerID, id)
		if err != nil {
			return room.View{}, err
		}
		companions = append(companions, room.Companion{CompanionID: id, Name: name, AddedBy: in.OwnerID,
			Position: len(companions), AddedAt: now})
	}
	if err := h.d.Store.Create(ctx, r, companions); err != nil {
		return room.View{}, err
	}
	return h.d.Store.View(ctx, r.ID, in.OwnerID)
}
