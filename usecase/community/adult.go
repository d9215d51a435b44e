package community

import (
	"context"
	"strconv"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
)

// ConfirmAdult records a person's statement that they are an adult (Adult false withdraws it):
// mature and explicit companions are shown, and publishing is open, only to those who made it.
type ConfirmAdult struct {
	UserID domain.ID
	Adult  bool
	Meta   audit.Meta
}

type confirmAdultHandler struct{ d Deps }

func (h confirmAdultHandler) Handle(ctx context.Context, in ConfirmAdult) (bool, error) {
	now := h.d.Clock.Now()
	at := time.Time{}
	if in.Adult {
		at = now
	}
	if err := h.d.Store.ConfirmAdult(ctx, in.UserID, at); err != nil {
		return false, err
	}
	h.d.record(ctx, audit.New(now, in.UserID, audit.ActionAdultConfirmation, audit.ResourceUser, in.UserID.String(), in.Meta).
		With("adult", strconv.FormatBool(in.Adult)))
	return in.Adult, nil
}

// AdultStatus asks whether the person confirmed they are an adult.
type AdultStatus struct{ UserID domain.ID }

type adultStatusHandler struct{ d Deps }

func (h adultStatusHandler) Handle(ctx context.Context, in AdultStatus) (bool, error) {
	return h.d.Store.AdultConfirmed(ctx, in.UserID)
}
