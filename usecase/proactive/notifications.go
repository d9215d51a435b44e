package proactive

import (
	"context"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// NotificationStatus is whether a person is told when a companion writes first, whether the hub
// can tell anyone (a notifier is configured), and where their notifications go (an ntfy topic to
// subscribe to; "" when the notifier does not say).
type NotificationStatus struct {
	Enabled   bool
	Available bool
	Address   string
}

// GetNotifications reads a person's notification choice.
type GetNotifications struct{ UserID domain.ID }

type getNotificationsHandler struct{ d Deps }

func (h getNotificationsHandler) Handle(ctx context.Context, in GetNotifications) (NotificationStatus, error) {
	on, err := h.d.Store.NotificationsOn(ctx, in.UserID)
	if err != nil {
		return NotificationStatus{}, err
	}
	return h.d.status(ctx, in.UserID, on), nil
}

// SetNotifications turns a person's notifications on or off. Turning them on where the hub has
// no notifier is refused (not_configured): the person would wait for nothing.
type SetNotifications struct {
	UserID  domain.ID
	Enabled bool
}

type setNotificationsHandler struct{ d Deps }

func (h setNotificationsHandler) Handle(ctx context.Context, in SetNotifications) (NotificationStatus, error) {
	if in.Enabled && h.d.Notifier == nil {
		return NotificationStatus{}, domain.E(domain.KindInvalid, "not_configured", "this hub sends no notifications")
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Change, in.UserID.String()); err != nil {
		return NotificationStatus{}, err
	}
	if err := h.d.Store.SetNotifications(ctx, in.UserID, in.Enabled, h.d.Clock.Now()); err != nil {
		return NotificationStatus{}, err
	}
	return h.d.status(ctx, in.UserID, in.Enabled), nil
}

func (d Deps) status(ctx context.Context, userID domain.ID, on bool) NotificationStatus {
	st := NotificationStatus{Enabled: on, Available: d.Notifier != nil}
	if a, ok := d.Notifier.(Addresser); ok && d.Accounts != nil {
		if u, err := d.Accounts.GetMe.Handle(ctx, accountuc.GetMe{UserID: userID}); err == nil {
			st.Address = a.Address(userID, u.Username().String())
		}
	}
	return st
}

// notify tells the schedule's owner, if they asked, that the companion wrote first. It reports
// why it could not ("" when it did, or nobody asked).
func (d Deps) notify(ctx context.Context, s Schedule, c *companion.Companion, run Run) string {
	if d.Notifier == nil {
		return ""
	}
	on, err := d.Store.NotificationsOn(ctx, s.OwnerID)
	if err != nil || !on {
		if err != nil {
			return "notification_failed"
		}
		return ""
	}
	n := Notification{ID: domain.NewID(run.At), UserID: s.OwnerID, CompanionID: s.CompanionID, CompanionName: c.Profile().Name(),
		ScheduleID: s.ID, TurnID: run.TurnID, Due: run.Due, Title: c.Profile().Name() + " wrote to you",
		Body: "Open the chat to read it.", At: run.At}
	if d.Accounts != nil {
		if u, err := d.Accounts.GetMe.Handle(ctx, accountuc.GetMe{UserID: s.OwnerID}); err == nil {
			n.Username = u.Username().String()
		}
	}
	if d.PublicURL != "" {
		n.URL = strings.TrimSuffix(d.PublicURL, "/") + "/chat/" + s.CompanionID.String()
	}
	if err := d.Notifier.Notify(ctx, n); err != nil {
		return "notification_failed"
	}
	return ""
}
