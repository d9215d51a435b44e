package chat

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
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
}

// DefaultSettings are SPEC §3.3.
func DefaultSettings() Settings {
	r := ratelimit.DefaultRules()
	return Settings{ChatRule: r.Chat, ImageRule: r.Image, StartLease: time.Minute}
}

// Deps are what the chat use cases consume.
type Deps struct {
	Store    Store
	Bus      stream.Bus
	Runner   Runner
	Steps    *Steps
	Guard    *ratelimit.Guard
	Clock    usecase.Clock
	Log      *zap.Logger
	Settings Settings
}

// App is the set of chat use cases.
type App struct {
	Send       decorator.Handler[Send, Sent]
	Regenerate decorator.Handler[Regenerate, chat.Turn]
	GetTurn    decorator.Handler[GetTurn, chat.Turn]
	Cancel     decorator.Handler[CancelTurn, chat.Turn]
	Follow     decorator.Handler[Follow, stream.Subscription]
	History    decorator.Handler[History, HistoryPage]
	Edit       decorator.Handler[EditMessage, chat.Message]
	Delete     decorator.Handler[DeleteMessage, struct{}]
	// Reap fails the turns whose runner is gone (a crash, a restart), or completes those whose
	// reply was saved before it went; runners call it when they start and then now and then.
	Reap decorator.Handler[Reap, int]
}

// NewApp builds the chat use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil || d.Bus == nil || d.Runner == nil || d.Steps == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "chat deps: Store, Bus, Runner, Steps and Clock are required")
	}
	if d.Log == nil {
		d.Log = zap.NewNop()
	}
	if d.Settings.StartLease <= 0 {
		d.Settings.StartLease = DefaultSettings().StartLease
	}
	return &App{
		Send:       decorator.Decorate("chat.send", sendHandler{d: d, keys: &keyedLocks{}}, obs...),
		Regenerate: decorator.Decorate("chat.regenerate", regenerateHandler{d}, obs...),
		GetTurn:    decorator.Decorate("chat.get_turn", getTurnHandler{d}, obs...),
		Cancel:     decorator.Decorate("chat.cancel", cancelHandler{d}, obs...),
		Follow:     decorator.Decorate("chat.follow", followHandler{d}, obs...),
		History:    decorator.Decorate("chat.history", historyHandler{d}, obs...),
		Edit:       decorator.Decorate("chat.edit_message", editHandler{d}, obs...),
		Delete:     decorator.Decorate("chat.delete_message", deleteHandler{d}, obs...),
		Reap:       decorator.Decorate("chat.reap", reapHandler{d}, obs...),
	}, nil
}

// Errors of the chat use cases.
var (
	ErrTurnInProgress   = domain.E(domain.KindConflict, "turn_in_progress", "a reply is being written; wait for it or cancel it")
	ErrCompanionTrashed = domain.E(domain.KindConflict, "companion_trashed", "the companion is in the trash; restore it to chat")
	ErrNotLastTurn      = domain.E(domain.KindConflict, "not_last_turn", "only the last reply can be regenerated")
)

// MaxIdempotencyKey bounds an Idempotency-Key.
const MaxIdempotencyKey = 200

func checkIdempotencyKey(key string) error {
	if len(key) > MaxIdempotencyKey {
		return domain.Invalid(domain.Violation("idempotency_key", "too_long", "the Idempotency-Key must be at most 200 characters"))
	}
	for _, r := range key {
		if r < 0x21 || r > 0x7e {
			return domain.Invalid(domain.Violation("idempotency_key", "format", "the Idempotency-Key must be printable ASCII without spaces"))
		}
	}
	return nil
}

// Send stores a person's message and starts the turn that answers it (SPEC §3.3). It returns at
// once; the reply streams on the turn's events. Sending again with the same IdempotencyKey returns
// the first turn instead of starting another.
type Send struct {
	OwnerID        domain.ID
	CompanionID    domain.ID
	Text           string
	Options        chat.Options
	IdempotencyKey string
}

// Sent is the stored message and its turn.
type Sent struct {
	Message chat.Message
	Turn    chat.Turn
	// Replayed says an earlier send with the same key made them.
	Replayed bool
}

type sendHandler struct {
	d    Deps
	keys *keyedLocks // sends with the same idempotency key, one at a time in this process
}

func (h sendHandler) Handle(ctx context.Context, in Send) (Sent, error) {
	text, err := chat.NewUserText("text", in.Text)
	if err != nil {
		return Sent{}, err
	}
	if err := checkIdempotencyKey(in.IdempotencyKey); err != nil {
		return Sent{}, err
	}
	if in.IdempotencyKey != "" {
		// Retries of one send wait for the first, then find its turn: they are answered with it
		// and never counted against the rate limit.
		defer h.keys.lock(in.OwnerID.String() + "\x00" + in.IdempotencyKey)()
	}
	if sent, ok, err := h.replay(ctx, h.d.Store, in); ok || err != nil {
		return sent, err
	}
	if err := checkLimits(ctx, h.d, in.OwnerID, in.Options); err != nil {
		return Sent{}, err
	}
	now := h.d.Clock.Now()
	msg := chat.Message{ID: domain.NewID(now), CompanionID: in.CompanionID, Role: chat.RoleUser, Text: text,
		Selected: true, CreatedAt: now}
	turn := newTurn(now, in.OwnerID, in.CompanionID, msg.ID, in.Options, false, h.d.Settings.StartLease)
	var replayed Sent
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		if err := lockCompanion(ctx, r, in.OwnerID, in.CompanionID); err != nil {
			return err
		}
		// Under the lock, a send with the same key that raced this one from another replica has
		// committed: this is a retry of it.
		if sent, ok, err := h.replay(ctx, r, in); ok || err != nil {
			replayed = sent
			return err
		}
		if err := checkIdle(ctx, r, in.CompanionID); err != nil {
			return err
		}
		// The message sorts after everything before it, whatever the replicas' clocks say.
		latest, err := r.Messages().Latest(ctx, in.CompanionID)
		if err != nil && !domain.IsKind(err, domain.KindNotFound) {
			return err
		}
		if err == nil && !msg.CreatedAt.After(latest.CreatedAt) {
			msg.CreatedAt = latest.CreatedAt.Add(time.Microsecond)
		}
		if err := r.Messages().Create(ctx, msg); err != nil {
			return err
		}
		return r.Turns().Create(ctx, turn, in.IdempotencyKey)
	})
	if err != nil {
		return Sent{}, err
	}
	if replayed.Replayed {
		return replayed, nil
	}
	if err := start(ctx, h.d, turn); err != nil {
		// Nothing runs the turn: take the message back so that sending again (with the same key)
		// starts afresh, rather than leaving a question nobody answers.
		if derr := h.d.Store.Messages().Delete(context.WithoutCancel(ctx), msg.ID); derr != nil {
			return Sent{}, errors.Join(err, derr)
		}
		return Sent{}, err
	}
	return Sent{Message: msg, Turn: turn}, nil
}

// checkLimits counts a turn against the person's chat limit, and their picture limit when it asks
// for a picture. It runs outside transactions: a limiter on the database needs a connection of its
// own.
func checkLimits(ctx context.Context, d Deps, owner domain.ID, o chat.Options) error {
	if err := d.Guard.Check(ctx, d.Settings.ChatRule, owner.String()); err != nil {
		return err
	}
	if o.Image {
		return d.Guard.Check(ctx, d.Settings.ImageRule, owner.String())
	}
	return nil
}

// replay returns what an earlier send with the same key made.
func (h sendHandler) replay(ctx context.Context, r Repos, in Send) (Sent, bool, error) {
	if in.IdempotencyKey == "" {
		return Sent{}, false, nil
	}
	t, err := r.Turns().ByIdempotencyKey(ctx, in.OwnerID, in.IdempotencyKey)
	if domain.IsKind(err, domain.KindNotFound) {
		return Sent{}, false, nil
	}
	if err != nil {
		return Sent{}, false, err
	}
	if t.CompanionID != in.CompanionID {
		return Sent{}, false, domain.Invalid(domain.Violation("idempotency_key", "reused",
			"this Idempotency-Key was used for another companion"))
	}
	m, err := r.Messages().Get(ctx, in.OwnerID, t.UserMessageID)
	if err != nil {
		return Sent{}, false, err
	}
	return Sent{Message: m, Turn: t, Replayed: true}, true, nil
}

func newTurn(now time.Time, owner, companionID, userMsg domain.ID, o chat.Options, regenerate bool, lease time.Duration) chat.Turn {
	return chat.Turn{ID: domain.NewID(now), OwnerID: owner, CompanionID: companionID, UserMessageID: userMsg,
		Options: o, Regenerate: regenerate, Status: chat.StatusQueued, LeaseUntil: now.Add(lease),
		CreatedAt: now, UpdatedAt: now}
}

// lockIdle locks the companion for the rest of the transaction and checks it can take a turn: it
// is not in the trash and no turn of it is running. Turns of one companion never overlap, so each
// starts from the scene the last one left.
func lockIdle(ctx context.Context, r Repos, owner, companionID domain.ID) error {
	if err := lockCompanion(ctx, r, owner, companionID); err != nil {
		return err
	}
	return checkIdle(ctx, r, companionID)
}

// lockCompanion locks the owner's companion for the rest of the transaction; a trashed one cannot
// chat.
func lockCompanion(ctx context.Context, r Repos, owner, companionID domain.ID) error {
	c, err := r.Companions().GetForUpdate(ctx, owner, companionID)
	if err != nil {
		return err
	}
	if c.Deleted() {
		return ErrCompanionTrashed
	}
	return nil
}

// checkIdle refuses while a turn of the companion runs.
func checkIdle(ctx context.Context, r Repos, companionID domain.ID) error {
	busy, err := r.Turns().Active(ctx, companionID, domain.ID{})
	if err != nil {
		return err
	}
	if busy {
		return ErrTurnInProgress
	}
	return nil
}

func start(ctx context.Context, d Deps, t chat.Turn) error {
	return d.Runner.Start(ctx, TurnInput{TurnID: t.ID, OwnerID: t.OwnerID, CompanionID: t.CompanionID, Options: t.Options})
}

// Regenerate writes another reply to the conversation's last message; the new one is shown, the
// old ones are kept as alternatives (SPEC §3.3). MessageID is that message or a reply to it.
type Regenerate struct {
	OwnerID   domain.ID
	MessageID domain.ID
	Options   chat.Options
}

type regenerateHandler struct{ d Deps }

func (h regenerateHandler) Handle(ctx context.Context, in Regenerate) (chat.Turn, error) {
	m, err := h.d.Store.Messages().Get(ctx, in.OwnerID, in.MessageID)
	if err != nil {
		return chat.Turn{}, err
	}
	question := m.ID
	switch m.Role {
	case chat.RoleAssistant:
		question = m.ReplyTo
	case chat.RoleSystemEvent:
		return chat.Turn{}, ErrNotLastTurn
	}
	if question.IsZero() {
		return chat.Turn{}, ErrNotLastTurn
	}
	if err := checkLimits(ctx, h.d, in.OwnerID, in.Options); err != nil {
		return chat.Turn{}, err
	}
	now := h.d.Clock.Now()
	turn := newTurn(now, in.OwnerID, m.CompanionID, question, in.Options, true, h.d.Settings.StartLease)
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		if err := lockIdle(ctx, r, in.OwnerID, m.CompanionID); err != nil {
			return err
		}
		latest, err := r.Messages().Latest(ctx, m.CompanionID)
		if err != nil {
			return err
		}
		if latest.ID != question && latest.ReplyTo != question {
			return ErrNotLastTurn
		}
		return r.Turns().Create(ctx, turn, "")
	})
	if err != nil {
		return chat.Turn{}, err
	}
	if err := start(ctx, h.d, turn); err != nil {
		fin := failure(turn.ID, err)
		if _, ferr := h.d.Steps.Finish(context.WithoutCancel(ctx), fin); ferr != nil {
			return chat.Turn{}, errors.Join(err, ferr)
		}
		return chat.Turn{}, err
	}
	return turn, nil
}

// GetTurn reads one of the person's turns.
type GetTurn struct {
	OwnerID domain.ID
	TurnID  domain.ID
}

type getTurnHandler struct{ d Deps }

func (h getTurnHandler) Handle(ctx context.Context, in GetTurn) (chat.Turn, error) {
	return h.d.Store.Turns().Get(ctx, in.OwnerID, in.TurnID)
}

// CancelTurn asks a turn to stop. The turn ends as cancelled (its stream says so) unless its reply
// was already saved; cancelling an ended turn changes nothing.
type CancelTurn struct {
	OwnerID domain.ID
	TurnID  domain.ID
}

type cancelHandler struct{ d Deps }

func (h cancelHandler) Handle(ctx context.Context, in CancelTurn) (chat.Turn, error) {
	t, err := h.d.Store.Turns().Get(ctx, in.OwnerID, in.TurnID)
	if err != nil || t.Status.Final() {
		return t, err
	}
	if err := h.d.Store.Turns().RequestCancel(ctx, t.ID); err != nil {
		return t, err
	}
	t.CancelRequested = true
	if err := h.d.Runner.Cancel(ctx, t.ID); err != nil {
		return t, err
	}
	return t, nil
}

// Follow subscribes to a turn's events after the sequence number After (0: from the start), until
// its terminal event. A turn that ended is told from what the bus still holds; when that is not
// the end (its events expired, or left with a restarted process), the outcome recorded in the
// database ends the stream, so a follower never waits for events that will not come.
type Follow struct {
	OwnerID domain.ID
	TurnID  domain.ID
	After   int64
}

type followHandler struct{ d Deps }

// ErrNoMoreEvents answers a follower that already has a turn's last event (an EventSource that
// reconnects after the stream ended): there is nothing to send, and it should stop asking.
var ErrNoMoreEvents = domain.E(domain.KindConflict, "no_more_events", "the turn has ended and its events were all sent")

func (h followHandler) Handle(ctx context.Context, in Follow) (stream.Subscription, error) {
	t, err := h.d.Store.Turns().Get(ctx, in.OwnerID, in.TurnID)
	if err != nil {
		return nil, err
	}
	last, err := h.d.Bus.Last(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	after := in.After
	if !t.Status.Final() {
		// A position past the end (the bus lost the turn's events with a restarted process)
		// would skip the events still to come.
		after = min(after, last)
		sub, err := h.d.Bus.Subscribe(ctx, t.ID, after)
		if err != nil {
			return nil, err
		}
		load := func(ctx context.Context) (chat.Turn, error) { return h.d.Store.Turns().Load(ctx, t.ID) }
		return newWatchedSubscription(ctx, sub, after, h.d.Steps.d.Limits.FollowCheck, load, h.outcome), nil
	}
	end, err := h.outcome(ctx, t)
	if err != nil {
		return nil, err
	}
	if last > 0 && after >= last {
		seen, err := h.terminalAt(ctx, t.ID, last)
		if err != nil {
			return nil, err
		}
		if seen {
			return nil, ErrNoMoreEvents
		}
	}
	if last <= after {
		end.Seq = after + 1
		return newFixedSubscription(end), nil
	}
	sub, err := h.d.Bus.Subscribe(ctx, t.ID, after)
	if err != nil {
		return nil, err
	}
	return newEndedSubscription(ctx, sub, last, end), nil
}

// terminalAt reports whether the turn's event seq is its terminal event.
func (h followHandler) terminalAt(ctx context.Context, turnID domain.ID, seq int64) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub, err := h.d.Bus.Subscribe(ctx, turnID, seq-1)
	if err != nil {
		return false, err
	}
	defer sub.Close()
	e, ok := <-sub.Events()
	if !ok {
		return false, sub.Err()
	}
	return e.Seq == seq && e.Type.Terminal(), nil
}

// outcome is the terminal event of an ended turn, as recorded (its Seq is set by the caller).
func (h followHandler) outcome(ctx context.Context, t chat.Turn) (chat.Event, error) {
	e := chat.Event{TurnID: t.ID, Type: chat.EventError}
	data := any(errorEvent{Code: t.ErrorCode, Message: t.ErrorMessage})
	if t.Status == chat.StatusCompleted {
		m, err := h.d.Store.Messages().Get(ctx, t.OwnerID, t.ReplyID)
		switch {
		case err == nil:
			e.Type, data = chat.EventComplete, completeFor(m)
		case domain.IsKind(err, domain.KindNotFound):
			data = errorEvent{Code: "deleted", Message: "the reply was deleted"}
		default:
			return e, err
		}
	}
	b, err := jsonBytes(data)
	if err != nil {
		return e, err
	}
	e.Data = b
	return e, nil
}

// History pages through a companion's conversation, newest first.
type History struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Page        domain.Page
}

// HistoryPage is one page of the conversation.
type HistoryPage struct {
	Items []HistoryItem
	Next  domain.Cursor
}

type historyHandler struct{ d Deps }

func (h historyHandler) Handle(ctx context.Context, in History) (HistoryPage, error) {
	if _, err := h.d.Store.Companions().Get(ctx, in.OwnerID, in.CompanionID); err != nil {
		return HistoryPage{}, err
	}
	items, next, err := h.d.Store.Messages().History(ctx, in.CompanionID, in.Page)
	return HistoryPage{Items: items, Next: next}, err
}

// EditMessage changes a message's text, or shows another alternative of a reply (Select) — whose
// scene then becomes the companion's if it is the conversation's last reply.
type EditMessage struct {
	OwnerID   domain.ID
	MessageID domain.ID
	Text      *string
	Select    bool
}

type editHandler struct{ d Deps }

func (h editHandler) Handle(ctx context.Context, in EditMessage) (chat.Message, error) {
	if in.Text == nil && !in.Select {
		return chat.Message{}, domain.Invalid(domain.Violation("text", "required", "give the new text, or selected: true"))
	}
	m, err := h.d.Store.Messages().Get(ctx, in.OwnerID, in.MessageID)
	if err != nil {
		return chat.Message{}, err
	}
	var text string
	if in.Text != nil {
		if text, err = editedText(m.Role, *in.Text); err != nil {
			return chat.Message{}, err
		}
	}
	if in.Select && m.Role != chat.RoleAssistant {
		return chat.Message{}, domain.Invalid(domain.Violation("selected", "not_a_reply", "only replies have alternatives"))
	}
	if err := h.d.Guard.Check(ctx, h.d.Settings.ChatRule, in.OwnerID.String()); err != nil {
		return chat.Message{}, err
	}
	now := h.d.Clock.Now()
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		// Editing the conversation of a trashed companion is fine; of one being answered is not.
		if err := lockCompanion(ctx, r, in.OwnerID, m.CompanionID); err != nil && !errors.Is(err, ErrCompanionTrashed) {
			return err
		}
		if err := checkIdle(ctx, r, m.CompanionID); err != nil {
			return err
		}
		if in.Text != nil {
			if err := r.Messages().UpdateText(ctx, m.ID, text, now); err != nil {
				return err
			}
			m.Text, m.EditedAt = text, now
		}
		if in.Select {
			if err := r.Messages().Select(ctx, m.ReplyTo, m.ID); err != nil {
				return err
			}
			m.Selected = true
			return restoreScene(ctx, r, in.OwnerID, m.CompanionID, now)
		}
		return nil
	})
	return m, err
}

// editedText validates an edit: what a person may send, or what a reply may hold.
func editedText(role chat.Role, s string) (string, error) {
	if role == chat.RoleUser {
		return chat.NewUserText("text", s)
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", domain.Invalid(domain.Violation("text", "required", "the message is empty"))
	case len([]rune(s)) > chat.MaxReplyText:
		return "", domain.Invalid(domain.Violation("text", "too_long", "the message must be at most 32000 characters"))
	}
	return s, nil
}

// restoreScene makes the scene of the conversation's last reply the companion's (or its starting
// scene when no reply is left): rewinding a chat rewinds the scene.
func restoreScene(ctx context.Context, r Repos, owner, companionID domain.ID, now time.Time) error {
	c, err := r.Companions().GetForUpdate(ctx, owner, companionID)
	if err != nil {
		return err
	}
	scene, err := sceneBefore(ctx, r, c, domain.Cursor{})
	if err != nil {
		return err
	}
	c.SetScene(scene, now)
	return r.Companions().Update(ctx, c)
}

// DeleteMessage removes a message; a person's message takes its replies with it. If that removes
// the conversation's last reply, the scene goes back to the reply before.
type DeleteMessage struct {
	OwnerID   domain.ID
	MessageID domain.ID
}

type deleteHandler struct{ d Deps }

func (h deleteHandler) Handle(ctx context.Context, in DeleteMessage) (struct{}, error) {
	m, err := h.d.Store.Messages().Get(ctx, in.OwnerID, in.MessageID)
	if err != nil {
		return struct{}{}, err
	}
	now := h.d.Clock.Now()
	return struct{}{}, h.d.Store.InTx(ctx, func(r Repos) error {
		// Editing the conversation of a trashed companion is fine; of one being answered is not.
		if err := lockCompanion(ctx, r, in.OwnerID, m.CompanionID); err != nil && !errors.Is(err, ErrCompanionTrashed) {
			return err
		}
		if err := checkIdle(ctx, r, m.CompanionID); err != nil {
			return err
		}
		if err := r.Messages().Delete(ctx, m.ID); err != nil {
			return err
		}
		if m.Role == chat.RoleAssistant && m.Selected && !m.ReplyTo.IsZero() {
			// The shown reply went: the newest remaining alternative is shown instead.
			alts, err := r.Messages().Alternatives(ctx, m.ReplyTo)
			if err != nil {
				return err
			}
			if len(alts) > 0 {
				if err := r.Messages().Select(ctx, m.ReplyTo, alts[len(alts)-1].ID); err != nil {
					return err
				}
			}
		}
		return restoreScene(ctx, r, in.OwnerID, m.CompanionID, now)
	})
}

// Reap finishes up to Limit turns whose lease ran out (0: 100).
type Reap struct {
	Limit int
}

type reapHandler struct{ d Deps }

func (h reapHandler) Handle(ctx context.Context, in Reap) (int, error) {
	return h.d.Steps.Reap(ctx, in.Limit, nil)
}

// keyedLocks serialises work per key, holding memory only for keys in use.
type keyedLocks struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu    sync.Mutex
	users int
}

// lock takes the key's lock and returns its release.
func (k *keyedLocks) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
