// Package room is the group-chat rooms' use cases (SPEC §3.3): making a room with companions,
// seeing and changing it, bringing companions in and out, inviting people with single-use codes,
// joining, leaving and removing; and its conversation: saying something, following it, letting a
// companion speak, and deciding who answers next. Only the people in a room see it — to anyone else
// it does not exist — and one removed loses it at once. A companion's answer is a chat turn with the
// room as its context (usecase/chat), so it runs on either executor.
package room

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/room"
)

// Store keeps rooms. Implementations: adapter/sqlstore; conformance: test/contract/roomstoretest.
type Store interface {
	// Create stores the room, its owner as its first person and its companions, in one transaction.
	Create(ctx context.Context, r room.Room, companions []room.Companion) error
	// View is the room as userID sees it; ErrNotFound unless userID is in it.
	View(ctx context.Context, roomID, userID domain.ID) (room.View, error)
	// List is the rooms userID is in, most recently changed first (at most 100).
	List(ctx context.Context, userID domain.ID) ([]room.Room, error)
	// Modify changes the room with change under its lock (so that concurrent changes do not undo each
	// other) and writes its title, settings and UpdatedAt; ErrNotFound when it is gone.
	Modify(ctx context.Context, roomID domain.ID, change func(*room.Room) error) error
	// Delete deletes the room with its people, companions and invitations.
	Delete(ctx context.Context, roomID domain.ID) error
	// AddCompanion adds a companion at the end of the room's order; ErrCompanionInRoom when it is
	// there already, ErrRoomFull at MaxCompanions, ErrAdultsOnly when it is rated mature or
	// explicit and someone in the room has not confirmed they are an adult.
	AddCompanion(ctx context.Context, roomID domain.ID, c room.Companion) error
	// RemoveCompanion takes a companion out; ErrCompanionNotInRoom when it is not in the room.
	RemoveCompanion(ctx context.Context, roomID, companionID domain.ID) error
	// AddInvite keeps an invitation under its code's hash, and forgets the room's expired ones.
	AddInvite(ctx context.Context, inv room.Invite, codeHash string) error
	// Invites are the room's live invitations at now, newest first.
	Invites(ctx context.Context, roomID domain.ID, now time.Time) ([]room.Invite, error)
	// DeleteInvite revokes an invitation of the room's; ErrInviteNotFound when there is none.
	DeleteInvite(ctx context.Context, roomID, inviteID domain.ID) error
	// Redeem uses the invitation whose code hashes to codeHash, at now, for userID: it adds them to
	// its room as a member and returns the room — once (a used code is gone); ErrInviteInvalid
	// when there is no such live invitation, ErrAlreadyIn when they are in the room already (the
	// code stays unused), ErrRoomFull at MaxPeople, ErrAdultsOnly when the room holds a mature or
	// explicit companion and they have not confirmed they are an adult.
	Redeem(ctx context.Context, codeHash string, userID domain.ID, now time.Time) (domain.ID, error)
	// RemovePerson takes a person out, and the companions they brought with them;
	// ErrPersonNotInRoom when they are not in the room.
	RemovePerson(ctx context.Context, roomID, userID domain.ID) error
}

// A room's rules the stores keep whatever the use cases check: a room never holds a mature or
// explicit companion while someone in it has not confirmed they are an adult; what its people see
// of it (Store.View) leaves out the companions no longer theirs to use — in the trash, or brought
// by someone other than their owner and no longer published; joining, leaving and changes of its
// companions count as changes (UpdatedAt).

// Errors.
var (
	ErrNotFound        = domain.E(domain.KindNotFound, "room_not_found", "no such room")
	ErrNotOwner        = domain.E(domain.KindForbidden, "room_owner_only", "only the room's owner can do this")
	ErrCompanionInRoom = domain.E(domain.KindConflict, "companion_in_room", "this companion is in the room already")
	ErrRoomFull        = domain.E(domain.KindConflict, "room_full", "the room is full")
	ErrInviteInvalid   = domain.E(domain.KindNotFound, "invite_invalid", "this invitation is unknown, used or expired")
	ErrAlreadyIn       = domain.E(domain.KindConflict, "already_in_room", "you are in this room already")
	ErrAdultsOnly      = domain.E(domain.KindForbidden, "adult_confirmation_required",
		"a mature or explicit companion is in a room only when everyone in it confirmed they are an adult")
	ErrPersonNotInRoom    = domain.E(domain.KindNotFound, "person_not_in_room", "this person is not in the room")
	ErrInviteNotFound     = domain.E(domain.KindNotFound, "invite_not_found", "no such invitation of this room")
	ErrCompanionNotInRoom = domain.E(domain.KindNotFound, "companion_not_in_room", "this companion is not in the room")
	ErrOwnerStays         = domain.E(domain.KindConflict, "owner_stays", "the owner cannot leave the room: delete it instead")
	ErrNotYourCompanion   = domain.E(domain.KindNotFound, "companion_not_found",
		"no such companion of yours, nor a published one you may use")
)

// Companions are the ports the rooms read companions through.
type Companions struct {
	// Owned is the owner's companion (in the trash too); KindNotFound when it is not theirs.
	Owned func(ctx context.Context, ownerID, companionID domain.ID) (*companion.Companion, error)
	// Published is a published companion not in the trash; KindNotFound otherwise.
	Published func(ctx context.Context, companionID domain.ID) (*companion.Companion, error)
	// Adult says whether the person confirmed they are an adult.
	Adult func(ctx context.Context, userID domain.ID) (bool, error)
}
