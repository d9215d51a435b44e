package companion

import (
	"context"
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// ExportCard writes one of the caller's companions as a character card: V2 or V3, JSON or PNG (the
// header image, or a drawn placeholder, carrying both a V2 and a V3 chunk). A card is made to be
// shared, so it carries the shareable profile (companion.Profile.Shareable: nothing about the owner)
// unless the owner asks for their private fields too, for this export only.
type ExportCard struct {
	OwnerID        domain.ID
	ID             domain.ID
	Spec           CardSpec
	Format         CardFormat
	IncludePrivate bool
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
	c, err := h.d.Store.Companions().Get(ctx, in.OwnerID, in.ID) // a read: the trash can be exported too
	if err != nil {
		return ExportedCard{}, err
	}
	profile := c.Profile()
	if !in.IncludePrivate {
		profile = profile.Shareable()
	}
	card, err := toCard(profile.Spec())
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

// fileName is a download name made of the companion's name, in any script: letters, digits and
// their marks, symbols outside ASCII (emoji and their modifiers, with the joiners between them),
// '-' and '_' are kept, spaces become '_', everything else (dots, quotes, slashes, controls, other
// punctuation…) is dropped, so the name is never a path and never hidden — and a name that is all
// emoji is still its own name. How a name outside ASCII travels in a header is the transport's
// business.
func fileName(c *companion.Companion) string {
	name := []rune(c.Profile().Name())
	var b []rune
	for i, r := range name {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r) && len(b) > 0, r == '-', r == '_',
			r >= utf8.RuneSelf && unicode.IsSymbol(r):
			b = append(b, r)
		case (r == '\u200d' || r == '\u200c') && len(b) > 0 && i+1 < len(name):
			b = append(b, r) // between two kept characters: the name was cleaned (domain.CleanName)
		case unicode.IsSpace(r):
			b = append(b, '_')
		}
	}
	if len(b) == 0 {
		return "companion"
	}
	return string(b)
}
