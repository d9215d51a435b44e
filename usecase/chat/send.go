package chat

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/media"
)

// Send stores a person's message and starts the turn that answers it (SPEC §3.3). It returns at
// once; the reply streams on the turn's events. Sending the same again with the same
// IdempotencyKey returns the first turn instead of starting another; sending something else with
// it is refused (see IdempotencyKeyTTL).
type Send struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Text        string
	// Options are what the send asks of its turn, except those Unset names: the send leaves them
	// to the companion's settings (see sendOptions).
	Options        chat.Options
	Unset          Unset
	IdempotencyKey string
	// audio is the voice note the text was heard from, kept with the message, and fingerprint
	// what a retry under IdempotencyKey must match instead of the text (SendVoiceNote's).
	audio       media.Key
	fingerprint string
	// hidden: the message is an instruction the person does not see (WriteFirst's); it is not
	// counted against their chat limit, which is for what they type.
	hidden bool
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
	keys *keyedLocks // requests with the same idempotency key, one at a time in this process
}

func (h sendHandler) Handle(ctx context.Context, in Send) (Sent, error) {
	sent, _, err := h.send(ctx, in)
	return sent, err
}

// send is Handle, also saying whether it stored the message, or may have: stored is false only
// when the message certainly is not kept — the send was refused, the message taken back when its
// turn could not start, or the send answered with an earlier send's message — so that what was
// kept for it alone (a voice note's recording) can go. A failed commit may have gone through: it
// says stored, and so does a message that could not be taken back.
func (h sendHandler) send(ctx context.Context, in Send) (sent Sent, stored bool, err error) {
	text, err := chat.NewUserText("text", in.Text)
	if err != nil {
		return Sent{}, false, err
	}
	release, err := holdKey(h.keys, in.OwnerID, in.IdempotencyKey)
	if err != nil {
		return Sent{}, false, err
	}
	defer release()
	key := Idempotency{Key: in.IdempotencyKey, Fingerprint: in.fingerprint}
	if key.Fingerprint == "" {
		key.Fingerprint = sendFingerprint(in.CompanionID, text, in.Options, in.Unset)
	}
	if sent, ok, err := h.replay(ctx, h.d.Store, in, key, h.d.Clock.Now()); ok || err != nil {
		return sent, false, err
	}
	// The companion's settings decide what the send leaves out; an unknown or trashed companion
	// is answered before anything is counted.
	c, err := h.d.Store.Companions().Get(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return Sent{}, false, err
	}
	if err := c.Writable(); err != nil {
		return Sent{}, false, err
	}
	opts, err := sendOptions(ctx, h.d, in.OwnerID, in.Options, in.Unset, c.Settings(), !in.hidden)
	if err != nil {
		return Sent{}, false, err
	}
	now := h.d.Clock.Now()
	msg := chat.Message{ID: domain.NewID(now), CompanionID: in.CompanionID, Role: chat.RoleUser, Text: text,
		AudioKey: in.audio, Selected: true, Hidden: in.hidden, CreatedAt: now}
	turn, err := chat.NewTurn(domain.NewID(now), in.OwnerID, in.CompanionID, msg.ID, opts, false, now, h.d.Settings.StartLease)
	if err != nil {
		return Sent{}, false, err
	}
	var replayed Sent
	// written: the transaction was left to commit the message. Until then, an error is a
	// rollback, which keeps nothing.
	written := false
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		if err := lockCompanion(ctx, r, in.OwnerID, in.CompanionID); err != nil {
			return err
		}
		// Under the lock, a send with the same key that raced this one from another replica has
		// committed: this is a retry of it.
		if sent, ok, err := h.replay(ctx, r, in, key, now); ok || err != nil { // now: as createKeyed sees it
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
		if err := createKeyed(ctx, r, turn, key, now); err != nil {
			return err
		}
		written = true
		return nil
	})
	if errors.Is(err, ErrDuplicateTurn) {
		// Another replica's request under the same key, for another companion (so not ordered by
		// the companion's lock), committed first: answer as for a retry — its turn, or reused.
		if sent, ok, rerr := h.replay(ctx, h.d.Store, in, key, now); ok || rerr != nil {
			return sent, false, rerr
		}
	}
	if err != nil {
		return Sent{}, written, err
	}
	if replayed.Replayed {
		return replayed, false, nil
	}
	if err := start(ctx, h.d, turn); err != nil {
		// Nothing runs the turn: take the message back so that sending again (with the same key)
		// starts afresh, rather than leaving a question nobody answers.
		if derr := h.d.Store.Messages().Delete(context.WithoutCancel(ctx), msg.ID); derr != nil {
			return Sent{}, true, errors.Join(err, derr)
		}
		return Sent{}, false, err
	}
	if h.d.Started != nil {
		source := "person"
		switch {
		case in.hidden:
			source = "companion_first"
		case !in.audio.IsZero():
			source = "voice_note"
		}
		h.d.Started(ctx, source)
	}
	return Sent{Message: msg, Turn: turn}, true, nil
}

// replay returns what an earlier send with the same key and request made.
func (h sendHandler) replay(ctx context.Context, r Repos, in Send, key Idempotency, now time.Time) (Sent, bool, error) {
	t, ok, err := keyed(ctx, r, in.OwnerID, key.Key, key.Fingerprint, in.CompanionID, now)
	if !ok || err != nil {
		return Sent{}, false, err
	}
	m, err := r.Messages().Get(ctx, in.OwnerID, t.UserMessageID())
	if err != nil {
		return Sent{}, false, err
	}
	return Sent{Message: m, Turn: t, Replayed: true}, true, nil
}
