package chat

import (
	"context"

	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Settings gather what a deployment tunes about chat.
type Settings struct {
	// ChatRule limits sends and regenerations per person (SPEC: 30 a minute); ImageRule limits
	// those that ask for a picture as well (SPEC: pictures, in chat or not, 10 an hour).
	ChatRule  ratelimit.Rule
	ImageRule ratelimit.Rule
	// StartLease is how long a new turn waits for a runner to take it before it counts as lost.
	StartLease time.Duration
	// FollowCheck is how long a follower of a running turn waits in silence before it looks
	// whether the turn ended without telling the bus.
	FollowCheck time.Duration
}

// DefaultSettings are SPEC §3.3.
func DefaultSettings() Settings {
	r := ratelimit.DefaultRules()
	return Settings{ChatRule: r.Chat, ImageRule: r.Image, StartLease: time.Minute, FollowCheck: 10 * time.Second}
}

// Deps are what the chat use cases consume.
type Deps struct {
	Store    Store
	Bus      stream.Bus
	Runner   Runner
	Steps    *Steps
	Guard    *ratelimit.Guard
	Clock    usecase.Clock
	Settings Settings
	// Pictures and Voice say whether a turn can ask for a picture or for its reply spoken (nil:
	// it cannot); the picture and voice apps answer.
	Pictures Feature
	Voice    Feature
	// Transcribe hears voice notes (nil: they are refused as not configured), and DiscardNote
	// forgets the recording of one that was then not sent (required with Transcribe).
	Transcribe  Transcriber
	DiscardNote NoteDiscarder
	// Quota refuses a turn when the person's daily token quota is used up (nil: no quotas): it is
	// asked before anything is stored or counted against a limit.
	Quota func(ctx context.Context, owner domain.ID) error
	// PictureQuota refuses a turn that asks for a picture once the person's daily picture quota is
	// used up, and keeps the companion's automatic picture out of it (nil: no quotas).
	PictureQuota func(ctx context.Context, owner domain.ID) error
	// Started hears of every message that started a turn, by how it came (the business metrics;
	// nil: nobody): "person", "voice_note" or "companion_first". A replayed send is not heard.
	Started func(ctx context.Context, source string)
}

// App is the set of chat use cases.
type App struct {
	Send decorator.Handler[Send, Sent]
	// SendVoiceNote sends what a person said in a voice note, and the note with it.
	SendVoiceNote decorator.Handler[SendVoiceNote, Sent]
	// WriteFirst has the companion write first, from a hidden instruction (a schedule's).
	WriteFirst decorator.Handler[WriteFirst, Sent]
	// Improvise is a one-off reply to a conversation the caller brings; nothing is stored.
	Improvise  decorator.Handler[Improvise, Improvised]
	Regenerate decorator.Handler[Regenerate, Regenerated]
	GetTurn    decorator.Handler[GetTurn, chat.Turn]
	// CurrentTurn is the turn with a companion still under way, if any.
	CurrentTurn decorator.Handler[CurrentTurn, chat.Turn]
	Cancel      decorator.Handler[CancelTurn, chat.Turn]
	Follow      decorator.Handler[Follow, stream.Subscription]
	History     decorator.Handler[History, HistoryPage]
	Edit        decorator.Handler[EditMessage, chat.Message]
	// Alternatives lists the replies to a message, of which one is shown.
	Alternatives decorator.Handler[ListAlternatives, []chat.Message]
	Delete       decorator.Handler[DeleteMessage, struct{}]
	// Reap fails the turns whose runner is gone (a crash, a restart), or completes those whose
	// reply was saved before it went; runners call it when they start and then now and then.
	Reap decorator.Handler[Reap, int]
}

// NewApp builds the chat use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil || d.Bus == nil || d.Runner == nil || d.Steps == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "chat deps: Store, Bus, Runner, Steps and Clock are required")
	}
	if d.Transcribe != nil && d.DiscardNote == nil {
		return nil, domain.Errorf(domain.KindInternal, "chat deps: DiscardNote is required with Transcribe")
	}
	if d.Settings.StartLease <= 0 {
		d.Settings.StartLease = DefaultSettings().StartLease
	}
	if d.Settings.FollowCheck <= 0 {
		d.Settings.FollowCheck = DefaultSettings().FollowCheck
	}
	keys := &keyedLocks{} // one key is the owner's across sends and regenerations
	send := sendHandler{d: d, keys: keys}
	notes := voiceNoteHandler{send: send, transcribe: d.Transcribe, discard: d.DiscardNote}
	return &App{
		Send:          decorator.Decorate("chat.send", send, obs...),
		SendVoiceNote: decorator.Decorate("chat.send_voice_note", notes, obs...),
		WriteFirst:    decorator.Decorate("chat.write_first", writeFirstHandler{send: send}, obs...),
		Improvise:     decorator.Decorate("chat.improvise", improviseHandler{d}, obs...),
		Regenerate:    decorator.Decorate("chat.regenerate", regenerateHandler{d: d, keys: keys}, obs...),
		Alternatives:  decorator.Decorate("chat.alternatives", alternativesHandler{d}, obs...),
		GetTurn:       decorator.Decorate("chat.get_turn", getTurnHandler{d}, obs...),
		CurrentTurn:   decorator.Decorate("chat.current_turn", currentTurnHandler{d}, obs...),
		Cancel:        decorator.Decorate("chat.cancel", cancelHandler{d}, obs...),
		Follow: decorator.Decorate("chat.follow", followHandler{d: d,
			watch: newTurnWatch(d.Store.Turns().Load, d.Settings.FollowCheck/2)}, obs...),
		History: decorator.Decorate("chat.history", historyHandler{d}, obs...),
		Edit:    decorator.Decorate("chat.edit_message", editHandler{d}, obs...),
		Delete:  decorator.Decorate("chat.delete_message", deleteHandler{d}, obs...),
		Reap:    decorator.Decorate("chat.reap", reapHandler{d}, obs...),
	}, nil
}

// Errors of the chat use cases.
var (
	ErrTurnInProgress = domain.E(domain.KindConflict, "turn_in_progress", "a reply is being written; wait for it or cancel it")
	// ErrCompanionTrashed refuses every change to a trashed companion's conversation (sending,
	// regenerating, editing, deleting); reading it and cancelling a running turn stay allowed. It is the companion's
	// own rule (companion.ErrTrashed), the one the companion routes answer too.
	ErrCompanionTrashed = companion.ErrTrashed
	ErrNotLastTurn      = domain.E(domain.KindConflict, "not_last_turn", "only the last reply can be regenerated")
)
