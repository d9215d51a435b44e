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
)

// Sink receives a person's data, one part after another, and writes it down (adapter/exportzip: a
// zip). An error stops the export.
type Sink interface {
	Account(u *account.User) error
	// Companion is one companion — in the trash too — with its card (V3 in a PNG, private parts
	// included: it is the owner's own copy, importable anywhere that reads cards), its
	// conversation as it is shown, oldest first (each message with the reply kept; replies
	// regenerated away and schedules' hidden instructions are not in it), and its memories.
	Companion(c *companion.Companion, card companionuc.ExportedCard, conversation []chat.Message, memories []memory.Memory) error
	// File is a stored file (a picture, a voice, a header); body is read once.
	File(it media.Item, body io.Reader) error
}

// Export hands a person's data to Sink: what a data-portability request asks for.
type Export struct {
	UserID domain.ID
	Sink   Sink
}

// Exported counts what went into the export.
type Exported struct {
	Companions, Messages, Memories, Files int
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
				n, m, err := h.companion(ctx, in, c)
				if err != nil {
					return out, err
				}
				out.Companions, out.Messages, out.Memories = out.Companions+1, out.Messages+n, out.Memories+m
			}
			if res.Next.IsZero() {
				break
			}
			list.Page.After = res.Next
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

// companion hands one companion to the sink, and says how many messages and memories it had.
func (h exportHandler) companion(ctx context.Context, in Export, c *companion.Companion) (int, int, error) {
	card, err := h.d.Companions.ExportCard.Handle(ctx, companionuc.ExportCard{OwnerID: in.UserID, ID: c.ID(),
		Spec: companionuc.CardV3, Format: companionuc.CardPNG, IncludePrivate: true})
	if err != nil {
		return 0, 0, err
	}
	var msgs []chat.Message
	hist := chatuc.History{OwnerID: in.UserID, CompanionID: c.ID(), Page: domain.Page{Limit: page}}
	for {
		res, err := h.d.Chat.History.Handle(ctx, hist)
		if err != nil {
			return 0, 0, err
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
			return 0, 0, err
		}
		mems = append(mems, res.Memories...)
		if res.Next.IsZero() {
			break
		}
		list.Page.After = res.Next
	}
	return len(msgs), len(mems), in.Sink.Companion(c, card, msgs, mems)
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
