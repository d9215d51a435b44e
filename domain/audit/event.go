// Package audit models the security-relevant record of who did what: append-only events that an
// owner can read back about their own account.
package audit

import (
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Action names what happened. The set is closed; storage keeps the string.
type Action struct{ s string }

var (
	ActionRegister       = Action{"register"}
	ActionLoginSuccess   = Action{"login_success"}
	ActionLoginFailure   = Action{"login_failure"}
	ActionLoginLocked    = Action{"login_locked"}
	ActionLogout         = Action{"logout"}
	ActionLogoutAll      = Action{"logout_all"}
	ActionPasswordChange = Action{"password_change"}
	ActionSessionRevoke  = Action{"session_revoke"}
	ActionProfileUpdate  = Action{"profile_update"}

	ActionCompanionCreate  = Action{"companion_create"}
	ActionCompanionImport  = Action{"companion_import"}
	ActionCompanionUpdate  = Action{"companion_update"}
	ActionCompanionHeader  = Action{"companion_header"}
	ActionCompanionDelete  = Action{"companion_delete"}
	ActionCompanionRestore = Action{"companion_restore"}
	ActionCompanionPurge   = Action{"companion_purge"}
	// ActionCompanionSettings is a change of a companion's settings (auto-image, voice, memory,
	// DeepThink); its details list the settings changed and their new values.
	ActionCompanionSettings = Action{"companion_settings"}
	// ActionMemoryWipe is a companion made to forget everything: its memories deleted, its
	// relationship back to where it starts.
	ActionMemoryWipe = Action{"memory_wipe"}

	// The community's: a companion published or withdrawn (by its owner, or by a moderator:
	// details say "by": "admin"), a private copy made of a published one ("origin": its id), a
	// report filed about one, and a person confirming (or withdrawing) that they are an adult.
	ActionCompanionPublish   = Action{"companion_publish"}
	ActionCompanionUnpublish = Action{"companion_unpublish"}
	ActionCompanionClone     = Action{"companion_clone"}
	ActionCommunityReport    = Action{"community_report"}
	ActionAdultConfirmation  = Action{"adult_confirmation"}
	// A personal access token made (details: its name and scope) or revoked.
	ActionTokenCreate = Action{"token_create"}
	ActionTokenRevoke = Action{"token_revoke"}
	// An account erased at its owner's request: the one event that outlives it (no actor, address
	// or client: only the erased account's id and what went).
	ActionAccountDelete = Action{"account_delete"}
)

var actions = map[string]Action{}

func init() {
	for _, a := range []Action{ActionRegister, ActionLoginSuccess, ActionLoginFailure, ActionLoginLocked,
		ActionLogout, ActionLogoutAll, ActionPasswordChange, ActionSessionRevoke, ActionProfileUpdate,
		ActionCompanionCreate, ActionCompanionImport, ActionCompanionUpdate, ActionCompanionHeader,
		ActionCompanionDelete, ActionCompanionRestore, ActionCompanionPurge, ActionCompanionSettings, ActionMemoryWipe,
		ActionCompanionPublish, ActionCompanionUnpublish, ActionCompanionClone, ActionCommunityReport, ActionAdultConfirmation,
		ActionTokenCreate, ActionTokenRevoke, ActionAccountDelete} {
		actions[a.s] = a
	}
}

// ParseAction returns the action named s.
func ParseAction(s string) (Action, error) {
	a, ok := actions[s]
	if !ok {
		return Action{}, domain.Errorf(domain.KindInternal, "unknown audit action %q", s)
	}
	return a, nil
}

func (a Action) String() string { return a.s }
func (a Action) IsZero() bool   { return a.s == "" }

// Resource names the kind of thing acted on.
type Resource string

const (
	ResourceUser      Resource = "user"
	ResourceSession   Resource = "session"
	ResourceCompanion Resource = "companion"
	ResourceToken     Resource = "token"
)

// Event is one audit record. Details hold only non-secret, non-content facts (never passwords,
// tokens or message text); values are short strings.
type Event struct {
	ID         domain.ID
	ActorID    domain.ID // zero when nobody is identified (e.g. a failed login for no account)
	Action     Action
	Resource   Resource
	ResourceID string
	Details    map[string]string
	IP         string
	UserAgent  string
	At         time.Time
}

// Meta is where a request came from, copied into every event it causes.
type Meta struct {
	IP        string
	UserAgent string
}

// New builds an event at now with a fresh id.
func New(now time.Time, actor domain.ID, action Action, res Resource, resID string, m Meta) Event {
	return Event{ID: domain.NewID(now), ActorID: actor, Action: action, Resource: res, ResourceID: resID,
		IP: m.IP, UserAgent: domain.Truncate(m.UserAgent, 256), At: now}
}

// With returns the event with one more detail.
func (e Event) With(key, value string) Event {
	d := make(map[string]string, len(e.Details)+1)
	for k, v := range e.Details {
		d[k] = v
	}
	d[key] = domain.Truncate(value, 200)
	e.Details = d
	return e
}
