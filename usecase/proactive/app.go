package proactive

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// QuietHours is a daily span of local time in which no schedule sends: From inclusive, To
// exclusive, each minutes after midnight; From > To spans midnight (22:30–07:00). Equal: none.
type QuietHours struct {
	From, To int
}

// ParseQuietHours reads "HH:MM-HH:MM" ("", "none" and "off" are none: an environment variable set
// empty counts as unset, so a hub is told "off").
func ParseQuietHours(s string) (QuietHours, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none", "off":
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	f, errF := clock(from)
	t, errT := clock(to)
	if !ok || errF != nil || errT != nil {
		return QuietHours{}, fmt.Errorf("quiet hours must be HH:MM-HH:MM, e.g. 22:30-07:00")
	}
	return QuietHours{From: f, To: t}, nil
}

func clock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("not a time of day: %q", s)
	}
	return hh*60 + mm, nil
}

// String writes the span back ("" for none).
func (q QuietHours) String() string {
	if q.From == q.To {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.From/60, q.From%60, q.To/60, q.To%60)
}

// Contains reports whether t's local time of day falls in the quiet hours.
func (q QuietHours) Contains(t time.Time) bool {
	if q.From == q.To {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	if q.From < q.To {
		return m >= q.From && m < q.To
	}
	return m >= q.From || m < q.To
}

// Policy is the limits of companions writing first.
type Policy struct {
	// Change bounds creating, changing and deleting schedules per person (the settings rule).
	Change ratelimit.Rule
	// DailyCap is how many messages a person's companions may write first in 24 hours (0: none
	// may); beyond it occurrences are skipped. A person may choose fewer (Preferences).
	DailyCap int
	// Quiet are the hours, in each schedule's own time zone, in which nothing is sent, unless the
	// person chose their own (Preferences).
	Quiet QuietHours
	// MaxPerCompanion bounds a companion's schedules.
	MaxPerCompanion int
}

// DefaultPolicy: six messages a day, quiet from 22:30 to 07:00, ten schedules a companion.
func DefaultPolicy() Policy {
	return Policy{Change: ratelimit.DefaultRules().Settings, DailyCap: 6, Quiet: QuietHours{From: 22*60 + 30, To: 7 * 60},
		MaxPerCompanion: 10}
}

// Deps are what the proactive use cases consume.
type Deps struct {
	Store Store
	// Scheduler fires the schedules (usecase/schedule's port); Put and Delete follow every change.
	Scheduler  schedule.Scheduler
	Chat       *chatuc.App
	Companions *companionuc.App
	Guard      *ratelimit.Guard
	Clock      usecase.Clock
	Policy     Policy
	// Notifier tells people who asked that a companion wrote first (nil: nobody is told).
	Notifier Notifier
	// Accounts name the person in a notification.
	Accounts *accountuc.App
	// PublicURL is where people reach the hub (a notification links to the chat; "": no link).
	PublicURL string
}

// App is the set of proactive use cases.
type App struct {
	Create decorator.Handler[Create, Listed]
	Update decorator.Handler[Update, Listed]
	Delete decorator.Handler[Delete, struct{}]
	List   decorator.Handler[List, []Listed]
	Get    decorator.Handler[Get, Listed]
	Runs   decorator.Handler[ListRuns, RunPage]
	// Fire is the scheduler's Handler: what an occurrence does.
	Fire decorator.Handler[schedule.Firing, Run]
	// Resync puts every stored schedule into the scheduler again (at start-up).
	Resync decorator.Handler[Resync, Resynced]
	// Forget takes a person's schedules out of the scheduler (their account is being erased).
	Forget decorator.Handler[Forget, int]
	// Notifications and SetNotifications read and change whether a person is told.
	Notifications    decorator.Handler[GetNotifications, NotificationStatus]
	SetNotifications decorator.Handler[SetNotifications, NotificationStatus]
	// Preferences and SetPreferences read and change a person's own quiet hours and daily cap.
	Preferences    decorator.Handler[GetPreferences, PreferencesStatus]
	SetPreferences decorator.Handler[SetPreferences, PreferencesStatus]
}

// NewApp builds the proactive use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil || d.Scheduler == nil || d.Chat == nil || d.Companions == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "proactive deps: Store, Scheduler, Chat, Companions and Clock are required")
	}
	return &App{
		Create:           decorator.Decorate("proactive.create", createHandler{d}, obs...),
		Update:           decorator.Decorate("proactive.update", updateHandler{d}, obs...),
		Delete:           decorator.Decorate("proactive.delete", deleteHandler{d}, obs...),
		List:             decorator.Decorate("proactive.list", listHandler{d}, obs...),
		Get:              decorator.Decorate("proactive.get", getHandler{d}, obs...),
		Runs:             decorator.Decorate("proactive.runs", runsHandler{d}, obs...),
		Fire:             decorator.Decorate("proactive.fire", fireHandler{d}, obs...),
		Resync:           decorator.Decorate("proactive.resync", resyncHandler{d}, obs...),
		Forget:           decorator.Decorate("proactive.forget", forgetHandler{d}, obs...),
		Notifications:    decorator.Decorate("proactive.notifications", getNotificationsHandler{d}, obs...),
		SetNotifications: decorator.Decorate("proactive.set_notifications", setNotificationsHandler{d}, obs...),
		Preferences:      decorator.Decorate("proactive.preferences", getPreferencesHandler{d}, obs...),
		SetPreferences:   decorator.Decorate("proactive.set_preferences", setPreferencesHandler{d}, obs...),
	}, nil
}

// Listed is a schedule with its next occurrences (none while paused).
type Listed struct {
	Schedule Schedule
	NextRuns []time.Time
}

// nextRuns are a schedule's next three occurrences after now.
func nextRuns(s Schedule, now time.Time) []time.Time {
	if !s.Enabled {
		return nil
	}
	spec := s.spec()
	var out []time.Time
	at := now
	for range 3 {
		next, err := schedule.Next(spec, at)
		if err != nil {
			break
		}
		out = append(out, next)
		at = next
	}
	return out
}

// spec is the schedule as the scheduler keeps it.
func (s Schedule) spec() schedule.Spec {
	return schedule.Spec{ID: s.ID, OwnerID: s.OwnerID, CompanionID: s.CompanionID, Cron: s.Cron, TimeZone: s.TimeZone,
		Instruction: s.EffectiveInstruction(), Enabled: s.Enabled}
}
