package room

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// SendMessage says something in a room: the message is stored and told to everyone in it at once,
// and the companions answer as the room's turn-taking has it (Advance). Sending the same again with
// the same IdempotencyKey (within chat.IdempotencyKeyTTL) returns the first message and asks the room
// to go on — what a retry after a lost answer needs; another message under it is refused.
type SendMessage struct {
	UserID, RoomID domain.ID
	Text           string
	IdempotencyKey string
}

// SentMessage is the stored message; Replayed says an earlier send with the same key made it.
type SentMessage struct {
	Message  chat.Message
	Replayed bool
}

type sendMessageHandler struct {
	d       Deps
	advance advancer
}

func (h sendMessageHandler) Handle(ctx context.Context, in SendMessage) (SentMessage, error) {
	text, err := chat.NewUserText("text", in.Text)
	if err != nil {
		return SentMessage{}, err
	}
	if err := chatuc.CheckIdempotencyKey(in.IdempotencyKey); err != nil {
		return SentMessage{}, err
	}
	t := h.d.Talk
	v, err := h.d.Store.View(ctx, in.RoomID, in.UserID)
	if err != nil {
		return SentMessage{}, err
	}
	key := chatuc.Idempotency{Key: in.IdempotencyKey, Fingerprint: chatuc.Fingerprint("room", in.RoomID.String(), text)}
	if m, ok, err := h.replay(ctx, t.Store, in.UserID, key); ok || err != nil {
		return h.replayed(ctx, m, err)
	}
	if t.Quota != nil {
		if err := t.Quota(ctx, in.UserID); err != nil {
			return SentMessage{}, err
		}
	}
	if h.d.Guard != nil {
		if err := h.d.Guard.Check(ctx, t.ChatRule, in.UserID.String()); err != nil {
			return SentMessage{}, err
		}
	}
	name := ""
	for _, p := range v.People {
		if p.UserID == in.UserID {
			name = p.DisplayName
		}
	}
	now := h.d.Clock.Now()
	msg := chat.Message{ID: domain.NewID(now), RoomID: in.RoomID, AuthorID: in.UserID, Author: name, Role: chat.RoleUser,
		Text: text, Selected: true, CreatedAt: now}
	err = t.Store.InTx(ctx, func(r chatuc.Repos) error {
		if err := r.Rooms().Lock(ctx, in.RoomID); err != nil {
			return err
		}
		// Under the room's lock: a person removed meanwhile says nothing more in it.
		cast, err := r.Rooms().Cast(ctx, in.RoomID)
		if err != nil {
			return err
		}
		if !inCast(cast, in.UserID) {
			return ErrNotFound
		}
		latest, err := r.Rooms().Recent(ctx, in.RoomID, domain.Cursor{}, 1)
		if err != nil {
			return err
		}
		if len(latest) > 0 && !msg.CreatedAt.After(latest[0].CreatedAt) {
			msg.CreatedAt = latest[0].CreatedAt.Add(time.Microsecond)
		}
		return r.Rooms().CreateMessage(ctx, msg, key)
	})
	if errors.Is(err, chatuc.ErrDuplicateMessage) { // the same key raced this send and committed first
		m, ok, rerr := h.replay(ctx, t.Store, in.UserID, key)
		if ok || rerr != nil {
			return h.replayed(ctx, m, rerr)
		}
	}
	if err != nil {
		return SentMessage{}, err
	}
	if t.Started != nil {
		t.Started(ctx, "room")
	}
	return SentMessage{Message: msg}, h.tell(ctx, msg)
}

// tell has everyone in the room hear the message, and the room go on (the companions answer). A
// stream that cannot be told still lets the room go on; either failure is the send's — a retry
// with the same key tells it again and asks the room again, and followers know a message by its id.
func (h sendMessageHandler) tell(ctx context.Context, m chat.Message) error {
	told := chatuc.PublishInRoom(ctx, h.d.Talk.Bus, m.RoomID, chat.RoomMessage{Message: m})
	_, _, went := h.advance.next(ctx, m.RoomID, domain.ID{}, domain.ID{})
	return errors.Join(told, went)
}

// replay is the message an earlier send with the same key made, if that send was this one; a key
// older than chat.IdempotencyKeyTTL is released and makes a new message.
func (h sendMessageHandler) replay(ctx context.Context, r chatuc.Repos, userID domain.ID, key chatuc.Idempotency) (chat.Message, bool, error) {
	if key.Key == "" {
		return chat.Message{}, false, nil
	}
	m, k, err := r.Rooms().ByIdempotencyKey(ctx, userID, key.Key)
	switch {
	case domain.IsKind(err, domain.KindNotFound):
		return chat.Message{}, false, nil
	case err != nil:
		return chat.Message{}, false, err
	}
	now := h.d.Clock.Now()
	if m.CreatedAt.Before(now.Add(-chatuc.IdempotencyKeyTTL)) {
		return chat.Message{}, false, r.Rooms().ReleaseIdempotencyKey(ctx, userID, key.Key, now.Add(-chatuc.IdempotencyKeyTTL))
	}
	if k.Fingerprint != key.Fingerprint {
		return chat.Message{}, false, chatuc.ErrIdempotencyKeyReused
	}
	return m, true, nil
}

// replayed answers a retry with the first message, told again, and asks the room to go on: the
// first send may have stored its message and then failed to tell it or to start the answers.
func (h sendMessageHandler) replayed(ctx context.Context, m chat.Message, err error) (SentMessage, error) {
	if err != nil {
		return SentMessage{}, err
	}
	return SentMessage{Message: m, Replayed: true}, h.tell(ctx, m)
}

func inCast(c chatuc.RoomCast, userID domain.ID) bool {
	for _, p := range c.People {
		if p.UserID == userID {
			return true
		}
	}
	return false
}
