package usage

import (
	"context"

	"github.com/companionhub/companionhub/domain"
)

// SetQuota replaces a person's overrides: a nil limit is the hub's default, 0 no limit.
type SetQuota struct {
	UserID    domain.ID
	Overrides Limits
}

type setQuotaHandler struct {
	d    Deps
	gate Gate
}

func (h setQuotaHandler) Handle(ctx context.Context, in SetQuota) (QuotaView, error) {
	if err := in.Overrides.Validate(); err != nil {
		return QuotaView{}, err
	}
	if err := h.d.Store.SetOverrides(ctx, in.UserID, in.Overrides); err != nil {
		return QuotaView{}, err
	}
	return view(ctx, h.d, h.gate, in.UserID)
}
