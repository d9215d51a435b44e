package usage

import (
	"context"

	"github.com/companionhub/companionhub/domain"
)

// Mine asks for a person's usage from From to To (inclusive; zero: the last 30 days).
type Mine struct {
	UserID   domain.ID
	From, To string
}

type mineHandler struct {
	d    Deps
	gate Gate
}

func (h mineHandler) Handle(ctx context.Context, in Mine) (Report, error) {
	f, err := h.d.span(in.From, in.To)
	if err != nil {
		return Report{}, err
	}
	f.UserID = in.UserID.String()
	r, err := h.d.report(ctx, f, false)
	if err != nil {
		return Report{}, err
	}
	if r.Quotas, err = h.gate.Standings(ctx, in.UserID); err != nil {
		return Report{}, err
	}
	return r, nil
}
