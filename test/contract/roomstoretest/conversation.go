package roomstoretest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/room"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// The conversation of a room as turns see it: chat.RoomRepository, on the chat's store over the same
// database (Env.Chat).
var conversation = map[string]func(*testing.T, Env){
	"MessagesInOrderAndInTheirRoom":   testRoomMessages,
	"AMessageKeyAnswersItsRetries":    testRoomKeys,
	"CastSeatsAndScenes":              testCast,
	"RoomTurnsAreTheRoomsNotTheChats": testRoomTurns,
	"ErasedPeopleTakeTheirWordsAlong": testErasedWords,
	"AReplyIsSavedOnceUnderTheLock":   testReplyOnce,
	"ARoomsFilesOpenForItsPeople":     testRoomFiles,
}

func said(roomID, author domain.ID, name, text string, when time.Time) chat.Message {
	return chat.Message{ID: domain.NewID(when), RoomID: roomID, AuthorID: author, Author: name, Role: chat.RoleUser, Text: text,
		Selected: true, CreatedAt: when}
}

func answered(roomID, companionID, turnID, replyTo domain.ID, name, text string, when time.Time, scene *companion.Scene) chat.Message {
	return chat.Message{ID: domain.NewID(when), RoomID: roomID, CompanionID: companionID, TurnID: turnID, ReplyTo: replyTo,
		Author: name, Role: chat.RoleAssistant, Text: text, Selected: true, Scene: scene, CreatedAt: when}
}

func testRoomMessages(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	mira := newCompanion(t, e, owner, "Mira")
	r, other := made(t, e, owner, at(1), mira), made(t, e, owner, at(1))
	rooms := e.Chat.Rooms()
	var want []chat.Message
	for i := range 5 {
		m := said(r.ID, owner, "Ada", "hello "+string(rune('a'+i)), at(10+i))
		if i%2 == 1 {
			scene := companion.Scene{Outfit: []string{"coat"}, Location: "harbour", Action: "waving", Mood: companion.MoodHappy}
			m = answered(r.ID, mira, domain.NewID(at(10+i)), want[i-1].ID, "Mira", "hi "+string(rune('a'+i)), at(10+i), &scene)
		}
		require.NoError(t, rooms.CreateMessage(ctx, m, chatuc.Idempotency{}))
		want = append(want, m)
	}
	require.NoError(t, rooms.CreateMessage(ctx, said(other.ID, owner, "Ada", "elsewhere", at(30)), chatuc.Idempotency{}))

	recent, err := rooms.Recent(ctx, r.ID, domain.Cursor{}, 3)
	require.NoError(t, err)
	require.Equal(t, []chat.Message{want[4], want[3], want[2]}, recent, "newest first, as stored, this room's only")
	older, err := rooms.Recent(ctx, r.ID, domain.Cursor{At: want[2].CreatedAt, ID: want[2].ID}, 10)
	require.NoError(t, err)
	require.Equal(t, []chat.Message{want[1], want[0]}, older)

	page, next, err := rooms.History(ctx, r.ID, domain.Page{Limit: 4})
	require.NoError(t, err)
	require.Len(t, page, 4)
	require.False(t, next.IsZero())
	page, next, err = rooms.History(ctx, r.ID, domain.Page{Limit: 4, After: next})
	require.NoError(t, err)
	require.Equal(t, []chat.Message{want[0]}, page)
	require.True(t, next.IsZero())

	got, err := rooms.Message(ctx, r.ID, want[1].ID)
	require.NoError(t, err)
	require.Equal(t, want[1], got)
	_, err = rooms.Message(ctx, other.ID, want[1].ID)
	require.ErrorIs(t, err, chat.ErrMessageNotFound, "another room's message is not this one's")
	byTurn, err := rooms.MessageByTurn(ctx, want[3].TurnID)
	require.NoError(t, err)
	require.Equal(t, want[3], byTurn)
	_, err = rooms.MessageByTurn(ctx, domain.NewID(base))
	require.Equal(t, domain.KindNotFound, domain.KindOf(err))
	require.Equal(t, domain.KindNotFound, domain.KindOf(rooms.CreateMessage(ctx, said(domain.NewID(base), owner, "Ada", "x", at(40)),
		chatuc.Idempotency{})), "no such room")
}

func testRoomKeys(t *testing.T, e Env) {
	ctx := context.Background()
	ada, bea := e.NewUser(t), e.NewUser(t)
	r := made(t, e, ada, at(1))
	rooms := e.Chat.Rooms()
	first := said(r.ID, ada, "Ada", "one", at(2))
	key := chatuc.Idempotency{Key: "k-1", Fingerprint: "fp-1"}
	require.NoError(t, rooms.CreateMessage(ctx, first, key))
	got, k, err := rooms.ByIdempotencyKey(ctx, ada, "k-1")
	require.NoError(t, err)
	require.Equal(t, first, got)
	require.Equal(t, key, k)
	_, _, err = rooms.ByIdempotencyKey(ctx, bea, "k-1")
	require.Equal(t, domain.KindNotFound, domain.KindOf(err), "a key is its author's")
	require.ErrorIs(t, rooms.CreateMessage(ctx, said(r.ID, ada, "Ada", "two", at(3)), key), chatuc.ErrDuplicateMessage)
	require.NoError(t, rooms.CreateMessage(ctx, said(r.ID, bea, "Bea", "two", at(3)), key), "another author's key")

	require.NoError(t, rooms.ReleaseIdempotencyKey(ctx, ada, "k-1", at(2)), "made at, not before: kept")
	_, _, err = rooms.ByIdempotencyKey(ctx, ada, "k-1")
	require.NoError(t, err)
	require.NoError(t, rooms.ReleaseIdempotencyKey(ctx, ada, "k-1", at(5)))
	_, _, err = rooms.ByIdempotencyKey(ctx, ada, "k-1")
	require.Equal(t, domain.KindNotFound, domain.KindOf(err))
	require.NoError(t, rooms.CreateMessage(ctx, said(r.ID, ada, "Ada", "three", at(6)), key), "released: used again")
	_, err = rooms.Message(ctx, r.ID, first.ID)
	require.NoError(t, err, "the first message stays")
}

func testCast(t *testing.T, e Env) {
	ctx := context.Background()
	owner, guest := e.NewUser(t), e.NewUser(t)
	mira, ines := newCompanion(t, e, owner, "Mira"), newCompanion(t, e, owner, "Ines")
	theirs := newCompanion(t, e, guest, "Theo")
	r := made(t, e, owner, at(1), mira, ines)
	invite(t, e, r, hashA, at(100))
	_, err := e.Store.Redeem(ctx, hashA, guest, at(2))
	require.NoError(t, err)
	require.NoError(t, e.Store.AddCompanion(ctx, r.ID, room.Companion{CompanionID: theirs, AddedBy: guest, AddedAt: at(3)}))

	rooms := e.Chat.Rooms()
	cast, err := rooms.Cast(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, r.ID, cast.Room.ID)
	require.Len(t, cast.People, 2)
	require.Len(t, cast.Seats, 3)
	require.Equal(t, []string{"Mira", "Ines", "Theo"}, []string{cast.Seats[0].Name, cast.Seats[1].Name, cast.Seats[2].Name})
	require.Equal(t, guest, cast.Seats[2].OwnerID)
	for _, s := range cast.Seats {
		require.Nil(t, s.Scene, "nobody has spoken here yet")
	}
	scene := companion.Scene{Outfit: []string{"red scarf"}, Location: "pier", Action: "fishing", Mood: companion.MoodPlayful, UserPresent: true}
	require.NoError(t, rooms.SetScene(ctx, r.ID, ines, scene))
	cast, err = rooms.Cast(ctx, r.ID)
	require.NoError(t, err)
	seat, ok := cast.Seat(ines)
	require.True(t, ok)
	require.Equal(t, &scene, seat.Scene)
	seat, _ = cast.Seat(mira)
	require.Nil(t, seat.Scene, "each keeps its own")
	require.Equal(t, domain.KindNotFound, domain.KindOf(rooms.SetScene(ctx, r.ID, domain.NewID(base), scene)), "not in the room")

	// Theo's owner leaves: Theo goes with them, and is no longer cast.
	require.NoError(t, e.Store.RemovePerson(ctx, r.ID, guest))
	cast, err = rooms.Cast(ctx, r.ID)
	require.NoError(t, err)
	_, ok = cast.Seat(theirs)
	require.False(t, ok)
	_, err = rooms.Cast(ctx, domain.NewID(base))
	require.Equal(t, domain.KindNotFound, domain.KindOf(err))
}

// roomTurn stores a room turn of companionID answering message, made at when.
func roomTurn(t *testing.T, e Env, owner, roomID, companionID, message domain.ID, when time.Time) chat.Turn {
	t.Helper()
	turn, err := chat.NewRoomTurn(domain.NewID(when), owner, roomID, companionID, message, chat.Options{}, when, time.Hour)
	require.NoError(t, err)
	require.NoError(t, e.Chat.Turns().Create(context.Background(), turn, chatuc.Idempotency{}))
	return turn
}

func testRoomTurns(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	mira := newCompanion(t, e, owner, "Mira")
	r := made(t, e, owner, at(1), mira)
	m := said(r.ID, owner, "Ada", "hello", at(2))
	require.NoError(t, e.Chat.Rooms().CreateMessage(ctx, m, chatuc.Idempotency{}))
	first := roomTurn(t, e, owner, r.ID, mira, m.ID, at(3))
	second := roomTurn(t, e, owner, r.ID, mira, m.ID, at(4))

	loaded, err := e.Chat.Turns().Load(ctx, first.ID())
	require.NoError(t, err)
	require.Equal(t, r.ID, loaded.RoomID())
	require.Equal(t, m.ID, loaded.UserMessageID(), "a room turn answers a room message")
	turns, err := e.Chat.Rooms().Turns(ctx, r.ID, 10)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{second.ID(), first.ID()}, []domain.ID{turns[0].ID(), turns[1].ID()}, "newest first")
	turns, err = e.Chat.Rooms().Turns(ctx, r.ID, 1)
	require.NoError(t, err)
	require.Len(t, turns, 1)

	// The companion's own chat is not busy because it speaks in a room.
	active, err := e.Chat.Turns().Active(ctx, mira, domain.ID{})
	require.NoError(t, err)
	require.False(t, active)
	_, err = e.Chat.Turns().Current(ctx, owner, mira)
	require.ErrorIs(t, err, chat.ErrTurnNotFound)

	require.NoError(t, e.Store.Delete(ctx, r.ID))
	_, err = e.Chat.Turns().Load(ctx, first.ID())
	require.ErrorIs(t, err, chat.ErrTurnNotFound, "a room's turns go with it")
}

func testErasedWords(t *testing.T, e Env) {
	ctx := context.Background()
	owner, guest := e.NewUser(t), e.NewUser(t)
	mira := newCompanion(t, e, owner, "Mira")
	r := made(t, e, owner, at(1), mira)
	invite(t, e, r, hashA, at(100))
	_, err := e.Store.Redeem(ctx, hashA, guest, at(2))
	require.NoError(t, err)
	rooms := e.Chat.Rooms()
	mine, theirs := said(r.ID, owner, "Ada", "mine", at(3)), said(r.ID, guest, "Bea", "theirs", at(4))
	for _, m := range []chat.Message{mine, theirs} {
		require.NoError(t, rooms.CreateMessage(ctx, m, chatuc.Idempotency{}))
	}
	reply := answered(r.ID, mira, domain.NewID(at(5)), theirs.ID, "Mira", "hello Bea", at(5), nil)
	require.NoError(t, rooms.CreateMessage(ctx, reply, chatuc.Idempotency{}))
	e.DeleteUser(t, guest)
	left, err := rooms.Recent(ctx, r.ID, domain.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, left, 2, "the erased person's words are gone; the reply stays")
	require.Equal(t, reply.ID, left[0].ID)
	require.True(t, left[0].ReplyTo.IsZero(), "it answers what is no longer there")
}

// testReplyOnce: two savers of the same turn's reply, under the room's lock, save it once.
func testReplyOnce(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	mira := newCompanion(t, e, owner, "Mira")
	r := made(t, e, owner, at(1), mira)
	turnID := domain.NewID(at(2))
	errs := make(chan error, 2)
	for i := range 2 {
		go func() {
			errs <- e.Chat.InTx(ctx, func(tx chatuc.Repos) error {
				if err := tx.Rooms().Lock(ctx, r.ID); err != nil {
					return err
				}
				if _, err := tx.Rooms().MessageByTurn(ctx, turnID); err == nil {
					return nil
				}
				return tx.Rooms().CreateMessage(ctx, answered(r.ID, mira, turnID, domain.ID{}, "Mira", "once", at(3+i), nil), chatuc.Idempotency{})
			})
		}()
	}
	for range 2 {
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
			require.NoError(t, err)
		}
	}
	all, err := e.Chat.Rooms().Recent(ctx, r.ID, domain.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.Equal(t, domain.KindNotFound, domain.KindOf(e.Chat.Rooms().Lock(ctx, domain.NewID(base))))
}

// testRoomFiles: a reply's picture and voice are kept with it, and open for the people in its room
// (the media repository's InRoomOf) — no one else, and not once they left.
func testRoomFiles(t *testing.T, e Env) {
	ctx := context.Background()
	owner, guest, stranger := e.NewUser(t), e.NewUser(t), e.NewUser(t)
	mira := newCompanion(t, e, owner, "Mira")
	r := made(t, e, owner, at(1), mira)
	invite(t, e, r, hashA, at(100))
	_, err := e.Store.Redeem(ctx, hashA, guest, at(2))
	require.NoError(t, err)
	rooms := e.Chat.Rooms()
	reply := answered(r.ID, mira, domain.NewID(at(3)), domain.ID{}, "Mira", "look", at(3), nil)
	require.NoError(t, rooms.CreateMessage(ctx, reply, chatuc.Idempotency{}))
	img := media.Image{Key: media.NewKey(media.JPEG), ContentType: media.JPEG, Bytes: 10, Width: 4, Height: 6}
	audio := media.NewKey(media.MP3)
	for _, it := range []media.Item{
		{Key: img.Key, OwnerID: owner, CompanionID: mira, Kind: media.KindPicture, ContentType: media.JPEG, Bytes: 10, Width: 4, Height: 6, CreatedAt: base},
		{Key: audio, OwnerID: owner, CompanionID: mira, Kind: media.KindAudio, ContentType: media.MP3, Bytes: 10, CreatedAt: base},
	} {
		require.NoError(t, e.Companions.Media().Create(ctx, it))
	}
	picture := domain.NewID(at(4))
	require.NoError(t, rooms.SetImage(ctx, reply.ID, picture, img))
	require.NoError(t, rooms.SetAudio(ctx, reply.ID, audio))
	got, err := rooms.Message(ctx, r.ID, reply.ID)
	require.NoError(t, err)
	require.Equal(t, img, got.Image)
	require.Equal(t, picture, got.PictureID)
	require.Equal(t, audio, got.AudioKey)
	require.Equal(t, domain.KindNotFound, domain.KindOf(rooms.SetAudio(ctx, domain.NewID(base), audio)))

	for _, key := range []media.Key{img.Key, audio} {
		for who, want := range map[domain.ID]bool{owner: true, guest: true, stranger: false} {
			in, err := e.Companions.Media().InRoomOf(ctx, key, who)
			require.NoError(t, err)
			require.Equal(t, want, in)
		}
	}
	require.NoError(t, e.Store.RemovePerson(ctx, r.ID, guest))
	in, err := e.Companions.Media().InRoomOf(ctx, img.Key, guest)
	require.NoError(t, err)
	require.False(t, in, "gone from the room: its files too")
}
