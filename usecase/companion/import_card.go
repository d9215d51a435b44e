package companion

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// ImportCard creates a companion from a character card (PNG, JSON or CHARX; V1, V2 or V3). Nothing
// in the card is trusted: it goes through the same validation as a companion entered by hand, its
// picture through the image pipeline, and a card that fails either creates nothing.
type ImportCard struct {
	OwnerID domain.ID
	Data    []byte
	// Age applies when the card states no age (cards from elsewhere often have none). An age the card
	// states — in the hub's model or an explicit data.age — is the character's: a stated minor is
	// refused whatever Age says.
	Age int
	// ContentRating applies likewise (zero: general, or what the card's hub model says).
	ContentRating companion.ContentRating
	Meta          audit.Meta
}

// Imported is the new companion and what the card reader tolerated on the way.
type Imported struct {
	Companion *companion.Companion
	Warnings  []string
}

type importCardHandler struct{ d Deps }

func (h importCardHandler) Handle(ctx context.Context, in ImportCard) (Imported, error) {
	// Every attempt counts, failed ones too: decoding a card and its picture is the costly part.
	if err := h.d.Guard.Check(ctx, h.d.Policy.CreateRule, in.OwnerID.String()); err != nil {
		return Imported{}, err
	}
	card, err := h.d.Cards.Decode(ctx, in.Data)
	if err != nil {
		return Imported{}, err
	}
	spec, err := fromCard(card, in.Age, in.ContentRating)
	if err != nil {
		return Imported{}, err
	}
	p, err := companion.NewProfile(spec)
	if err != nil {
		return Imported{}, err
	}
	var img *mediauc.ProcessedImage
	if len(card.Image) > 0 {
		processed, err := h.d.Images.Process(ctx, card.Image, mediauc.HeaderFit)
		if err != nil {
			return Imported{}, err
		}
		img = &processed
	}
	now := h.d.Clock.Now()
	c := companion.New(domain.NewID(now), in.OwnerID, p, now)
	create := func(header *media.Item) error {
		return h.d.Store.InTx(ctx, func(r Repos) error {
			if err := r.Companions().Create(ctx, c); err != nil {
				return err
			}
			if header != nil {
				header.OwnerID, header.CompanionID = in.OwnerID, c.ID()
				if err := r.Media().Create(ctx, *header); err != nil {
					return err
				}
				c.SetHeader(header.Image(), now)
				if err := r.Companions().Update(ctx, c); err != nil {
					return err
				}
			}
			ev := event(now, in.OwnerID, audit.ActionCompanionImport, c, in.Meta).With("spec", string(card.Spec))
			return appendAudit(ctx, r, ev)
		})
	}
	if img == nil {
		err = create(nil)
	} else {
		_, err = mediauc.Store(ctx, h.d.Blobs, mediauc.PictureFile(*img, media.KindHeader), now,
			func(it media.Item) error { return create(&it) })
	}
	if err != nil {
		return Imported{}, err
	}
	return Imported{Companion: c, Warnings: card.Warnings}, nil
}
