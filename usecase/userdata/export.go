package userdata

import (
	"context"
	"io"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/memory"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/proactive"
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
