package charcard

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"

	"github.com/companionhub/companionhub/domain"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// encodePNG writes c into a PNG: the carrier picture with a chara (V2) and a ccv3 (V3) chunk, the
// asked spec's first.
func encodePNG(ctx context.Context, c companionuc.Card, spec companionuc.CardSpec, picture []byte) ([]byte, error) {
	chara, err := cardChunk(c, companionuc.CardV2, keywordChara)
	if err != nil {
		return nil, err
	}
	ccv3, err := cardChunk(c, companionuc.CardV3, keywordCCV3)
	if err != nil {
		return nil, err
	}
	var carrier []byte
	if len(picture) == 0 {
		carrier, err = placeholder(c.Name)
	} else {
		carrier, err = reencode(picture)
	}
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, domain.Errorf(domain.KindUnavailable, "encode card: %w", err)
	}
	if spec == companionuc.CardV3 {
		return withTextChunks(carrier, ccv3, chara)
	}
	return withTextChunks(carrier, chara, ccv3)
}

// cardChunk builds the tEXt chunk carrying c as spec, refusing one larger than Decode reads.
func cardChunk(c companionuc.Card, spec companionuc.CardSpec, keyword string) (textChunk, error) {
	doc, err := buildCard(c, spec)
	if err != nil {
		return textChunk{}, err
	}
	if len(keyword)+1+base64.StdEncoding.EncodedLen(len(doc)) > maxTextChunk {
		return textChunk{}, tooLarge(keyword+" chunk", maxTextChunk)
	}
	return textChunk{keyword: keyword, text: []byte(base64.StdEncoding.EncodeToString(doc))}, nil
}

// pictureKind names the picture format of b from its first bytes ("" if none of ours). Content
// decides, never a declared type or a file name.
func pictureKind(b []byte) string {
	switch {
	case bytes.HasPrefix(b, pngSignature):
		return "PNG"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "JPEG"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "WebP"
	case bytes.HasPrefix(b, []byte("GIF8")):
		return "GIF"
	}
	return ""
}

// decoders returns the header and full decoders for picture's format, nil for none of JPEG, PNG
// and WebP — the formats SPEC §3.2 accepts.
func decoders(picture []byte) (func(io.Reader) (image.Config, error), func(io.Reader) (image.Image, error)) {
	switch pictureKind(picture) {
	case "PNG":
		return png.DecodeConfig, png.Decode
	case "JPEG":
		return jpeg.DecodeConfig, jpeg.Decode
	case "WebP":
		return webp.DecodeConfig, webp.Decode
	}
	return nil, nil
}

// reencode decodes a JPEG, PNG or WebP picture and encodes it as PNG, which drops its metadata and
// any chunks it carried. The dimensions are read from the header first, so an image that would
// decode into gigabytes is refused for the cost of reading its header.
func reencode(picture []byte) ([]byte, error) {
	decodeConfig, decode := decoders(picture)
	if decode == nil {
		return nil, domain.E(domain.KindInvalid, ReasonUnsupportedImage, "the card's picture must be a JPEG, PNG or WebP image")
	}
	corrupt := domain.E(domain.KindInvalid, ReasonCorruptImage, "the card's picture is damaged and cannot be read")
	cfg, err := decodeConfig(bytes.NewReader(picture))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, corrupt.Wrap(err)
	}
	if cfg.Width > maxImageSide || cfg.Height > maxImageSide {
		return nil, domain.E(domain.KindInvalid, ReasonImageDimensions,
			fmt.Sprintf("the card's picture is %d×%d pixels; at most %d×%d is accepted", cfg.Width, cfg.Height, maxImageSide, maxImageSide))
	}
	img, err := decode(bytes.NewReader(picture))
	if err != nil {
		return nil, corrupt.Wrap(err)
	}
	if ycc, ok := img.(*image.YCbCr); ok {
		// The PNG encoder reads a YCbCr image pixel by pixel through interfaces; one draw into RGBA
		// takes draw's fast path and makes the encoder's opaque-RGBA fast path apply.
		rgba := image.NewRGBA(ycc.Bounds())
		draw.Draw(rgba, rgba.Bounds(), ycc, ycc.Bounds().Min, draw.Src)
		img = rgba
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, domain.Errorf(domain.KindInternal, "encode card picture: %w", err)
	}
	return out.Bytes(), nil
}

// placeholderSize is the side of the picture drawn for a card without one: the size card sites
// show, small enough to draw and encode in a few milliseconds.
const placeholderSize = 512

// palettes are pleasant gradient pairs (top-left, bottom-right); a name picks one.
var palettes = [][2]color.RGBA{
	{{0x5b, 0x86, 0xe5, 0xff}, {0x36, 0xd1, 0xdc, 0xff}},
	{{0xee, 0x9c, 0xa7, 0xff}, {0xff, 0xdd, 0xe1, 0xff}},
	{{0x61, 0x43, 0x85, 0xff}, {0x51, 0x63, 0x95, 0xff}},
	{{0x02, 0xaa, 0xb0, 0xff}, {0x00, 0xcd, 0xac, 0xff}},
	{{0xda, 0x44, 0x53, 0xff}, {0x89, 0x21, 0x6b, 0xff}},
	{{0xff, 0x9a, 0x44, 0xff}, {0xfc, 0x60, 0x76, 0xff}},
	{{0x43, 0xc6, 0xac, 0xff}, {0x19, 0x16, 0x54, 0xff}},
	{{0x83, 0x60, 0xc3, 0xff}, {0x2e, 0xbf, 0x91, 0xff}},
	{{0x4b, 0x6c, 0xb7, 0xff}, {0x18, 0x28, 0x48, 0xff}},
	{{0xf7, 0x79, 0x7d, 0xff}, {0xfb, 0xd7, 0x86, 0xff}},
	{{0x1f, 0x40, 0x37, 0xff}, {0x99, 0xf2, 0xc8, 0xff}},
	{{0xc0, 0x6c, 0x84, 0xff}, {0x35, 0x5c, 0x7d, 0xff}},
}

// placeholder returns drawPlaceholder(name) as PNG.
func placeholder(name string) ([]byte, error) {
	var out bytes.Buffer
	if err := png.Encode(&out, drawPlaceholder(name)); err != nil {
		return nil, domain.Errorf(domain.KindInternal, "encode placeholder: %w", err)
	}
	return out.Bytes(), nil
}

// drawPlaceholder draws a picture for a card that has none: a diagonal gradient chosen by a hash
// of the name, with a soft bust silhouette, so cards without pictures still tell apart at a glance.
// Only integer arithmetic, so the same name gives the same pixels on every platform.
func drawPlaceholder(name string) *image.RGBA {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	sum := h.Sum64()
	pal := palettes[sum%uint64(len(palettes))]
	a, b := pal[0], pal[1]
	if sum>>32&1 == 1 { // mirror the gradient for half the names: twice the variety
		a, b = b, a
	}
	const n = placeholderSize
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			t := x + y // 0 … 2(n−1)
			px := color.RGBA{lerp(a.R, b.R, t), lerp(a.G, b.G, t), lerp(a.B, b.B, t), 0xff}
			// 2×2 supersampling of the silhouette gives it smooth edges without floats.
			cover := 0
			for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				if inSilhouette(2*x+d[0], 2*y+d[1]) {
					cover++
				}
			}
			// Lighten towards white by up to 30 %.
			k := cover * 77 / 4
			px.R += uint8((255 - int(px.R)) * k / 256)
			px.G += uint8((255 - int(px.G)) * k / 256)
			px.B += uint8((255 - int(px.B)) * k / 256)
			img.SetRGBA(x, y, px)
		}
	}
	return img
}

// lerp blends a into b by t/(2(n−1)).
func lerp(a, b uint8, t int) uint8 {
	const span = 2 * (placeholderSize - 1)
	return uint8((int(a)*(span-t) + int(b)*t) / span)
}

// inSilhouette reports whether the half-pixel point (x2/2, y2/2) lies in the head (a circle) or the
// shoulders (an ellipse cut by the bottom edge), in doubled coordinates.
func inSilhouette(x2, y2 int) bool {
	const n2 = 2 * placeholderSize
	dx, dy := x2-n2/2, y2-n2*2/5
	const r = n2 * 3 / 16
	if dx*dx+dy*dy <= r*r {
		return true
	}
	const rx, ry = n2 * 3 / 8, n2 * 7 / 16
	dy = y2 - n2*11/10
	return int64(dx*dx)*ry*ry+int64(dy*dy)*rx*rx <= int64(rx*rx)*ry*ry
}
