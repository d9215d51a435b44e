package companion

import (
	"context"
	"io"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// ExportCard writes one of the caller's companions as a character card: V2 or V3, JSON or PNG (the
// header image, or a drawn placeholder, carrying both a V2 and a V3 chunk).
type ExportCard struct {
	OwnerID domain.ID
	ID      domain.ID
	Spec    CardSpec
	Format  CardFormat
}

// ExportedCard is the file to hand to the client.
type ExportedCard struct {
	Data        []byte
	ContentType string
	FileName    string
}

type exportCardHandler struct{ d Deps }

func (h exportCardHandler) Handle(ctx context.Context, in ExportCard) (ExportedCard, error) {
	if in.Spec != CardV2 && in.Spec != CardV3 {
		return ExportedCard{}, domain.Invalid(domain.Violation("spec", "one_of", "must be v2 or v3"))
	}
	if in.Format != CardJSON && in.Format != CardPNG {
		return ExportedCard{}, domain.Invalid(domain.Violation("format", "one_of", "must be png or json"))
	}
	c, err := live(ctx, h.d.Store.Companions(), false, in.OwnerID, in.ID)
	if err != nil {
		return ExportedCard{}, err
	}
	card, err := toCard(c.Profile().Spec())
	if err != nil {
		return ExportedCard{}, err
	}
	var picture []byte
	if in.Format == CardPNG && !c.Header().IsZero() {
		if picture, err = h.readBlob(ctx, c.Header().Key.String()); err != nil {
			return ExportedCard{}, err
		}
	}
	data, err := h.d.Cards.Encode(ctx, card, in.Spec, in.Format, picture)
	if err != nil {
		return ExportedCard{}, err
	}
	out := ExportedCard{Data: data, ContentType: "application/json", FileName: fileName(c) + ".json"}
	if in.Format == CardPNG {
		out.ContentType, out.FileName = "image/png", fileName(c)+".png"
	}
	return out, nil
}

func (h exportCardHandler) readBlob(ctx context.Context, key string) ([]byte, error) {
	rc, _, err := h.d.Blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 16<<20))
}

// fileName is a download name made of the companion's name in safe characters.
func fileName(c *companion.Companion) string {
	var b []rune
	for _, r := range c.Profile().Name() {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b = append(b, r)
		case r == ' ':
			b = append(b, '_')
		}
	}
	if len(b) == 0 {
		return "companion"
	}
	return string(b)
}
