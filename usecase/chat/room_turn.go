package chat

import (
	"context"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/eventjson"
	"github.com/companionhub/companionhub/usecase/stream"
)

// A turn in a room is the same pipeline as a turn of a companion's own chat, with the room as its
// context: the companion answers from its scene in the room, the room's conversation is its history
// (labelled by who said what, fitted to its budget), and its reply is saved in the room. What it
// learns is learnt with the person the turn works for — the one whose message began the exchange —
// and only when the companion is theirs: memories and the relationship are a companion's with its own
// person.

// roomFacts are what a reply in a room knows of the room besides the conversation.
type roomFacts struct {
	Title  string
	Self   domain.ID // the speaking companion
	People []string  // the people in the room
	Others []string  // the other companions in the room
	// Own: the person the turn answers for is the companion's own (its relationship is with them).
	Own bool
}

// ErrLeftRoom ends a room turn whose companion is no longer in the room (taken out, in the trash, no
// longer published).
var ErrLeftRoom = domain.E(domain.KindNotFound, "companion_not_in_room", "the companion is no longer in the room")

// seat is the room turn's companion with its place in the room.
func (t turns) seat(ctx context.Context, r Repos, turn chat.Turn) (RoomCast, RoomSeat, *companion.Companion, error) {
	cast, err := r.Rooms().Cast(ctx, turn.RoomID())
	if err != nil {
		return RoomCast{}, RoomSeat{}, nil, err
	}
	seat, ok := cast.Seat(turn.CompanionID())
	if !ok {
		return RoomCast{}, RoomSeat{}, nil, ErrLeftRoom
	}
	c, err := r.Companions().Get(ctx, seat.OwnerID, seat.CompanionID)
	if err != nil {
		return RoomCast{}, RoomSeat{}, nil, err
	}
	if seat.AddedBy != seat.OwnerID || !ownersAlone(cast, seat, turn) {
		// A published companion someone else brought, or anyone's with other people in the room:
		// nothing of its owner (their own instruction, how they look) goes into what others hear and
		// see — the reply and its picture are everyone's in the room, whoever it answers.
		c = c.Shared()
	}
	return cast, seat, c, nil
}

// ownersAlone reports whether the turn is the seat's owner's and nobody else is in the room: only
// then may the companion use what is private between them (memories, their own instruction, how
// they look), since everything said in a room is heard by everyone in it.
func ownersAlone(cast RoomCast, seat RoomSeat, turn chat.Turn) bool {
	return seat.OwnerID == turn.OwnerID() && len(cast.People) == 1
}

// roomScene is the seat's scene in the room: the one it left there, or its profile's starting one.
func roomScene(seat RoomSeat, c *companion.Companion) companion.Scene {
	if seat.Scene != nil {
		return *seat.Scene
	}
	return c.Profile().StartingScene()
}

// loadRoom is load for a turn in a room.
func (t turns) loadRoom(ctx context.Context, turn chat.Turn) (turnContext, error) {
	cast, seat, c, err := t.seat(ctx, t.store, turn)
	if err != nil {
		return turnContext{}, err
	}
	u, err := t.store.Rooms().Message(ctx, turn.RoomID(), turn.UserMessageID())
	if err != nil {
		return turnContext{}, err
	}
	person, err := t.store.People().DisplayName(ctx, turn.OwnerID())
	if err != nil {
		return turnContext{}, err
	}
	rel := companion.Relationship{Affection: companion.RelationshipStart, Trust: companion.RelationshipStart}
	if seat.OwnerID == turn.OwnerID() {
		rel = c.Relationship()
	}
	rf := &roomFacts{Title: cast.Room.Title, Self: c.ID(), Own: seat.OwnerID == turn.OwnerID()}
	for _, p := range cast.People {
		rf.People = append(rf.People, p.DisplayName)
	}
	for _, s := range cast.Seats {
		if s.CompanionID != c.ID() {
			rf.Others = append(rf.Others, s.Name)
		}
	}
	roomID := turn.RoomID()
	return turnContext{turn: turn, comp: c, user: u, facts: sceneFacts{
		Profile: c.Profile(), Relationship: rel, Person: person, Scene: roomScene(seat, c),
		DeepThink: turn.Options().DeepThink, Room: rf,
		m: newMacros(c.Profile().Name(), person, seed(c.ID().String()), seed(turn.ID().String())),
	}, recent: func(ctx context.Context, before domain.Cursor, limit int) ([]chat.Message, error) {
		return t.store.Rooms().Recent(ctx, roomID, before, limit)
	}}, nil
}

// roomPrompt is what the system prompt says of the room: who is there, and that the companion speaks
// for itself alone.
func roomPrompt(f sceneFacts) string {
	r := f.Room
	var b strings.Builder
	b.WriteString("\nGROUP CONVERSATION")
	if r.Title != "" {
		b.WriteString(" (\"" + r.Title + "\")")
	}
	b.WriteString("\n- You are in a group chat with " + joinNames(r.People))
	if len(r.Others) > 0 {
		b.WriteString(" (people) and " + joinNames(r.Others) + " (characters)")
	}
	b.WriteString(".\n- Each message in the conversation starts with the name of who wrote it. Yours are unlabelled.")
	b.WriteString("\n- Write only " + f.charName() + "'s next message: never write what anyone else says, does or thinks, and do not start with your own name.")
	b.WriteString("\n- You may speak to anyone in the room by name, or react to what the others said.")
	return b.String()
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return "nobody else"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// roomLine renders a room message for the model: the speaker's own as its own turns, everyone
// else's labelled with their name.
func roomLine(m chat.Message, self domain.ID) (own bool, text string) {
	if m.CompanionID == self && m.Role == chat.RoleAssistant {
		return true, m.Text
	}
	if m.Role == chat.RoleSystemEvent {
		return false, "[" + m.Text + "]"
	}
	return false, m.Author + ": " + m.Text
}

// guardFor is the speaker guard of a room turn's reply: it stops the reply where the model begins
// someone else's lines (nil outside a room).
func guardFor(f sceneFacts) *SpeakerGuard {
	if f.Room == nil {
		return nil
	}
	return &SpeakerGuard{Self: f.charName(), Others: append(append([]string(nil), f.Room.People...), f.Room.Others...)}
}

// answered is the message a turn answers: a chat message, or a room message.
func (t turns) answered(ctx context.Context, r Repos, turn chat.Turn) (chat.Message, error) {
	if !turn.RoomID().IsZero() {
		return r.Rooms().Message(ctx, turn.RoomID(), turn.UserMessageID())
	}
	return r.Messages().Get(ctx, turn.OwnerID(), turn.UserMessageID())
}

// companionOf is the turn's companion: the person's own, or in a room whoever's it is there.
func (t turns) companionOf(ctx context.Context, turn chat.Turn) (*companion.Companion, error) {
	if !turn.RoomID().IsZero() {
		_, _, c, err := t.seat(ctx, t.store, turn)
		return c, err
	}
	return t.store.Companions().Get(ctx, turn.OwnerID(), turn.CompanionID())
}

// learnsFrom reports whether the exchange of a turn that answered answered is learnt: a companion's
// memories and relationship are with its own person, so in a room only from what they said to it
// themselves — not from another person's words, nor from another companion's in a round among them.
func learnsFrom(turn chat.Turn, c *companion.Companion, answered chat.Message) bool {
	if turn.RoomID().IsZero() {
		return true
	}
	return c.OwnerID() == turn.OwnerID() && answered.Role == chat.RoleUser && answered.AuthorID == turn.OwnerID()
}

// recallsIn reports whether a room turn recalls its companion's memories: when they are on, and its
// own person is the only person there, so that nothing they told it privately is said before others.
func (t turns) recallsIn(ctx context.Context, turn chat.Turn) (bool, error) {
	cast, seat, c, err := t.seat(ctx, t.store, turn)
	if err != nil {
		return false, err
	}
	return c.Settings().Memory && ownersAlone(cast, seat, turn), nil
}

// RoomStreamRetention is how long a room's stream keeps its events after its last one: long enough
// for any follower to resume after a lost connection; after it, the room's history is read from its
// messages.
const RoomStreamRetention = stream.DefaultRetention

// PublishInRoom tells the room's stream p (what was said, who begins to answer). Its events live on
// after each publish for RoomStreamRetention.
func PublishInRoom(ctx context.Context, bus stream.Bus, roomID domain.ID, p chat.Payload) error {
	b, err := eventjson.Encode(p)
	if err != nil {
		return err
	}
	if m, ok := p.(chat.RoomMessage); ok && len(b) > stream.MaxData {
		m.Message.Text, m.TextOmitted = "", true // too long for one event: followers read it
		if b, err = eventjson.Encode(m); err != nil {
			return err
		}
	}
	if _, err := bus.Publish(ctx, roomID, 0, p.EventType(), b); err != nil {
		return err
	}
	return bus.Expire(ctx, roomID, RoomStreamRetention)
}

// attachImage attaches a reply's picture where the reply was said: the companion's chat, or the room.
func (t turns) attachImage(ctx context.Context, turn chat.Turn, messageID, pictureID domain.ID, img media.Image) error {
	if turn.RoomID().IsZero() {
		return t.store.Messages().SetImage(ctx, messageID, pictureID, img)
	}
	return t.store.Rooms().SetImage(ctx, messageID, pictureID, img)
}

// attachAudio attaches a reply's voice where the reply was said.
func (t turns) attachAudio(ctx context.Context, turn chat.Turn, messageID domain.ID, key media.Key) error {
	if turn.RoomID().IsZero() {
		return t.store.Messages().SetAudio(ctx, messageID, key)
	}
	return t.store.Rooms().SetAudio(ctx, messageID, key)
}
