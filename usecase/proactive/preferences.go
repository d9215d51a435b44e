package proactive

import (
	"context"
	"fmt"
	"strings"

	"github.com/companionhub/companionhub/domain"
)

// Preferences are a person's own limits on companions writing first; a nil field is the hub's
// (Policy). Quiet hours are read in each schedule's time zone, as the hub's are.
type Preferences struct {
	// Quiet are the person's quiet hours (a zero span: never quiet).
	Quiet *QuietHours
	// DailyCap is how many messages their companions may write first in 24 hours, at most the
	// hub's.
	DailyCap *int
}

// Limits are the quiet hours and daily cap a person's schedules obey: their own where they chose,
// the hub's otherwise.
type Limits struct {
	Quiet    QuietHours
	DailyCap int
}

// limits are p's effective limits under the hub's policy.
func (p Policy) limits(own Preferences) Limits {
	l := Limits{Quiet: p.Quiet, DailyCap: p.DailyCap}
	if own.Quiet != nil {
		l.Quiet = *own.Quiet
	}
	if own.DailyCap != nil && *own.DailyCap < l.DailyCap {
		l.DailyCap = *own.DailyCap
	}
	return l
}

// PreferencesStatus is a person's preferences, what they come to, and the hub's defaults.
type PreferencesStatus struct {
	Own       Preferences
	Effective Limits
	Hub       Limits
}

// GetPreferences reads a person's preferences.
type GetPreferences struct{ UserID domain.ID }

type getPreferencesHandler struct{ d Deps }

func (h getPreferencesHandler) Handle(ctx context.Context, in GetPreferences) (PreferencesStatus, error) {
	own, err := h.d.Store.Preferences(ctx, in.UserID)
	if err != nil {
		return PreferencesStatus{}, err
	}
	return h.d.Policy.status(own), nil
}

func (p Policy) status(own Preferences) PreferencesStatus {
	return PreferencesStatus{Own: own, Effective: p.limits(own), Hub: Limits{Quiet: p.Quiet, DailyCap: p.DailyCap}}
}

// SetPreferences replaces a person's preferences: QuietHours "HH:MM-HH:MM", "" for never quiet,
// nil for the hub's; DailyCap 0 up to the hub's, nil for the hub's.
type SetPreferences struct {
	UserID     domain.ID
	QuietHours *string
	DailyCap   *int
}

type setPreferencesHandler struct{ d Deps }

func (h setPreferencesHandler) Handle(ctx context.Context, in SetPreferences) (PreferencesStatus, error) {
	var p Preferences
	var bad []domain.FieldViolation
	if in.QuietHours != nil {
		q, err := ParseQuietHours(*in.QuietHours)
		if err != nil || (strings.TrimSpace(*in.QuietHours) != "" && q.From == q.To) {
			bad = append(bad, domain.Violation("quiet_hours", "invalid",
				"quiet hours are HH:MM-HH:MM (e.g. 22:30-07:00), two different times; \"\" for never quiet"))
		}
		p.Quiet = &q
	}
	if in.DailyCap != nil {
		if *in.DailyCap < 0 || *in.DailyCap > h.d.Policy.DailyCap {
			bad = append(bad, domain.Violation("daily_cap", "out_of_range",
				fmt.Sprintf("daily_cap is 0 to %d (this hub's cap)", h.d.Policy.DailyCap)))
		}
		p.DailyCap = in.DailyCap
	}
	if len(bad) > 0 {
		return PreferencesStatus{}, domain.Invalid(bad...)
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Change, in.UserID.String()); err != nil {
		return PreferencesStatus{}, err
	}
	if err := h.d.Store.SetPreferences(ctx, in.UserID, p, h.d.Clock.Now()); err != nil {
		return PreferencesStatus{}, err
	}
	return h.d.Policy.status(p), nil
}
