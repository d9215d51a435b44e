package picture

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/picture"
)

// IllustrateReply draws a companion in the scene a reply left it in (SPEC §3.3 step 6): its
// locked identity, so the person never drifts, wearing the scene's outfit (layered, and dressed
// for its rating), doing and feeling what the scene says, where it says. The picture is stored in
// the owner's gallery, tied to the companion and the reply.
type IllustrateReply struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	MessageID   domain.ID // the reply the picture goes with
	Profile     companion.Profile
	Header      media.Image // the companion's header image, a reference for the backends that use one
	Scene       companion.Scene
	// Progress, when not nil, hears how far the render is, where the backend says.
	Progress func(Progress)
}

// Sizes of a reply's picture: portrait, as a companion is drawn, in the proportions image models
// are trained on.
const (
	replyWidth  = 832
	replyHeight = 1216
)

type illustrateReplyHandler struct{ d Deps }

func (h illustrateReplyHandler) Handle(ctx context.Context, in IllustrateReply) (picture.Picture, error) {
	if err := h.d.allowed(ctx, in.OwnerID); err != nil {
		return picture.Picture{}, err
	}
	spec := in.Profile.Spec()
	rating := spec.ContentRating
	dr := dressFor(in.Scene.Outfit, spec.DefaultOutfit, rating)
	tags := h.d.modelTags(ctx, in.Profile.Name(), in.Scene, dr, rating)
	req := Request{
		Prompt:          scenePrompt(in.Profile.LockedIdentity(), dr, in.Scene, tags, spec.UserAppearance),
		NegativePrompt:  negativePrompt(rating),
		Width:           replyWidth,
		Height:          replyHeight,
		Seed:            -1,
		Rating:          rating,
		CharacterAvatar: h.d.avatar(ctx, in.Header),
	}
	res, err := h.d.render(ctx, req, in.Progress)
	if err != nil {
		return picture.Picture{}, err
	}
	return h.d.keep(ctx, picture.Picture{OwnerID: in.OwnerID, CompanionID: in.CompanionID, MessageID: in.MessageID,
		Params: params(req)}, res)
}

// params are what a request was rendered from, as the gallery records them.
func params(r Request) picture.Params {
	return picture.Params{Prompt: r.Prompt, NegativePrompt: r.NegativePrompt, Width: r.Width, Height: r.Height,
		Steps: r.Steps, CFGScale: r.CFGScale, Sampler: r.Sampler, Seed: r.Seed}
}
