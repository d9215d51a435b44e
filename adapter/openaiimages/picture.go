package openaiimages

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // services may answer JPEG (GPT image models' output_format, other servers)
	"image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // and WebP

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

// maxAnswerSide bounds the sides of a picture the adapter decodes: above the largest size any
// model of the API draws (3840), below what would take a gigabyte of memory to decode.
const maxAnswerSide = 4096

// formats are the picture formats the port carries, by the name the image package gives them.
var formats = map[string]media.ContentType{"png": media.PNG, "jpeg": media.JPEG, "webp": media.WebP}

// fit returns the picture at exactly want's size and its format, recognised by content: the bytes
// as they came when they already are, else scaled to cover want (Catmull-Rom, which stays sharp
// when shrinking the service's larger pictures) and cropped around the centre, as PNG.
func fit(data []byte, want image.Point) ([]byte, media.ContentType, error) {
	cfg, name, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, media.ContentType{}, errBadResponse.Wrap(fmt.Errorf("openaiimages: the answer is not a picture: %w", err))
	}
	format, ok := formats[name]
	switch {
	case !ok:
		return nil, media.ContentType{}, errBadResponse.Wrap(fmt.Errorf("openaiimages: the answer is a %s picture, not JPEG, PNG or WebP", name))
	case cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxAnswerSide || cfg.Height > maxAnswerSide:
		return nil, media.ContentType{}, errBadResponse.Wrap(fmt.Errorf("openaiimages: the answer is %dx%d pixels", cfg.Width, cfg.Height))
	case cfg.Width == want.X && cfg.Height == want.Y:
		return data, format, nil
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, media.ContentType{}, errBadResponse.Wrap(fmt.Errorf("openaiimages: decode the %s answer: %w", name, err))
	}
	dst := image.NewRGBA(image.Rectangle{Max: want})
	draw.CatmullRom.Scale(dst, dst.Rect, src, cover(src.Bounds(), want), draw.Src, nil)
	var buf bytes.Buffer
	// BestSpeed: the use case re-encodes the picture anyway, so time spent squeezing bytes here
	// is wasted.
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, dst); err != nil {
		return nil, media.ContentType{}, domain.Errorf(domain.KindInternal, "openaiimages: encode the fitted picture: %w", err)
	}
	return buf.Bytes(), media.PNG, nil
}

// cover is the largest rectangle of want's aspect ratio centred in b: the part of the picture
// that, scaled, fills want without stretching.
func cover(b image.Rectangle, want image.Point) image.Rectangle {
	w, h := b.Dx(), b.Dy()
	if w*want.Y > h*want.X { // wider than wanted: crop the sides
		cw := max(1, (h*want.X+want.Y/2)/want.Y)
		x0 := b.Min.X + (w-cw)/2
		return image.Rect(x0, b.Min.Y, x0+cw, b.Max.Y)
	}
	ch := max(1, (w*want.Y+want.X/2)/want.X) // taller: crop top and bottom
	y0 := b.Min.Y + (h-ch)/2
	return image.Rect(b.Min.X, y0, b.Max.X, y0+ch)
}
