package usage

import (
	"context"

	"github.com/companionhub/companionhub/domain"
)

// QuotaView is a person's overrides and where they stand today.
type QuotaView struct {
	Overrides Limits
	Standings []Standing
}

// GetQuota asks for a person's quotas.
type GetQuota struct{ UserID domain.ID }

type quotaHandler struct {
	d    Deps
	gate Gate
}

func (h quotaHandler) Handle(ctx context.Context, in GetQuota) (QuotaView, error) {
	return view(ctx, h.d, h.gate, in.UserID)
}

func view(ctx context.Context, d Deps, gate Gate, userID domain.ID) (QuotaView, error) {
	o, err := d.Store.Overrides(ctx, userID)
	if err != nil {
		return QuotaView{}, err
	}
	s, err := gate.Standings(ctx, userID)
	if err != nil {
		return QuotaView{}, err
	}
	return QuotaView{Overrides: o, Standings: s}, nil
}
