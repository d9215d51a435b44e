// Package imaging turns untrusted uploads and provider output into safe pictures: it implements
// the media use cases' ImageProcessor with the standard library's decoders and encoders plus
// golang.org/x/image (WebP decoding, scaling).
//
// Every picture is re-encoded rather than cleaned: decoding to pixels and encoding those pixels
// again is the one way to be sure that nothing but pixels survives — no EXIF (GPS, camera serial
// numbers), XMP, ICC profiles, text chunks, or a ZIP or HTML payload appended after the image's end
// marker (a polyglot).
package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"runtime"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

var _ mediauc.ImageProcessor = (*Processor)(nil)

// The refusals of Process. Reasons are the port's contract (usecase/media.ImageProcessor); the
// messages are safe to show to the person who uploaded the file.
var (
	errUnsupported = domain.E(domain.KindInvalid, "unsupported_image", "the file is not a JPEG, PNG or WebP image")
	errTooLarge    = domain.E(domain.KindInvalid, "image_too_large",
		fmt.Sprintf("the image is larger than %d MB", mediauc.MaxImageBytes>>20))
	errDimensions = domain.E(domain.KindInvalid, "image_dimensions",
		fmt.Sprintf("the image must be at most %d×%d pixels", mediauc.MaxImageDimension, mediauc.MaxImageDimension))
	errCorrupt = domain.E(domain.KindInvalid, "corrupt_image", "the image is damaged or incomplete")
)

// maxPixels bounds width×height, besides each side. Today it follows from MaxImageDimension
// (2048² is 4 Mpx), but it is what actually bounds the memory of a decode, so it is spelled out
// on its own: raising the side limit (for panoramas, say) must not silently raise that bound.
const maxPixels = 4 << 20

// jpegQuality is the quality of re-encoded opaque pictures: a common choice for the web, where
// artefacts are hard to see in photos and files are a fraction of quality 100's.
const jpegQuality = 85

// Processor validates, orients, scales and re-encodes pictures. It is safe for concurrent use.
//
// Processing is CPU-bound and a 2048² picture takes 20–70 MB while it is processed (decoded
// pixels, a progressive JPEG's coefficients, the scaled copies), so Process holds one of
// GOMAXPROCS slots while it works: more at once would not finish sooner, only multiply the peak
// memory of a burst of uploads. Refusals that need only the header never wait for a slot.
type Processor struct {
	slots chan struct{}

	// waiting, if set, is called when a call finds every slot taken; a seam so tests can await
	// that state instead of sleeping.
	waiting func()
}

// New returns a Processor with one slot per usable CPU.
func New() *Processor {
	return &Processor{slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// Process implements usecase/media.ImageProcessor: it recognises the format by its magic bytes,
// refuses what is too large, not JPEG, PNG or WebP, or wider or taller than MaxImageDimension
// (read from the header, before anything is decoded), then decodes, applies a JPEG's EXIF
// orientation, scales down to fit within fit×fit and re-encodes — as JPEG when every pixel is
// opaque, as PNG when any is not, since JPEG has no alpha channel.
//
// Refusals are KindInvalid with the reasons unsupported_image, image_too_large, image_dimensions
// and corrupt_image. If ctx ends first the error is KindUnavailable wrapping ctx.Err(). A fit
// below 1 is a programming error (KindInternal).
func (p *Processor) Process(ctx context.Context, data []byte, fit int, opts ...mediauc.ProcessOption) (mediauc.ProcessedImage, error) {
	if fit < 1 {
		return mediauc.ProcessedImage{}, domain.Errorf(domain.KindInternal, "process image: fit %d is not positive", fit)
	}
	// The size check comes first: it costs nothing and holds whatever the bytes are.
	if len(data) > mediauc.Limits(opts...).MaxBytes {
		return mediauc.ProcessedImage{}, errTooLarge
	}
	f, ok := sniff(data)
	if !ok {
		return mediauc.ProcessedImage{}, errUnsupported
	}
	cfg, err := f.readConfig(data)
	if err != nil {
		return mediauc.ProcessedImage{}, errCorrupt.Wrap(fmt.Errorf("read %s header: %w", f.name, err))
	}
	if err := checkDimensions(cfg.Width, cfg.Height); err != nil {
		return mediauc.ProcessedImage{}, err
	}

	if err := stage(ctx, "reading the header"); err != nil {
		return mediauc.ProcessedImage{}, err
	}
	release, err := p.acquire(ctx)
	if err != nil {
		return mediauc.ProcessedImage{}, err
	}
	defer release()

	img, err := f.readImage(data)
	if err != nil {
		return mediauc.ProcessedImage{}, errCorrupt.Wrap(fmt.Errorf("decode %s: %w", f.name, err))
	}
	// The decoders read the same header DecodeConfig did, so this cannot differ today; checking
	// keeps the dimension limit true of the pixels themselves, not of what one parser believed.
	if s := img.Bounds().Size(); s.X != cfg.Width || s.Y != cfg.Height {
		return mediauc.ProcessedImage{}, errCorrupt.Wrap(fmt.Errorf("decode %s: header says %d×%d, pixels are %d×%d",
			f.name, cfg.Width, cfg.Height, s.X, s.Y))
	}
	if err := stage(ctx, "decode"); err != nil {
		return mediauc.ProcessedImage{}, err
	}

	orientation := 1
	if f.contentType == media.JPEG {
		orientation = jpegOrientation(data)
	}
	// Opacity is judged on the decoded pixels: the scaler's sharpening lobes and rounding could
	// nudge an opaque edge's alpha, and a format's "has alpha" flag says nothing about whether
	// any pixel uses it.
	opaque := isOpaque(img)
	out := orient(scale(img, fit), orientation)
	if err := stage(ctx, "scale"); err != nil {
		return mediauc.ProcessedImage{}, err
	}

	var buf bytes.Buffer
	ct := media.PNG
	if opaque {
		ct = media.JPEG
		err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: jpegQuality})
	} else {
		err = png.Encode(&buf, out)
	}
	if err != nil {
		// Encoding in-memory pixels into a buffer has no failure mode but a bug.
		return mediauc.ProcessedImage{}, domain.Errorf(domain.KindInternal, "encode %s: %w", ct, err)
	}
	s := out.Bounds().Size()
	return mediauc.ProcessedImage{Data: buf.Bytes(), ContentType: ct, Width: s.X, Height: s.Y}, nil
}

func checkDimensions(w, h int) error {
	if w < 1 || h < 1 || w > mediauc.MaxImageDimension || h > mediauc.MaxImageDimension ||
		int64(w)*int64(h) > maxPixels {
		return errDimensions.Wrap(fmt.Errorf("%d×%d pixels", w, h))
	}
	return nil
}

// acquire takes a processing slot, waiting as long as ctx allows, and returns its release.
func (p *Processor) acquire(ctx context.Context) (release func(), err error) {
	select {
	case p.slots <- struct{}{}:
	default:
		if p.waiting != nil {
			p.waiting()
		}
		select {
		case p.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, domain.Errorf(domain.KindUnavailable, "wait for an image processing slot: %w", ctx.Err())
		}
	}
	return func() { <-p.slots }, nil
}

// stage reports whether the caller still wants the result; decoders and scalers cannot be
// interrupted, so Process asks between its stages.
func stage(ctx context.Context, done string) error {
	if err := ctx.Err(); err != nil {
		return domain.Errorf(domain.KindUnavailable, "process image after %s: %w", done, err)
	}
	return nil
}

// isOpaque reports whether every pixel of img is fully opaque. Every decoder's image type has an
// Opaque method; one that did not would be treated as translucent, which costs only a larger PNG.
func isOpaque(img image.Image) bool {
	o, ok := img.(interface{ Opaque() bool })
	return ok && o.Opaque()
}
