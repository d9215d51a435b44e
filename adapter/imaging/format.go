package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"

	"github.com/companionhub/companionhub/domain/media"
)

// format is one accepted input format with its own decoders. Process calls these directly instead
// of image.Decode, whose registry is process-wide: any package that registers GIF, BMP or TIFF
// (x/image/bmp, a transitive import) would otherwise widen what uploads may be.
type format struct {
	name         string
	contentType  media.ContentType
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
}

var (
	jpegFormat = format{"jpeg", media.JPEG, jpeg.DecodeConfig, jpeg.Decode}
	pngFormat  = format{"png", media.PNG, png.DecodeConfig, png.Decode}
	webpFormat = format{"webp", media.WebP, webp.DecodeConfig, webp.Decode}
)

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// sniff recognises the format from the first bytes alone. The checks are the formats' own
// signatures — the ones http.DetectContentType uses for these three — and nothing a client
// declares (a type, a file name) is consulted: that is what makes a PNG named .jpg a PNG, and an
// HTML page named .png a refusal.
func sniff(data []byte) (format, bool) {
	switch {
	case len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff: // SOI, then a marker
		return jpegFormat, true
	case bytes.HasPrefix(data, pngMagic):
		return pngFormat, true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return webpFormat, true
	}
	return format{}, false
}

// readConfig reads f's header from data: the dimensions, without decoding any pixels.
func (f format) readConfig(data []byte) (cfg image.Config, err error) {
	defer recoverDecoder(&err)
	return f.decodeConfig(bytes.NewReader(data))
}

// readImage decodes data as f.
func (f format) readImage(data []byte) (img image.Image, err error) {
	defer recoverDecoder(&err)
	return f.decode(bytes.NewReader(data))
}

// recoverDecoder turns a decoder's panic into an error. A decoder that panics on hostile input (a
// bug, but in code we do not own) must cost one upload, not the process, so the panic is reported
// as a corrupt image. Running out of memory is fatal rather than a panic and is not caught: the
// dimension check before decoding is what prevents it.
func recoverDecoder(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("decoder panicked: %v", r)
	}
}
