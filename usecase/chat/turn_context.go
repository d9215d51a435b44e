package chat

import (
	"context"
	"hash/fnv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
)

// turnContext is what the steps of one turn read before they call a model.
type turnContext struct {
	turn  chat.Turn
	comp  *companion.Companion
	user  chat.Message // the message being answered
	facts sceneFacts
	// recent reads the conversation the turn answers in (the companion's chat, or the room's).
	recent recentFunc
}

// recentFunc reads up to limit of a conversation's messages before a cursor, newest first.
type recentFunc func(ctx context.Context, before domain.Cursor, limit int) ([]chat.Message, error)

// load reads the turn, its companion, the message it answers and its person, and the scene the
// reply starts from: the companion's, or for a regenerated reply the one before the reply it
// replaces.
func (t turns) load(ctx context.Context, turnID domain.ID) (turnContext, error) {
	turn, err := t.running(ctx, turnID)
	if err != nil {
		return turnContext{}, err
	}
	if !turn.RoomID().IsZero() {
		return t.loadRoom(ctx, turn)
	}
	c, err := t.store.Companions().Get(ctx, turn.OwnerID(), turn.CompanionID())
	if err != nil {
		return turnContext{}, err
	}
	u, err := t.store.Messages().Get(ctx, turn.OwnerID(), turn.UserMessageID())
	if err != nil {
		return turnContext{}, err
	}
	person, err := t.store.People().DisplayName(ctx, turn.OwnerID())
	if err != nil {
		return turnContext{}, err
	}
	scene, err := startingScene(ctx, t.store, turn, c, u)
	if err != nil {
		return turnContext{}, err
	}
	return turnContext{turn: turn, comp: c, user: u, facts: sceneFacts{
		Profile: c.Profile(), Relationship: c.Relationship(), Person: person, Scene: scene,
		DeepThink: turn.Options().DeepThink,
		m:         newMacros(c.Profile().Name(), person, seed(c.ID().String()), seed(turn.ID().String())),
	}, recent: func(ctx context.Context, before domain.Cursor, limit int) ([]chat.Message, error) {
		return t.store.Messages().Recent(ctx, c.ID(), before, limit)
	}}, nil
}

// startingScene is the scene a reply starts from. A regenerated reply replaces the one that moved
// the companion to its current scene, so it starts from the scene of the reply before — or, when
// there is none, the scene the companion starts in.
func startingScene(ctx context.Context, r Repos, t chat.Turn, c *companion.Companion, u chat.Message) (companion.Scene, error) {
	if !t.Regenerate() {
		return c.Scene(), nil
	}
	return sceneBefore(ctx, r, c, domain.Cursor{At: u.CreatedAt, ID: u.ID})
}

// sceneLookback bounds how far back (in pages of historyPage) sceneBefore looks for a reply.
const sceneLookback = 16

// sceneBefore is the scene of the newest reply before the cursor (zero: now), the starting scene
// when the conversation before it has no reply, and the current scene when no reply is found
// within sceneLookback pages (a very long stretch without replies).
func sceneBefore(ctx context.Context, r Repos, c *companion.Companion, before domain.Cursor) (companion.Scene, error) {
	for range sceneLookback {
		page, err := r.Messages().Recent(ctx, c.ID(), before, historyPage)
		if err != nil {
			return companion.Scene{}, err
		}
		for _, m := range page {
			if m.Role == chat.RoleAssistant && m.Scene != nil {
				return *m.Scene, nil
			}
		}
		if len(page) < historyPage {
			return c.Profile().StartingScene(), nil
		}
		before = domain.Cursor{At: page[len(page)-1].CreatedAt, ID: page[len(page)-1].ID}
	}
	return c.Scene(), nil
}

// remembers reports whether the turn's companion remembers (its Memory setting): a turn of one
// that does not neither recalls nor learns.
func (t turns) remembers(ctx context.Context, turn chat.Turn) (bool, error) {
	if turn.RoomID().IsZero() {
		c, err := t.store.Companions().Get(ctx, turn.OwnerID(), turn.CompanionID())
		if err != nil {
			return false, err
		}
		return c.Settings().Memory, nil
	}
	return t.recallsIn(ctx, turn)
}

func seed(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// exchange is what side steps learn from: the message answered and the saved reply, with the
// companion.
type exchange struct {
	turn  chat.Turn
	comp  *companion.Companion
	user  chat.Message
	reply chat.Message
}

// exchange loads the exchange of a turn whose reply messageID was saved.
func (t turns) exchange(ctx context.Context, turnID, messageID domain.ID) (exchange, error) {
	turn, err := t.store.Turns().Load(ctx, turnID)
	if err != nil {
		return exchange{}, err
	}
	c, err := t.companionOf(ctx, turn)
	if err != nil {
		return exchange{}, err
	}
	u, err := t.answered(ctx, t.store, turn)
	if err != nil {
		return exchange{}, err
	}
	var r chat.Message
	if turn.RoomID().IsZero() {
		r, err = t.store.Messages().Get(ctx, turn.OwnerID(), messageID)
	} else {
		r, err = t.store.Rooms().Message(ctx, turn.RoomID(), messageID)
	}
	if err != nil {
		return exchange{}, err
	}
	return exchange{turn: turn, comp: c, user: u, reply: r}, nil
}
