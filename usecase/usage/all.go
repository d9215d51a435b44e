package usage

import (
	"context"

	"github.com/companionhub/companionhub/domain"
)

// All asks for everyone's usage (UserID set: one person's) from From to To.
type All struct {
	UserID   domain.ID // zero: everyone
	From, To string
}

type allHandler struct{ d Deps }

func (h allHandler) Handle(ctx context.Context, in All) (Report, error) {
	f, err := h.d.span(in.From, in.To)
	if err != nil {
		return Report{}, err
	}
	if !in.UserID.IsZero() {
		f.UserID = in.UserID.String()
	}
	return h.d.report(ctx, f, true)
}
