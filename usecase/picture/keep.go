package picture

import (
	"context"
	"io"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/usecase"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// ThumbFit bounds a gallery thumbnail: small enough for a grid of two dozen on a phone, large
// enough for a sharp tile on a high-density screen.
const ThumbFit = 384

// ErrUnusablePicture is a backend's answer that is not a picture the hub accepts (a format it
// does not read, a broken file, an enormous one). Another attempt may render a good one.
var ErrUnusablePicture = domain.E(domain.KindUnavailable, "unusable_picture", "the image backend sent a picture that cannot be used")

// keep checks a rendered picture like any untrusted one — recognised by content, re-encoded
// without metadata, bounded in size — stores it and its thumbnail, and records it in the gallery.
// What it stored before a failure is left for the orphan sweep (`admin cleanup-orphans`).
func (d Deps) keep(ctx context.Context, p picture.Picture, res Result) (picture.Picture, error) {
	img, err := d.Images.Process(ctx, res.Data, mediauc.PictureFit, mediauc.AllowBytes(mediauc.MaxGeneratedBytes))
	if domain.IsKind(err, domain.KindInvalid) {
		return picture.Picture{}, ErrUnusablePicture.Wrap(err)
	}
	if err != nil {
		return picture.Picture{}, err
	}
	thumb, err := d.Images.Process(ctx, img.Data, ThumbFit)
	if err != nil {
		return picture.Picture{}, err
	}
	now := d.Clock.Now()
	store := func(f mediauc.ProcessedImage) (media.Image, error) {
		it, err := mediauc.Store(ctx, d.Blobs, mediauc.PictureFile(f, media.KindPicture), now, func(it media.Item) error {
			it.OwnerID, it.CompanionID = p.OwnerID, p.CompanionID
			return d.Media.Create(ctx, it)
		})
		return it.Image(), err
	}
	if p.Image, err = store(img); err != nil {
		return picture.Picture{}, err
	}
	if p.Thumb, err = store(thumb); err != nil {
		return picture.Picture{}, err
	}
	p.ID, p.CreatedAt = domain.NewID(now), now
	p.Params.Seed = res.Seed
	p.Backend = d.Backend
	if p.Model == "" {
		p.Model = d.ImageModel
	}
	if err := d.Gallery.Create(ctx, p); err != nil {
		return picture.Picture{}, err
	}
	return p, nil
}

// ErrRenderTimeout is a render that outlived the image backend's timeout.
var ErrRenderTimeout = domain.E(domain.KindUnavailable, "picture_timeout", "the image backend took too long")

// render asks the backend for a picture within the configured time.
func (d Deps) render(ctx context.Context, req Request, progress func(Progress)) (Result, error) {
	return usecase.Within(ctx, d.Timeout, ErrRenderTimeout, func(ctx context.Context) (Result, error) {
		return d.Generator.Generate(ctx, req, progress)
	})
}

// avatar reads a companion's header image for the backends that draw from it (nil: none, or it
// cannot be read — a reference picture is a nicety, never a reason to fail).
func (d Deps) avatar(ctx context.Context, header media.Image) []byte {
	if header.IsZero() || header.Bytes > mediauc.MaxImageBytes {
		return nil
	}
	r, _, err := d.Blobs.Get(ctx, header.Key.String())
	if err != nil {
		return nil
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, mediauc.MaxImageBytes+1))
	if err != nil || int64(len(data)) != header.Bytes {
		return nil
	}
	return data
}
