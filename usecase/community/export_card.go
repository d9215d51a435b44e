package community

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// ErrCardExportNotAllowed refuses a card download its author did not allow.
var ErrCardExportNotAllowed = domain.E(domain.KindForbidden, "card_export_not_allowed",
	"the author does not let this companion be downloaded as a card")

// ExportCard is a published companion as a character card, when its author allows it: the
// shareable profile only, as the author's own export without private parts would give it.
type ExportCard struct {
	Viewer      Viewer
	CompanionID domain.ID
	Spec        companionuc.CardSpec
	Format      companionuc.CardFormat
}

type exportCardHandler struct{ d Deps }

func (h exportCardHandler) Handle(ctx context.Context, in ExportCard) (companionuc.ExportedCard, error) {
	if in.Viewer.UserID.IsZero() {
		return companionuc.ExportedCard{}, ErrAccountNeeded
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Browse, in.Viewer.IP); err != nil {
		return companionuc.ExportedCard{}, err
	}
	l, err := h.d.visible(ctx, in.Viewer.UserID, in.CompanionID)
	if err != nil {
		return companionuc.ExportedCard{}, err
	}
	if !l.AllowCardExport && l.Companion.OwnerID() != in.Viewer.UserID {
		return companionuc.ExportedCard{}, ErrCardExportNotAllowed
	}
	return h.d.Companions.ExportCard.Handle(ctx, companionuc.ExportCard{OwnerID: l.Companion.OwnerID(), ID: in.CompanionID,
		Spec: in.Spec, Format: in.Format})
}
