package picture

import (
	"context"
	"slices"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/usecase/correlation"
)

// Generate renders a picture from a person's own prompt (SPEC §3.4, the standalone generator) and
// keeps it in their gallery. With a companion, its locked identity comes first, so the person
// draws their companion in any scene they describe, and its rating decides the safe negative
// prompt; without one, the safe negative prompt always applies. Counted against the picture
// limit shared with the chat's pictures.
type Generate struct {
	OwnerID     domain.ID
	CompanionID domain.ID // zero: no companion
	Params      picture.Params
	// Progress, when not nil, hears how far the render is, where the backend says.
	Progress func(Progress)
}

// ErrUnknownSampler refuses a sampler the backend does not have.
func errUnknownSampler(known []string) error {
	return domain.Invalid(domain.Violation("sampler", "unknown", "the image backend has no such sampler; it has: "+strings.Join(known, ", ")))
}

type generateHandler struct{ d Deps }

func (h generateHandler) Handle(ctx context.Context, in Generate) (picture.Picture, error) {
	if err := in.Params.Validate(); err != nil {
		return picture.Picture{}, err
	}
	if in.Params.Sampler != "" {
		if known, ok, err := h.d.samplers(ctx); err != nil {
			return picture.Picture{}, err
		} else if ok && !slices.Contains(known, in.Params.Sampler) {
			return picture.Picture{}, errUnknownSampler(known)
		}
	}
	rating := companion.RatingGeneral
	req := Request{Prompt: strings.TrimSpace(in.Params.Prompt), Width: in.Params.Width, Height: in.Params.Height,
		Steps: in.Params.Steps, CFGScale: in.Params.CFGScale, Sampler: in.Params.Sampler, Seed: in.Params.Seed}
	if !in.CompanionID.IsZero() {
		c, err := h.d.Companions.Get(ctx, in.OwnerID, in.CompanionID)
		if err != nil {
			return picture.Picture{}, err
		}
		if err := c.Writable(); err != nil {
			return picture.Picture{}, err
		}
		rating = c.Profile().Spec().ContentRating
		req.Prompt = c.Profile().LockedIdentity() + ", " + req.Prompt
		req.CharacterAvatar = h.d.avatar(ctx, c.Header())
	}
	req.Rating = rating
	req.NegativePrompt = withNegative(rating, in.Params.NegativePrompt)
	if err := h.d.allowed(ctx, in.OwnerID); err != nil {
		return picture.Picture{}, err
	}
	if err := h.d.Guard.Check(ctx, h.d.Rule, in.OwnerID.String()); err != nil {
		return picture.Picture{}, err
	}
	ctx = correlation.WithSubject(ctx, correlation.Subject{UserID: in.OwnerID.String(), CompanionID: idOrNone(in.CompanionID)})
	res, err := h.d.render(ctx, req, in.Progress)
	if err != nil {
		return picture.Picture{}, err
	}
	return h.d.keep(ctx, picture.Picture{OwnerID: in.OwnerID, CompanionID: in.CompanionID, Params: params(req)}, res)
}

// samplerLister is a backend that can list its samplers (A1111, ComfyUI).
type samplerLister interface {
	Samplers(ctx context.Context) ([]string, error)
}

// samplers is the backend's list; ok false when it keeps none (any name is passed on).
func (d Deps) samplers(ctx context.Context) ([]string, bool, error) {
	l, ok := d.Generator.(samplerLister)
	if !ok {
		return nil, false, nil
	}
	known, err := l.Samplers(ctx)
	return known, err == nil, err
}

// Samplers asks for the image backend's samplers, for a form's choices.
type Samplers struct{}

type samplersHandler struct{ d Deps }

func (h samplersHandler) Handle(ctx context.Context, _ Samplers) ([]string, error) {
	known, _, err := h.d.samplers(ctx)
	if known == nil {
		known = []string{}
	}
	return known, err
}

// idOrNone is id as text, "" for none.
func idOrNone(id domain.ID) string {
	if id.IsZero() {
		return ""
	}
	return id.String()
}
