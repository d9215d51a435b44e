// Package roomstoretest is the conformance suite of usecase/room.Store, where group-chat rooms are
// kept. Every implementation runs it:
//
//	func TestRoomStore(t *testing.T) {
//		roomstoretest.Run(t, func(t *testing.T) roomstoretest.Env { … })
//	}
package roomstoretest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/room"
	"github.com/companionhub/companionhub/test/contract/porttest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	roomuc "github.com/companionhub/companionhub/usecase/room"
)

// Env is one store under test, the companions' store over the same database, and the means to make
// and delete people.
type Env struct {
	Store      roomuc.Store
	Companions companionuc.Store
	NewUser    func(t *testing.T) domain.ID
	DeleteUser func(t *testing.T, id domain.ID)
	// ConfirmAdult records that the person confirmed they are an adult (the community's store does).
	ConfirmAdult func(t *testing.T, id domain.ID)
	// Chat is the chat's store over the same database: a room's conversation (its messages, its
	// companions' scenes, its turns) is kept there.
	Chat chatuc.Store
}

// Run runs the suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"OnlyItsPeopleSeeARoom":             testView,
		"ListIsAPersonsRooms":               testList,
		"UpdateAndDelete":                   testUpdateDelete,
		"CompanionsInOrderOnceAndAtMostTen": testCompanions,
		"AnInviteIsUsedOnce":                testInvites,
		"ARemovedPersonLosesTheRoomAtOnce":  testRemove,
		"DeletionsCascade":                  testCascade,
		"MatureCompanionsOnlyAmongAdults":   testAdults,
		"OneCodeOneMembershipUnderRaces":    testRedeemRace,
		"WhatSomeoneBroughtLeavesWithThem":  testLeaveTakesCompanions,
		"InvitesAreListedAndRevoked":        testInviteList,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
	for name, fn := range conversation {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

// base has microseconds, the precision every store keeps.
var base = time.Date(2026, 12, 6, 10, 11, 12, 345678000, time.UTC)

func at(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

func newCompanion(t *testing.T, e Env, owner domain.ID, name string) domain.ID {
	t.Helper()
	return porttest.StoreCompanion(t, e.Companions, owner, companion.ProfileSpec{Name: name}, base).ID()
}

// made stores a room of owner's with companions, made at when.
func made(t *testing.T, e Env, owner domain.ID, when time.Time, companions ...domain.ID) room.Room {
	t.Helper()
	r := room.Room{ID: domain.NewID(when), OwnerID: owner, Title: "Tavern", Settings: room.DefaultSettings(), CreatedAt: when, UpdatedAt: when}
	var cs []room.Companion
	for i, id := range companions {
		cs = append(cs, room.Companion{CompanionID: id, AddedBy: owner, Position: i, AddedAt: when})
	}
	require.NoError(t, e.Store.Create(context.Background(), r, cs))
	return r
}

const hashA, hashB, hashC = "hash-a", "hash-b", "hash-c"

func invite(t *testing.T, e Env, r room.Room, hash string, expires time.Time) {
	t.Helper()
	require.NoError(t, e.Store.AddInvite(context.Background(), room.Invite{ID: domain.NewID(base), RoomID: r.ID, CreatedBy: r.OwnerID,
		CreatedAt: base, ExpiresAt: expires}, hash))
}

func testView(t *testing.T, e Env) {
	ctx := context.Background()
	owner, stranger := e.NewUser(t), e.NewUser(t)
	mira, ines := newCompanion(t, e, owner, "Mira"), newCompanion(t, e, owner, "Ines")
	r := made(t, e, owner, at(1), ines, mira)
	v, err := e.Store.View(ctx, r.ID, owner)
	require.NoError(t, err)
	require.Equal(t, r, v.Room)
	require.Len(t, v.People, 1)
	require.Equal(t, room.Owner, v.People[0].Role)
	require.Equal(t, owner, v.People[0].UserID)
	require.NotEmpty(t, v.People[0].DisplayName)
	require.Len(t, v.Companions, 2)
	require.Equal(t, []string{"Ines", "Mira"}, []string{v.Companions[0].Name, v.Companions[1].Name}, "in the order given")
	require.Equal(t, owner, v.Companions[0].AddedBy)
	_, err = e.Store.View(ctx, r.ID, stranger)
	require.ErrorIs(t, err, roomuc.ErrNotFound, "not one of its people: it does not exist")
	_, err = e.Store.View(ctx, domain.NewID(base), owner)
	require.ErrorIs(t, err, roomuc.ErrNotFound)
}

func testList(t *testing.T, e Env) {
	ctx := context.Background()
	ada, bea := e.NewUser(t), e.NewUser(t)
	first, second := made(t, e, ada, at(1)), made(t, e, ada, at(2))
	made(t, e, bea, at(3))
	list, err := e.Store.List(ctx, ada)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{second.ID, first.ID}, []domain.ID{list[0].ID, list[1].ID})
	require.Len(t, list, 2, "not bea's")
	require.NoError(t, e.Store.Modify(ctx, first.ID, func(r *room.Room) error { r.Title, r.UpdatedAt = "Renamed", at(9); return nil }))
	list, err = e.Store.List(ctx, ada)
	require.NoError(t, err)
	require.Equal(t, first.ID, list[0].ID, "the last changed first")
}

func testUpdateDelete(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	r := made(t, e, owner, at(1))
	r.Title, r.Settings, r.UpdatedAt = "Harbour", room.Settings{Strategy: room.Manual, MaxReplies: 4, AutoRounds: 2}, at(5)
	require.NoError(t, e.Store.Modify(ctx, r.ID, func(in *room.Room) error {
		require.Equal(t, "Tavern", in.Title, "what is stored")
		in.Title, in.Settings, in.UpdatedAt = r.Title, r.Settings, r.UpdatedAt
		return nil
	}))
	v, err := e.Store.View(ctx, r.ID, owner)
	require.NoError(t, err)
	require.Equal(t, r, v.Room)
	refused := errors.New("refused")
	require.ErrorIs(t, e.Store.Modify(ctx, r.ID, func(in *room.Room) error { in.Title = "Never"; return refused }), refused)
	v, err = e.Store.View(ctx, r.ID, owner)
	require.NoError(t, err)
	require.Equal(t, "Harbour", v.Room.Title, "a refused change changes nothing")
	require.NoError(t, e.Store.Delete(ctx, r.ID))
	_, err = e.Store.View(ctx, r.ID, owner)
	require.ErrorIs(t, err, roomuc.ErrNotFound)
	require.ErrorIs(t, e.Store.Delete(ctx, r.ID), roomuc.ErrNotFound)
	require.ErrorIs(t, e.Store.Modify(ctx, r.ID, func(*room.Room) error { return nil }), roomuc.ErrNotFound)
}

func testCompanions(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	first := newCompanion(t, e, owner, "First")
	r := made(t, e, owner, at(1), first)
	add := func(id domain.ID) error {
		return e.Store.AddCompanion(ctx, r.ID, room.Companion{CompanionID: id, AddedBy: owner, AddedAt: at(2)})
	}
	require.ErrorIs(t, add(first), roomuc.ErrCompanionInRoom)
	var ids []domain.ID
	for range room.MaxCompanions - 1 {
		id := newCompanion(t, e, owner, "More")
		require.NoError(t, add(id))
		ids = append(ids, id)
	}
	require.ErrorIs(t, add(newCompanion(t, e, owner, "Eleventh")), roomuc.ErrRoomFull)
	require.NoError(t, e.Store.RemoveCompanion(ctx, r.ID, first))
	require.ErrorIs(t, e.Store.RemoveCompanion(ctx, r.ID, first), roomuc.ErrCompanionNotInRoom)
	last := newCompanion(t, e, owner, "Last")
	require.NoError(t, add(last), "room for one again")
	v, err := e.Store.View(ctx, r.ID, owner)
	require.NoError(t, err)
	require.Len(t, v.Companions, room.MaxCompanions)
	require.Equal(t, last, v.Companions[len(v.Companions)-1].CompanionID, "added at the end")
	require.Equal(t, ids[0], v.Companions[0].CompanionID)
}

func testInvites(t *testing.T, e Env) {
	ctx := context.Background()
	owner, ada, bea := e.NewUser(t), e.NewUser(t), e.NewUser(t)
	r := made(t, e, owner, at(1))
	invite(t, e, r, hashA, at(100))
	invite(t, e, r, hashB, at(10))
	invite(t, e, r, hashC, at(100))

	_, err := e.Store.Redeem(ctx, hashA, owner, at(2))
	require.ErrorIs(t, err, roomuc.ErrAlreadyIn)
	id, err := e.Store.Redeem(ctx, hashA, ada, at(2))
	require.NoError(t, err, "the owner's try left the code unused")
	require.Equal(t, r.ID, id)
	_, err = e.Store.Redeem(ctx, hashA, bea, at(3))
	require.ErrorIs(t, err, roomuc.ErrInviteInvalid, "used")
	_, err = e.Store.Redeem(ctx, hashB, bea, at(10))
	require.ErrorIs(t, err, roomuc.ErrInviteInvalid, "expired")
	_, err = e.Store.Redeem(ctx, "no such", bea, at(3))
	require.ErrorIs(t, err, roomuc.ErrInviteInvalid)

	v, err := e.Store.View(ctx, r.ID, ada)
	require.NoError(t, err)
	require.Len(t, v.People, 2)
	require.Equal(t, room.Member, v.RoleOf(ada))
	require.Equal(t, at(2), v.People[1].JoinedAt)

	for range room.MaxPeople - 2 {
		code := "fill-" + domain.NewID(base).String()
		invite(t, e, r, code, at(100))
		_, err := e.Store.Redeem(ctx, code, e.NewUser(t), at(3))
		require.NoError(t, err)
	}
	_, err = e.Store.Redeem(ctx, hashC, bea, at(4))
	require.ErrorIs(t, err, roomuc.ErrRoomFull)
}

func testRemove(t *testing.T, e Env) {
	ctx := context.Background()
	owner, ada := e.NewUser(t), e.NewUser(t)
	r := made(t, e, owner, at(1))
	invite(t, e, r, hashA, at(100))
	_, err := e.Store.Redeem(ctx, hashA, ada, at(2))
	require.NoError(t, err)
	list, err := e.Store.List(ctx, ada)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.NoError(t, e.Store.RemovePerson(ctx, r.ID, ada))
	_, err = e.Store.View(ctx, r.ID, ada)
	require.ErrorIs(t, err, roomuc.ErrNotFound)
	list, err = e.Store.List(ctx, ada)
	require.NoError(t, err)
	require.Empty(t, list)
	require.ErrorIs(t, e.Store.RemovePerson(ctx, r.ID, ada), roomuc.ErrPersonNotInRoom)
}

func testCascade(t *testing.T, e Env) {
	ctx := context.Background()
	owner, guest := e.NewUser(t), e.NewUser(t)
	mine, theirs := newCompanion(t, e, owner, "Mine"), newCompanion(t, e, guest, "Theirs")
	r := made(t, e, owner, at(1), mine)
	invite(t, e, r, hashA, at(100))
	_, err := e.Store.Redeem(ctx, hashA, guest, at(2))
	require.NoError(t, err)
	require.NoError(t, e.Store.AddCompanion(ctx, r.ID, room.Companion{CompanionID: theirs, AddedBy: guest, AddedAt: at(3)}))

	e.DeleteUser(t, guest) // their companion and their place go with them
	v, err := e.Store.View(ctx, r.ID, owner)
	require.NoError(t, err)
	require.Len(t, v.People, 1)
	require.Len(t, v.Companions, 1)
	require.Equal(t, mine, v.Companions[0].CompanionID)

	third := e.NewUser(t)
	invite(t, e, r, hashB, at(100))
	_, err = e.Store.Redeem(ctx, hashB, third, at(4))
	require.NoError(t, err)
	e.DeleteUser(t, owner) // the owner's rooms go with them, for everyone in them
	_, err = e.Store.View(ctx, r.ID, third)
	require.ErrorIs(t, err, roomuc.ErrNotFound)
	list, err := e.Store.List(ctx, third)
	require.NoError(t, err)
	require.Empty(t, list)
}

func testAdults(t *testing.T, e Env) {
	ctx := context.Background()
	owner, guest := e.NewUser(t), e.NewUser(t)
	mature := porttest.StoreCompanion(t, e.Companions, owner, companion.ProfileSpec{Name: "Vera", ContentRating: companion.RatingMature}, base).ID()
	r := made(t, e, owner, at(1))
	add := func() error {
		return e.Store.AddCompanion(ctx, r.ID, room.Companion{CompanionID: mature, AddedBy: owner, AddedAt: at(2)})
	}
	require.ErrorIs(t, add(), roomuc.ErrAdultsOnly, "the owner never confirmed")
	e.ConfirmAdult(t, owner)
	require.NoError(t, add())
	invite(t, e, r, hashA, at(100))
	_, err := e.Store.Redeem(ctx, hashA, guest, at(3))
	require.ErrorIs(t, err, roomuc.ErrAdultsOnly, "the guest never confirmed")
	e.ConfirmAdult(t, guest)
	_, err = e.Store.Redeem(ctx, hashA, guest, at(4))
	require.NoError(t, err, "the refused try left the code unused")
}

func testRedeemRace(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	r := made(t, e, owner, at(1))
	invite(t, e, r, hashA, at(100))
	people := make([]domain.ID, 8)
	for i := range people {
		people[i] = e.NewUser(t)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	joined := 0
	for _, p := range people {
		wg.Go(func() {
			_, err := e.Store.Redeem(ctx, hashA, p, at(2))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				joined++
			} else if !errors.Is(err, roomuc.ErrInviteInvalid) {
				t.Errorf("redeem: %v", err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, joined, "one code, one membership")
	v, err := e.Store.View(ctx, r.ID, owner)
	require.NoError(t, err)
	require.Len(t, v.People, 2)
}

func testLeaveTakesCompanions(t *testing.T, e Env) {
	ctx := context.Background()
	owner, guest := e.NewUser(t), e.NewUser(t)
	mine := newCompanion(t, e, owner, "Mine")
	r := made(t, e, owner, at(1), mine)
	invite(t, e, r, hashA, at(100))
	_, err := e.Store.Redeem(ctx, hashA, guest, at(2))
	require.NoError(t, err)
	theirs := newCompanion(t, e, guest, "Theirs")
	require.NoError(t, e.Store.AddCompanion(ctx, r.ID, room.Companion{CompanionID: theirs, AddedBy: guest, AddedAt: at(3)}))
	require.NoError(t, e.Store.RemovePerson(ctx, r.ID, guest))
	v, err := e.Store.View(ctx, r.ID, owner)
	require.NoError(t, err)
	require.Len(t, v.Companions, 1, "their companion left with them")
	require.Equal(t, mine, v.Companions[0].CompanionID)
	require.True(t, v.Room.UpdatedAt.After(at(1)), "a change of the room's")
}

func testInviteList(t *testing.T, e Env) {
	ctx := context.Background()
	owner, guest := e.NewUser(t), e.NewUser(t)
	r, other := made(t, e, owner, at(1)), made(t, e, owner, at(2))
	invite(t, e, r, hashA, at(100))
	invite(t, e, r, hashB, at(10))
	invite(t, e, other, hashC, at(100))
	live, err := e.Store.Invites(ctx, r.ID, at(20))
	require.NoError(t, err)
	require.Len(t, live, 1, "the expired one is not live; the other room's is not this room's")
	require.Equal(t, at(100), live[0].ExpiresAt)
	require.Equal(t, owner, live[0].CreatedBy)
	require.ErrorIs(t, e.Store.DeleteInvite(ctx, other.ID, live[0].ID), roomuc.ErrInviteNotFound, "another room's")
	require.NoError(t, e.Store.DeleteInvite(ctx, r.ID, live[0].ID))
	_, err = e.Store.Redeem(ctx, hashA, guest, at(21))
	require.ErrorIs(t, err, roomuc.ErrInviteInvalid, "revoked")
	require.ErrorIs(t, e.Store.DeleteInvite(ctx, r.ID, live[0].ID), roomuc.ErrInviteNotFound)
	live, err = e.Store.Invites(ctx, r.ID, at(20))
	require.NoError(t, err)
	require.Empty(t, live)
}
