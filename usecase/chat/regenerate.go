package chat

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// Regenerate writes another reply to the conversation's last message; the new one is shown, the
// old ones are kept as alternatives (SPEC §3.3). MessageID is that message or a reply to it. The
// options it leaves out (Unset) come from the companion's settings, as for a send.
// Regenerating again with the same IdempotencyKey and options returns the first turn instead of
// writing another alternative (see IdempotencyKeyTTL).
type Regenerate struct {
	OwnerID        domain.ID
	MessageID      domain.ID
	Options        chat.Options
	Unset          Unset
	IdempotencyKey string
}

// Regenerated is the turn writing the new alternative.
type Regenerated struct {
	Turn chat.Turn
	// Replayed says an earlier regeneration with the same key made it.
	Replayed bool
}

type regenerateHandler struct {
	d    Deps
	keys *keyedLocks // requests with the same idempotency key, one at a time in this process
}

func (h regenerateHandler) Handle(ctx context.Context, in Regenerate) (Regenerated, error) {
	release, err := holdKey(h.keys, in.OwnerID, in.IdempotencyKey)
	if err != nil {
		return Regenerated{}, err
	}
	defer release()
	key := Idempotency{Key: in.IdempotencyKey, Fingerprint: regenerateFingerprint(in.MessageID, in.Options, in.Unset)}
	// A retry is answered with its turn even once the conversation moved on (then the message is
	// no longer the last): it asks for what was done, not for more.
	if regen, ok, err := h.replay(ctx, h.d.Store, in.OwnerID, key, h.d.Clock.Now()); ok || err != nil {
		return regen, err
	}
	m, err := h.d.Store.Messages().Get(ctx, in.OwnerID, in.MessageID)
	if err != nil {
		return Regenerated{}, err
	}
	question := m.ID
	switch m.Role {
	case chat.RoleAssistant:
		question = m.ReplyTo
	case chat.RoleSystemEvent:
		return Regenerated{}, ErrNotLastTurn
	}
	if question.IsZero() {
		return Regenerated{}, ErrNotLastTurn
	}
	c, err := h.d.Store.Companions().Get(ctx, in.OwnerID, m.CompanionID)
	if err != nil {
		return Regenerated{}, err
	}
	if err := c.Writable(); err != nil {
		return Regenerated{}, err
	}
	opts, err := sendOptions(ctx, h.d, in.OwnerID, in.Options, in.Unset, c.Settings(), true)
	if err != nil {
		return Regenerated{}, err
	}
	now := h.d.Clock.Now()
	turn, err := chat.NewTurn(domain.NewID(now), in.OwnerID, m.CompanionID, question, opts, true, now, h.d.Settings.StartLease)
	if err != nil {
		return Regenerated{}, err
	}
	var replayed Regenerated
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		if err := lockCompanion(ctx, r, in.OwnerID, m.CompanionID); err != nil {
			return err
		}
		// Under the lock, a regeneration with the same key that raced this one from another
		// replica has committed: this is a retry of it.
		if regen, ok, err := h.replay(ctx, r, in.OwnerID, key, now); ok || err != nil {
			replayed = regen
			return err
		}
		if err := checkIdle(ctx, r, m.CompanionID); err != nil {
			return err
		}
		latest, err := r.Messages().Latest(ctx, m.CompanionID)
		if err != nil {
			return err
		}
		if latest.ID != question && latest.ReplyTo != question {
			return ErrNotLastTurn
		}
		return createKeyed(ctx, r, turn, key, now)
	})
	if errors.Is(err, ErrDuplicateTurn) {
		// Another replica's request under the same key, on another companion (so not ordered by
		// the companion's lock), committed first: answer as for a retry — its turn, or reused.
		if regen, ok, rerr := h.replay(ctx, h.d.Store, in.OwnerID, key, now); ok || rerr != nil {
			return regen, rerr
		}
	}
	if err != nil {
		return Regenerated{}, err
	}
	if replayed.Replayed {
		return replayed, nil
	}
	if err := start(ctx, h.d, turn); err != nil {
		// Nothing runs the turn: record it failed, and free its key, so that retrying with the same
		// key regenerates afresh instead of answering with this failure (as a send whose turn could
		// not start takes its message back).
		bg := context.WithoutCancel(ctx)
		fin := failure(turn.ID(), err)
		if _, ferr := h.d.Steps.Finish(bg, fin); ferr != nil {
			return Regenerated{}, errors.Join(err, ferr)
		}
		if key.Key != "" {
			// The key is the turn's alone (one per owner), and no turn is older than itself.
			if rerr := h.d.Store.Turns().ReleaseIdempotencyKey(bg, in.OwnerID, key.Key, turn.CreatedAt().Add(time.Microsecond)); rerr != nil {
				return Regenerated{}, errors.Join(err, rerr)
			}
		}
		return Regenerated{}, err
	}
	return Regenerated{Turn: turn}, nil
}

// replay returns the turn an earlier regeneration with the same key and request made.
func (h regenerateHandler) replay(ctx context.Context, r Repos, owner domain.ID, key Idempotency, now time.Time) (Regenerated, bool, error) {
	t, ok, err := keyed(ctx, r, owner, key.Key, key.Fingerprint, domain.ID{}, now)
	if !ok || err != nil {
		return Regenerated{}, false, err
	}
	return Regenerated{Turn: t, Replayed: true}, true, nil
}
