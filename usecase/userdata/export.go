package userdata

import (
	"context"
	"io"
	"slices"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/domain/room"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/proactive"
	roomuc "github.com/companionhub/companionhub/usecase/room"
	"github.com/companionhub/companionhub/usecase/usage"
)

// Sink receives a person's data, one part after another, and writes it down (adapter/exportzip: a
// zip). An error stops the export.
type Sink interface {
	Account(u *account.User) error
	// Companion is one companion — in the trash too — with what is its (CompanionData).
	Companion(c *companion.Companion, d CompanionData) error
	// File is a stored file (a picture, a voice, a header); body is read once.
	File(it media.Item, body io.Reader) error
	// Usage is what the providers did for the person over the last year, by day.
	Usage(r usage.Report) error
	// Rooms are the group chats the person is in, with what they said in each.
	Rooms(rooms []RoomData) error
}

// RoomData is a room the person is in: their part in it and what they said there, oldest first
// (the others' words are theirs, not in this person's export).
type RoomData struct {
	Room room.Room
	Role room.Role
	Said []chat.Message
}

// CompanionData is what a companion of the person's holds besides its profile.
type CompanionData struct {
	// Card is the companion as a V3 card in a PNG, private parts included: the owner's own copy,
	// importable anywhere that reads cards.
	Card companionuc.ExportedCard
	// Conversation is as it is shown, oldest first: each message with the reply kept (replies
	// regenerated away and schedules' hidden instructions are not in it).
	Conversation []chat.Message
	Memories     []memory.Memory
	// Schedules are when it writes first (none for a companion in the trash, which cannot).
	Schedules []proactive.Schedule
}

// Export hands a person's data to Sink: what a data-portability request asks for.
type Export struct {
	UserID domain.ID
	Sink   Sink
}

// Exported counts what went into the export.
type Exported struct {
	Companions, Messages, Memories, Schedules, Files int
	Rooms                                            int
}

type exportHandler struct{ d Deps }

// page is how many rows each read takes.
const page = 100

func (h exportHandler) Handle(ctx context.Context, in Export) (Exported, error) {
	if err := h.d.Guard.Check(ctx, h.d.Change, in.UserID.String()); err != nil {
		return Exported{}, err
	}
	u, err := h.d.Accounts.GetMe.Handle(ctx, accountuc.GetMe{UserID: in.UserID})
	if err != nil {
		return Exported{}, err
	}
	if err := in.Sink.Account(u); err != nil {
		return Exported{}, err
	}
	var out Exported
	for _, trashed := range []bool{false, true} {
		list := companionuc.List{OwnerID: in.UserID, Trashed: trashed, Page: domain.Page{Limit: page}}
		for {
			res, err := h.d.Companions.List.Handle(ctx, list)
			if err != nil {
				return out, err
			}
			for _, c := range res.Items {
				d, err := h.companion(ctx, in, c)
				if err != nil {
					return out, err
				}
				out.Companions, out.Messages, out.Memories = out.Companions+1, out.Messages+len(d.Conversation), out.Memories+len(d.Memories)
				out.Schedules += len(d.Schedules)
			}
			if res.Next.IsZero() {
				break
			}
			list.Page.After = res.Next
		}
	}
	if h.d.Rooms != nil {
		rooms, err := h.rooms(ctx, in.UserID)
		if err != nil {
			return out, err
		}
		if err := in.Sink.Rooms(rooms); err != nil {
			return out, err
		}
		out.Rooms = len(rooms)
		for _, r := range rooms {
			out.Messages += len(r.Said)
		}
	}
	if h.d.Usage != nil {
		today := usage.DayOf(h.d.Clock.Now())
		r, err := h.d.Usage.Mine.Handle(ctx, usage.Mine{UserID: in.UserID,
			From: string(usage.DayOf(today.Time().AddDate(0, 0, -(usage.MaxDays - 1)))), To: string(today)})
		if err != nil {
			return out, err
		}
		if err := in.Sink.Usage(r); err != nil {
			return out, err
		}
	}
	files, err := h.d.Store.Files(ctx, in.UserID)
	if err != nil {
		return out, err
	}
	for _, it := range files {
		if err := h.file(ctx, in.Sink, it); err != nil {
			return out, err
		}
		out.Files++
	}
	return out, nil
}

// companion hands one companion to the sink, and says what it held.
func (h exportHandler) companion(ctx context.Context, in Export, c *companion.Companion) (CompanionData, error) {
	card, err := h.d.Companions.ExportCard.Handle(ctx, companionuc.ExportCard{OwnerID: in.UserID, ID: c.ID(),
		Spec: companionuc.CardV3, Format: companionuc.CardPNG, IncludePrivate: true})
	if err != nil {
		return CompanionData{}, err
	}
	var msgs []chat.Message
	hist := chatuc.History{OwnerID: in.UserID, CompanionID: c.ID(), Page: domain.Page{Limit: page}}
	for {
		res, err := h.d.Chat.History.Handle(ctx, hist)
		if err != nil {
			return CompanionData{}, err
		}
		for _, it := range res.Items {
			msgs = append(msgs, it.Message)
		}
		if res.Next.IsZero() {
			break
		}
		hist.Page.After = res.Next
	}
	// History pages newest first: the export tells the conversation in order.
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	var mems []memory.Memory
	list := memoryuc.List{Filter: memory.Filter{OwnerID: in.UserID, CompanionID: c.ID()}, Page: domain.Page{Limit: page}}
	for {
		res, err := h.d.Memory.List.Handle(ctx, list)
		if err != nil {
			return CompanionData{}, err
		}
		mems = append(mems, res.Memories...)
		if res.Next.IsZero() {
			break
		}
		list.Page.After = res.Next
	}
	var schedules []proactive.Schedule
	if !c.Deleted() && h.d.Schedules != nil {
		listed, err := h.d.Schedules.List.Handle(ctx, proactive.List{OwnerID: in.UserID, CompanionID: c.ID()})
		if err != nil {
			return CompanionData{}, err
		}
		for _, l := range listed {
			schedules = append(schedules, l.Schedule)
		}
	}
	d := CompanionData{Card: card, Conversation: msgs, Memories: mems, Schedules: schedules}
	return d, in.Sink.Companion(c, d)
}

// rooms are the rooms the person is in, with what they said in each.
func (h exportHandler) rooms(ctx context.Context, userID domain.ID) ([]RoomData, error) {
	list, err := h.d.Rooms.List.Handle(ctx, roomuc.List{UserID: userID})
	if err != nil {
		return nil, err
	}
	out := make([]RoomData, 0, len(list))
	for _, r := range list {
		v, err := h.d.Rooms.Get.Handle(ctx, roomuc.Get{UserID: userID, RoomID: r.ID})
		if err != nil {
			return nil, err
		}
		d := RoomData{Room: v.Room, Role: v.RoleOf(userID)}
		q := roomuc.Messages{UserID: userID, RoomID: r.ID, Page: domain.Page{Limit: page}}
		for {
			res, err := h.d.Rooms.Messages.Handle(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, m := range res.Messages {
				if m.AuthorID == userID {
					d.Said = append(d.Said, m)
				}
			}
			if res.Next.IsZero() {
				break
			}
			q.Page.After = res.Next
		}
		slices.Reverse(d.Said) // pages come newest first
		out = append(out, d)
	}
	return out, nil
}

func (h exportHandler) file(ctx context.Context, sink Sink, it media.Item) error {
	body, _, err := h.d.Blobs.Get(ctx, it.Key.String())
	if domain.IsKind(err, domain.KindNotFound) {
		return nil // a row whose file is gone (an operator's doing): nothing to hand over
	}
	if err != nil {
		return err
	}
	defer body.Close()
	return sink.File(it, body)
}
