package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/room"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Deps are what the room use cases consume.
type Deps struct {
	Store      Store
	Companions Companions
	Clock      usecase.Clock
	// Guard and Change bound making and changing rooms and invitations per person (the settings
	// rule); a nil Guard allows everything.
	Guard  *ratelimit.Guard
	Change ratelimit.Rule
	// Talk is what the rooms' conversations use; without it (no chat store, bus or runner) the
	// conversation use cases say they are not configured.
	Talk Talk
}

// App is the set of room use cases.
type App struct {
	Create          decorator.Handler[Create, room.View]
	Get             decorator.Handler[Get, room.View]
	List            decorator.Handler[List, []room.Room]
	Update          decorator.Handler[Update, room.View]
	Delete          decorator.Handler[Delete, struct{}]
	AddCompanion    decorator.Handler[AddCompanion, room.View]
	RemoveCompanion decorator.Handler[RemoveCompanion, room.View]
	Invite          decorator.Handler[Invite, Invitation]
	Invites         decorator.Handler[ListInvites, []room.Invite]
	RevokeInvite    decorator.Handler[RevokeInvite, struct{}]
	Join            decorator.Handler[Join, room.View]
	Leave           decorator.Handler[Leave, struct{}]
	RemovePerson    decorator.Handler[RemovePerson, room.View]
	// The conversation: saying something, reading and following it, letting a companion speak, and
	// going on after each reply.
	SendMessage decorator.Handler[SendMessage, SentMessage]
	Messages    decorator.Handler[Messages, MessagePage]
	Follow      decorator.Handler[Follow, stream.Subscription]
	LetSpeak    decorator.Handler[LetSpeak, chat.Turn]
	Advance     decorator.Handler[Advance, struct{}]
}

// NewApp builds the room use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil || d.Companions.Owned == nil || d.Companions.Published == nil || d.Companions.Adult == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "room deps: Store, Companions and Clock are required")
	}
	if d.Talk.StartLease <= 0 {
		d.Talk.StartLease = chatuc.DefaultSettings().StartLease
	}
	a := advancer{d}
	talk := conversation{
		SendMessage: decorator.Decorate("room.send_message", sendMessageHandler{d: d, advance: a}, obs...),
		Messages:    decorator.Decorate("room.messages", messagesHandler{d}, obs...),
		Follow:      decorator.Decorate("room.follow", followHandler{d}, obs...),
		LetSpeak:    decorator.Decorate("room.let_speak", letSpeakHandler{d: d, advance: a}, obs...),
		Advance:     decorator.Decorate("room.advance", advanceHandler{a}, obs...),
	}
	if !d.Talk.ready() {
		talk = unconfigured()
	}
	return &App{
		SendMessage: talk.SendMessage, Messages: talk.Messages, Follow: talk.Follow, LetSpeak: talk.LetSpeak,
		Advance:         talk.Advance,
		Create:          decorator.Decorate("room.create", createHandler{d}, obs...),
		Get:             decorator.Decorate("room.get", getHandler{d}, obs...),
		List:            decorator.Decorate("room.list", listHandler{d}, obs...),
		Update:          decorator.Decorate("room.update", updateHandler{d}, obs...),
		Delete:          decorator.Decorate("room.delete", deleteHandler{d}, obs...),
		AddCompanion:    decorator.Decorate("room.add_companion", addCompanionHandler{d}, obs...),
		RemoveCompanion: decorator.Decorate("room.remove_companion", removeCompanionHandler{d}, obs...),
		Invite:          decorator.Decorate("room.invite", inviteHandler{d}, obs...),
		Invites:         decorator.Decorate("room.invites", invitesHandler{d}, obs...),
		RevokeInvite:    decorator.Decorate("room.revoke_invite", revokeInviteHandler{d}, obs...),
		Join:            decorator.Decorate("room.join", joinHandler{d}, obs...),
		Leave:           decorator.Decorate("room.leave", leaveHandler{d}, obs...),
		RemovePerson:    decorator.Decorate("room.remove_person", removePersonHandler{d}, obs...),
	}, nil
}

// limit counts a change against the person's settings rule.
func (d Deps) limit(ctx context.Context, userID domain.ID) error {
	if d.Guard == nil {
		return nil
	}
	return d.Guard.Check(ctx, d.Change, userID.String())
}

// owned is the room as its owner sees it; ErrNotFound when userID is not in it, ErrNotOwner when
// they are a member.
func (d Deps) owned(ctx context.Context, roomID, userID domain.ID) (room.View, error) {
	v, err := d.Store.View(ctx, roomID, userID)
	if err != nil {
		return room.View{}, err
	}
	if v.RoleOf(userID) != room.Owner {
		return room.View{}, ErrNotOwner
	}
	return v, nil
}

// Unavailable is the room use cases of a hub without rooms: every one says it is not configured.
func Unavailable() *App {
	return &App{
		Create:          decorator.Fail[Create, room.View](usecase.ErrNotConfigured),
		Get:             decorator.Fail[Get, room.View](usecase.ErrNotConfigured),
		List:            decorator.Fail[List, []room.Room](usecase.ErrNotConfigured),
		Update:          decorator.Fail[Update, room.View](usecase.ErrNotConfigured),
		Delete:          decorator.Fail[Delete, struct{}](usecase.ErrNotConfigured),
		AddCompanion:    decorator.Fail[AddCompanion, room.View](usecase.ErrNotConfigured),
		RemoveCompanion: decorator.Fail[RemoveCompanion, room.View](usecase.ErrNotConfigured),
		Invite:          decorator.Fail[Invite, Invitation](usecase.ErrNotConfigured),
		Invites:         decorator.Fail[ListInvites, []room.Invite](usecase.ErrNotConfigured),
		RevokeInvite:    decorator.Fail[RevokeInvite, struct{}](usecase.ErrNotConfigured),
		Join:            decorator.Fail[Join, room.View](usecase.ErrNotConfigured),
		Leave:           decorator.Fail[Leave, struct{}](usecase.ErrNotConfigured),
		RemovePerson:    decorator.Fail[RemovePerson, room.View](usecase.ErrNotConfigured),
		SendMessage:     decorator.Fail[SendMessage, SentMessage](usecase.ErrNotConfigured),
		Messages:        decorator.Fail[Messages, MessagePage](usecase.ErrNotConfigured),
		Follow:          decorator.Fail[Follow, stream.Subscription](usecase.ErrNotConfigured),
		LetSpeak:        decorator.Fail[LetSpeak, chat.Turn](usecase.ErrNotConfigured),
		Advance:         decorator.Fail[Advance, struct{}](usecase.ErrNotConfigured),
	}
}

// conversation are the conversation's use cases, as NewApp builds them.
type conversation struct {
	SendMessage decorator.Handler[SendMessage, SentMessage]
	Messages    decorator.Handler[Messages, MessagePage]
	Follow      decorator.Handler[Follow, stream.Subscription]
	LetSpeak    decorator.Handler[LetSpeak, chat.Turn]
	Advance     decorator.Handler[Advance, struct{}]
}

func unconfigured() conversation {
	u := Unavailable()
	return conversation{SendMessage: u.SendMessage, Messages: u.Messages, Follow: u.Follow, LetSpeak: u.LetSpeak, Advance: u.Advance}
}
