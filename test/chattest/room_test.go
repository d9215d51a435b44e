package chattest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/tones"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/domain/room"
	"github.com/companionhub/companionhub/eventjson"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/llm"
	roomuc "github.com/companionhub/companionhub/usecase/room"
	"github.com/companionhub/companionhub/usecase/stream"
)

// rooms builds the rooms' use cases over the chat e assembled (its store, bus and runner: the
// turns it runs carry the room on through the hub's own wiring).
func rooms(t *testing.T, db *sqlstore.DB, e *chattest.Env, features ...chatuc.Feature) *roomuc.App {
	t.Helper()
	return roomsWith(t, db, e, nil, features...)
}

// roomsWith is rooms where published are the companions published (by id): anyone may bring them.
func roomsWith(t *testing.T, db *sqlstore.DB, e *chattest.Env, published map[domain.ID]domain.ID, features ...chatuc.Feature) *roomuc.App {
	t.Helper()
	companions := sqlstore.NewCompanionStore(db).Companions()
	talk := roomuc.Talk{Store: e.Store, Bus: e.Bus, Runner: e.Runner}
	if len(features) == 2 {
		talk.Pictures, talk.Voice = features[0], features[1]
	}
	app, err := roomuc.NewApp(roomuc.Deps{Store: sqlstore.RoomStore(db), Clock: usecase.SystemClock{}, Talk: talk,
		Companions: roomuc.Companions{
			Owned: companions.Get,
			Published: func(ctx context.Context, id domain.ID) (*companion.Companion, error) {
				if owner, ok := published[id]; ok {
					return companions.Get(ctx, owner, id)
				}
				return nil, roomuc.ErrNotYourCompanion
			},
			Adult: func(context.Context, domain.ID) (bool, error) { return true, nil },
		}})
	require.NoError(t, err)
	return app
}

// roomEvents reads a room's stream until want holds for the room's messages heard, and returns
// them with the order in which companions were announced.
func roomEvents(t *testing.T, sub stream.Subscription, want func(msgs []chat.Message, ended int) bool) (msgs []chat.Message, speakers []domain.ID) {
	t.Helper()
	ended := 0
	for !want(msgs, ended) {
		e := awaittest.Next(t, sub, "the room's next event")
		switch e.Type {
		case chat.EventMessage:
			p, err := eventjson.Decode(e.Type, e.Data)
			require.NoError(t, err)
			msgs = append(msgs, p.(chat.RoomMessage).Message)
		case chat.EventSpeaker:
			p, err := eventjson.Decode(e.Type, e.Data)
			require.NoError(t, err)
			speakers = append(speakers, p.(chat.Speaker).CompanionID)
		case chat.EventComplete, chat.EventError:
			ended++
		}
	}
	return msgs, speakers
}

func replies(msgs []chat.Message) int {
	n := 0
	for _, m := range msgs {
		if m.Role == chat.RoleAssistant {
			n++
		}
	}
	return n
}

// TestRoomTurnTaking: one person, three companions. The one named answers first; with at most two
// replies, two answer; each keeps its own scene in the room (its own chat's untouched); a reply
// that starts writing another's lines is cut where it does; the next speaker reads the room's
// conversation labelled by who said what.
func TestRoomTurnTaking(t *testing.T) {
	t.Parallel()
	db := sqlitetest.Open(t)
	model := newScripted()
	model.replies = []reply{{pieces: []string{"Oh, the storm? I love it.", "\nMi", "ra: Me too!"}}}
	model.analyses = []string{`{"outfit":"green raincoat","location":"the pier","action_summary":"watching the waves","mood":"excited"}`}
	e := chattest.New(t, db, chattest.Options{Model: model})
	app := rooms(t, db, e)
	ctx := context.Background()

	owner, mira := chattest.NewCompanion(t, db, companion.ProfileSpec{Name: "Mira", Age: 28, DefaultOutfit: []string{"grey hoodie"}})
	ines := storeCompanion(t, db, owner, companion.ProfileSpec{Name: "Ines", Age: 29, DefaultOutfit: []string{"white dress"}})
	theo := storeCompanion(t, db, owner, companion.ProfileSpec{Name: "Theo", Age: 31, DefaultOutfit: []string{"flannel shirt"}})
	v, err := app.Create.Handle(ctx, roomuc.Create{OwnerID: owner, Title: "Harbour", CompanionIDs: []domain.ID{mira, ines, theo},
		Settings: roomuc.SettingsPatch{Strategy: ptr(room.List), MaxReplies: ptr(2)}})
	require.NoError(t, err)
	sub, err := app.Follow.Handle(ctx, roomuc.Follow{UserID: owner, RoomID: v.Room.ID})
	require.NoError(t, err)
	defer sub.Close()

	sent, err := app.SendMessage.Handle(ctx, roomuc.SendMessage{UserID: owner, RoomID: v.Room.ID, Text: "Ines, what do you make of the storm?"})
	require.NoError(t, err)
	msgs, speakers := roomEvents(t, sub, func(msgs []chat.Message, ended int) bool { return replies(msgs) == 2 && ended == 2 })
	require.Equal(t, sent.Message.ID, msgs[0].ID)
	require.Equal(t, []domain.ID{ines, mira}, speakers, "the one named first, then the room's order")

	// Nothing more: the room is quiet, and asked again, starts nobody.
	_, err = app.Advance.Handle(ctx, roomuc.Advance{RoomID: v.Room.ID})
	require.NoError(t, err)
	turns, err := e.Store.Rooms().Turns(ctx, v.Room.ID, 10)
	require.NoError(t, err)
	require.Len(t, turns, 2, "at most two replies")
	for _, tn := range turns {
		require.True(t, tn.Ended())
	}

	first := msgs[1]
	require.Equal(t, ines, first.CompanionID)
	require.Equal(t, "Oh, the storm? I love it.", first.Text, "cut where it began to speak for Mira")
	require.Equal(t, []string{"green raincoat"}, first.Scene.Outfit)
	cast, err := e.Store.Rooms().Cast(ctx, v.Room.ID)
	require.NoError(t, err)
	seat, _ := cast.Seat(ines)
	require.Equal(t, []string{"green raincoat"}, seat.Scene.Outfit, "Ines changed in the room")
	seat, _ = cast.Seat(mira)
	require.NotContains(t, seat.Scene.Outfit, "green raincoat", "Mira keeps her own")
	own, err := e.Store.Companions().Get(ctx, owner, ines)
	require.NoError(t, err)
	require.Equal(t, []string{"white dress"}, own.Scene().Outfit, "Ines's own chat is not the room")

	// Mira's prompt: the room, who is in it, and the conversation labelled by who said what.
	var second llm.Request
	for _, req := range model.streamed() {
		if strings.Contains(req.Messages[0].Content, "You are Mira") {
			second = req
		}
	}
	require.NotEmpty(t, second.Messages, "Mira was asked")
	require.Contains(t, second.Messages[0].Content, "GROUP CONVERSATION")
	require.Contains(t, second.Messages[0].Content, "Ines and Theo (characters)")
	var convo strings.Builder
	for _, m := range second.Messages[1:] {
		convo.WriteString(m.Content + "\n")
	}
	require.Contains(t, convo.String(), "Alex: Ines, what do you make of the storm?")
	require.Contains(t, convo.String(), "Ines: Oh, the storm? I love it.")

	// Manual: nobody answers until a person lets one speak.
	_, err = app.Update.Handle(ctx, roomuc.Update{UserID: owner, RoomID: v.Room.ID, Settings: roomuc.SettingsPatch{Strategy: ptr(room.Manual)}})
	require.NoError(t, err)
	_, err = app.SendMessage.Handle(ctx, roomuc.SendMessage{UserID: owner, RoomID: v.Room.ID, Text: "Anyone?"})
	require.NoError(t, err)
	roomEvents(t, sub, func(msgs []chat.Message, _ int) bool { return len(msgs) == 1 })
	turns, err = e.Store.Rooms().Turns(ctx, v.Room.ID, 10)
	require.NoError(t, err)
	require.Len(t, turns, 2, "manual: nobody answered")
	turn, err := app.LetSpeak.Handle(ctx, roomuc.LetSpeak{UserID: owner, RoomID: v.Room.ID, CompanionID: theo})
	require.NoError(t, err)
	msgs, _ = roomEvents(t, sub, func(msgs []chat.Message, ended int) bool { return replies(msgs) == 1 && ended == 1 })
	require.Equal(t, theo, msgs[0].CompanionID)
	require.Equal(t, turn.ID(), msgs[0].TurnID)
}

func ptr[T any](v T) *T { return &v }

// storeCompanion stores a companion of owner's made from spec.
func storeCompanion(t *testing.T, db *sqlstore.DB, owner domain.ID, spec companion.ProfileSpec) domain.ID {
	t.Helper()
	p, err := companion.NewProfile(spec)
	require.NoError(t, err)
	c := companion.New(domain.NewID(time.Now()), owner, p, time.Now())
	require.NoError(t, sqlstore.NewCompanionStore(db).Companions().Create(context.Background(), c))
	return c.ID()
}

// on is a feature the hub has.
type on struct{}

func (on) Configured() bool { return true }

// TestRoomAnswersArePicturedAndSpoken: a companion whose settings ask for pictures and voice gets
// them in a room as in its own chat: the answer's image and audio events come on the room's stream
// and the saved message holds them.
func TestRoomAnswersArePicturedAndSpoken(t *testing.T) {
	t.Parallel()
	db := sqlitetest.Open(t)
	e := chattest.New(t, db, chattest.Options{Images: chattest.SmallPictures(), Speech: tones.New()})
	app := rooms(t, db, e, on{}, on{})
	ctx := context.Background()
	owner, mira := chattest.NewCompanion(t, db, companion.ProfileSpec{Name: "Mira", Age: 28,
		Voice: companion.Voice{Enabled: true, VoiceID: "alto"}})
	require.NoError(t, e.Store.InTx(ctx, func(r chatuc.Repos) error {
		c, err := r.Companions().GetForUpdate(ctx, owner, mira)
		if err != nil {
			return err
		}
		on := true
		if _, err := c.ChangeSettings(companion.SettingsChange{AutoImage: &on, Voice: &on}, c.UpdatedAt()); err != nil {
			return err
		}
		return r.Companions().Update(ctx, c)
	}))
	v, err := app.Create.Handle(ctx, roomuc.Create{OwnerID: owner, Title: "Studio", CompanionIDs: []domain.ID{mira}})
	require.NoError(t, err)
	sub, err := app.Follow.Handle(ctx, roomuc.Follow{UserID: owner, RoomID: v.Room.ID})
	require.NoError(t, err)
	defer sub.Close()
	_, err = app.SendMessage.Handle(ctx, roomuc.SendMessage{UserID: owner, RoomID: v.Room.ID, Text: "Show me where you are."})
	require.NoError(t, err)
	var pictured, spoken bool
	for ended := false; !ended; {
		ev := awaittest.Next(t, sub, "the answer's events")
		switch ev.Type {
		case chat.EventImage:
			pictured = !strings.Contains(string(ev.Data), `"error"`)
		case chat.EventAudio:
			spoken = !strings.Contains(string(ev.Data), `"error"`)
		case chat.EventComplete, chat.EventError:
			ended = true
		}
	}
	require.True(t, pictured, "a picture")
	require.True(t, spoken, "a voice")
	msgs, _, err := e.Store.Rooms().History(ctx, v.Room.ID, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.False(t, msgs[0].Image.IsZero(), "kept with the answer")
	require.False(t, msgs[0].AudioKey.IsZero())
}

// TestRoomLongMessages: a message too long for one event (4000 characters of Cyrillic) is said all
// the same: its event says its text was left out, and the room's messages hold it whole.
func TestRoomLongMessages(t *testing.T) {
	t.Parallel()
	db := sqlitetest.Open(t)
	e := chattest.New(t, db, chattest.Options{})
	app := rooms(t, db, e)
	ctx := context.Background()
	owner, mira := chattest.NewCompanion(t, db, companion.ProfileSpec{Name: "Mira", Age: 28})
	v, err := app.Create.Handle(ctx, roomuc.Create{OwnerID: owner, Title: "Long", CompanionIDs: []domain.ID{mira},
		Settings: roomuc.SettingsPatch{Strategy: ptr(room.Manual)}})
	require.NoError(t, err)
	sub, err := app.Follow.Handle(ctx, roomuc.Follow{UserID: owner, RoomID: v.Room.ID})
	require.NoError(t, err)
	defer sub.Close()
	long := strings.Repeat("ж", chat.MaxUserText)
	sent, err := app.SendMessage.Handle(ctx, roomuc.SendMessage{UserID: owner, RoomID: v.Room.ID, Text: long})
	require.NoError(t, err)
	ev := awaittest.Next(t, sub, "the message's event")
	require.Equal(t, chat.EventMessage, ev.Type)
	p, err := eventjson.Decode(ev.Type, ev.Data)
	require.NoError(t, err)
	told := p.(chat.RoomMessage)
	require.Equal(t, sent.Message.ID, told.Message.ID)
	require.True(t, told.TextOmitted)
	require.Empty(t, told.Message.Text)
	msgs, _, err := e.Store.Rooms().History(ctx, v.Room.ID, domain.Page{Limit: 1})
	require.NoError(t, err)
	require.Equal(t, long, msgs[0].Text)
}

// systemPromptsOf is the system prompts of the replies model streamed as the companion named name.
func systemPromptsOf(model *scripted, name string) []string {
	var out []string
	for _, req := range model.streamed() {
		if strings.Contains(req.Messages[0].Content, "You are "+name) {
			out = append(out, req.Messages[0].Content)
		}
	}
	return out
}

// TestRoomKeepsTheOwnersPrivateThings: a published companion someone else brings into their room
// speaks without its owner's private instruction, and learns nothing of that person into its
// owner's memories or relationship.
func TestRoomKeepsTheOwnersPrivateThings(t *testing.T) {
	t.Parallel()
	db := sqlitetest.Open(t)
	model := newScripted()
	e := chattest.New(t, db, chattest.Options{Model: model})
	ctx := context.Background()
	author, vera := chattest.NewCompanion(t, db, companion.ProfileSpec{Name: "Vera", Age: 30,
		Persona: companion.Persona{CustomInstruction: "SECRET-INSTRUCTION-OF-THE-AUTHOR"}})
	guest, mine := chattest.NewCompanion(t, db, companion.ProfileSpec{Name: "Noor", Age: 27})
	require.NoError(t, sqlstore.CommunityStore(db).Publish(ctx, author, vera, false, time.Now()))
	app := roomsWith(t, db, e, map[domain.ID]domain.ID{vera: author})
	v, err := app.Create.Handle(ctx, roomuc.Create{OwnerID: guest, Title: "Borrowed", CompanionIDs: []domain.ID{mine}})
	require.NoError(t, err)
	_, err = app.AddCompanion.Handle(ctx, roomuc.AddCompanion{UserID: guest, RoomID: v.Room.ID, CompanionID: vera})
	require.NoError(t, err)
	sub, err := app.Follow.Handle(ctx, roomuc.Follow{UserID: guest, RoomID: v.Room.ID})
	require.NoError(t, err)
	defer sub.Close()
	_, err = app.SendMessage.Handle(ctx, roomuc.SendMessage{UserID: guest, RoomID: v.Room.ID,
		Text: "Vera, my name is Sam and I love sailing."})
	require.NoError(t, err)
	roomEvents(t, sub, func(msgs []chat.Message, ended int) bool { return replies(msgs) == 2 && ended == 2 })

	asked := systemPromptsOf(model, "Vera")
	require.NotEmpty(t, asked)
	for _, prompt := range asked {
		require.NotContains(t, prompt, "SECRET-INSTRUCTION", "the owner's own words stay theirs")
		require.NotContains(t, prompt, "(your ", "the guest is not Vera's person")
	}
	mems, _, err := sqlstore.MemoryStore(db).List(ctx, memory.Filter{OwnerID: author, CompanionID: vera}, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.Empty(t, mems, "nothing of the guest in the author's memories")
	c, err := e.Store.Companions().Get(ctx, author, vera)
	require.NoError(t, err)
	require.Equal(t, companion.RelationshipStart, c.Relationship().Affection, "nor in its relationship")
}

// TestRoomKeepsAMembersPrivateThingsFromOthers: a companion its owner brought into a room speaks
// without their private instruction while anyone else is in the room — answering the other member
// or its owner alike, since everyone hears the reply — and with it once its owner is alone there.
func TestRoomKeepsAMembersPrivateThingsFromOthers(t *testing.T) {
	t.Parallel()
	db := sqlitetest.Open(t)
	model := newScripted()
	e := chattest.New(t, db, chattest.Options{Model: model})
	ctx := context.Background()
	author, vera := chattest.NewCompanion(t, db, companion.ProfileSpec{Name: "Vera", Age: 30,
		Persona: companion.Persona{CustomInstruction: "SECRET-INSTRUCTION-OF-THE-AUTHOR"}})
	guest, mine := chattest.NewCompanion(t, db, companion.ProfileSpec{Name: "Noor", Age: 27})
	app := roomsWith(t, db, e, nil)
	v, err := app.Create.Handle(ctx, roomuc.Create{OwnerID: author, Title: "Shared", CompanionIDs: []domain.ID{vera}})
	require.NoError(t, err)
	inv, err := app.Invite.Handle(ctx, roomuc.Invite{UserID: author, RoomID: v.Room.ID})
	require.NoError(t, err)
	_, err = app.Join.Handle(ctx, roomuc.Join{UserID: guest, Code: inv.Code})
	require.NoError(t, err)
	_, err = app.AddCompanion.Handle(ctx, roomuc.AddCompanion{UserID: guest, RoomID: v.Room.ID, CompanionID: mine})
	require.NoError(t, err)
	sub, err := app.Follow.Handle(ctx, roomuc.Follow{UserID: guest, RoomID: v.Room.ID})
	require.NoError(t, err)
	defer sub.Close()

	veraPrompts := func() []string { return systemPromptsOf(model, "Vera") }
	_, err = app.SendMessage.Handle(ctx, roomuc.SendMessage{UserID: guest, RoomID: v.Room.ID, Text: "Vera, what do you think?"})
	require.NoError(t, err)
	roomEvents(t, sub, func(msgs []chat.Message, ended int) bool { return replies(msgs) == 2 && ended == 2 })
	require.Len(t, veraPrompts(), 1)
	require.NotContains(t, veraPrompts()[0], "SECRET-INSTRUCTION", "answering the guest, nothing private of its owner")

	_, err = app.SendMessage.Handle(ctx, roomuc.SendMessage{UserID: author, RoomID: v.Room.ID, Text: "Vera, and now?"})
	require.NoError(t, err)
	roomEvents(t, sub, func(msgs []chat.Message, ended int) bool { return replies(msgs) == 2 && ended == 2 })
	require.Len(t, veraPrompts(), 2)
	require.NotContains(t, veraPrompts()[1], "SECRET-INSTRUCTION", "answering its owner before the guest, nothing private either")

	_, err = app.Leave.Handle(ctx, roomuc.Leave{UserID: guest, RoomID: v.Room.ID})
	require.NoError(t, err)
	own, err := app.Follow.Handle(ctx, roomuc.Follow{UserID: author, RoomID: v.Room.ID})
	require.NoError(t, err)
	defer own.Close()
	_, err = app.SendMessage.Handle(ctx, roomuc.SendMessage{UserID: author, RoomID: v.Room.ID, Text: "Vera, just us now."})
	require.NoError(t, err)
	roomEvents(t, own, func(msgs []chat.Message, ended int) bool { return len(msgs) > 0 && ended >= 1 })
	require.Len(t, veraPrompts(), 3)
	require.Contains(t, veraPrompts()[2], "SECRET-INSTRUCTION", "its own person's words, to them alone")
}
