package picture

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// IllustrateReply draws a companion in the scene a reply left it in (SPEC §3.3 step 6): its
// locked identity, so the person never drifts, wearing the scene's outfit, doing and feeling what
// the scene says, where it says. The picture is stored as the owner's, tied to the companion.
type IllustrateReply struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Profile     companion.Profile
	Scene       companion.Scene
}

// Sizes of a reply's picture: portrait, as a companion is drawn, in the proportions image models
// are trained on.
const (
	replyWidth  = 832
	replyHeight = 1216
)

type illustrateReplyHandler struct{ d Deps }

func (h illustrateReplyHandler) Handle(ctx context.Context, in IllustrateReply) (media.Image, error) {
	rating := in.Profile.Spec().ContentRating
	req := Request{
		Prompt:         scenePrompt(in.Profile.LockedIdentity(), in.Scene),
		NegativePrompt: negativePrompt(rating),
		Width:          replyWidth,
		Height:         replyHeight,
		Seed:           -1,
		Rating:         rating,
	}
	res, err := generate(ctx, h.d, req)
	if err != nil {
		return media.Image{}, err
	}
	return h.store(ctx, in.OwnerID, in.CompanionID, res)
}

// ErrUnusablePicture is a backend's answer that is not a picture the hub accepts (a format it
// does not read, a broken file, an enormous one). Another attempt may render a good one.
var ErrUnusablePicture = domain.E(domain.KindUnavailable, "unusable_picture", "the image backend sent a picture that cannot be used")

// store checks a rendered picture like any untrusted one — recognised by content, re-encoded
// without metadata, bounded in size — and stores it with its row.
func (h illustrateReplyHandler) store(ctx context.Context, owner, companionID domain.ID, res Result) (media.Image, error) {
	img, err := h.d.Images.Process(ctx, res.Data, mediauc.PictureFit)
	if domain.IsKind(err, domain.KindInvalid) {
		return media.Image{}, ErrUnusablePicture.Wrap(err)
	}
	if err != nil {
		return media.Image{}, err
	}
	it, err := mediauc.Store(ctx, h.d.Blobs, mediauc.PictureFile(img, media.KindPicture), h.d.Clock.Now(),
		func(it media.Item) error {
			it.OwnerID, it.CompanionID = owner, companionID
			return h.d.Media.Create(ctx, it)
		})
	if err != nil {
		return media.Image{}, err
	}
	return it.Image(), nil
}

// ErrRenderTimeout is a render that outlived the image backend's timeout.
var ErrRenderTimeout = domain.E(domain.KindUnavailable, "picture_timeout", "the image backend took too long")

// generate asks the backend for a picture within the configured time.
func generate(ctx context.Context, d Deps, req Request) (Result, error) {
	return usecase.Within(ctx, d.Timeout, ErrRenderTimeout, func(ctx context.Context) (Result, error) {
		return d.Generator.Generate(ctx, req, nil)
	})
}
