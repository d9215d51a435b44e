package imageprocessortest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"sync"

	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// quadrant names where the red marker must be found after processing.
type quadrant int

const (
	noMarker quadrant = iota // the sample has no colour marker (e.g. greyscale)
	topLeft
	topRight
	bottomRight
	bottomLeft
)

// validCase is a picture that must be accepted.
type validCase struct {
	name        string
	data        []byte
	fit         int
	w, h        int  // the size the output must have
	translucent bool // the output must keep transparency: the marker opaque, the bottom-right quadrant not
	marker      quadrant
}

// validCases are built once: encoding them is most of the suite's cost under the race detector.
var validCases = sync.OnceValue(func() []validCase {
	gray := image.NewGray(image.Rect(0, 0, 300, 500))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 7)
	}
	deep := image.NewNRGBA64(image.Rect(0, 0, 900, 300))
	for y := range 300 {
		for x := range 900 {
			deep.SetNRGBA64(x, y, color.NRGBA64{R: uint16(x * 72), G: uint16(y * 200), B: 0x8000, A: 0xffff})
		}
	}
	pal := image.NewPaletted(image.Rect(0, 0, 64, 48), color.Palette{color.NRGBA{}, markerRed, markerBG})
	for y := range 48 {
		for x := range 64 {
			switch {
			case inMarker(x, y, 64, 48):
				pal.SetColorIndex(x, y, 1)
			case x < 32:
				pal.SetColorIndex(x, y, 2)
			}
		}
	}
	return []validCase{
		{"JPEG/small_is_not_enlarged", JPEG(Picture(640, 480)), mediauc.HeaderFit, 640, 480, false, topLeft},
		{"JPEG/wide_to_header", JPEG(Picture(1000, 500)), mediauc.HeaderFit, 800, 400, false, topLeft},
		{"JPEG/wide_to_picture", JPEG(Picture(2048, 160)), mediauc.PictureFit, 1920, 150, false, topLeft},
		{"JPEG/tall_to_header", JPEG(Picture(120, 1000)), mediauc.HeaderFit, 96, 800, false, topLeft},
		{"JPEG/exact_fit", JPEG(Picture(800, 800)), mediauc.HeaderFit, 800, 800, false, topLeft},
		{"JPEG/greyscale", JPEG(gray), mediauc.HeaderFit, 300, 500, false, noMarker},
		{"JPEG/orientation_6_turns", WithEXIF(JPEG(Picture(64, 32)), 6), mediauc.HeaderFit, 32, 64, false, topRight},
		{"JPEG/orientation_6_turns_and_scales", WithEXIF(JPEG(Picture(1000, 200)), 6), mediauc.HeaderFit, 160, 800, false, topRight},
		{"JPEG/orientation_1_as_stored", WithEXIF(JPEG(Picture(64, 32)), 1), mediauc.HeaderFit, 64, 32, false, topLeft},
		{"PNG/opaque", PNG(Picture(300, 200)), mediauc.HeaderFit, 300, 200, false, topLeft},
		{"PNG/extreme_aspect_keeps_a_pixel", PNG(Picture(2048, 2)), mediauc.HeaderFit, 800, 1, false, noMarker},
		{"PNG/16_bit", PNG(deep), mediauc.HeaderFit, 800, 267, false, noMarker},
		{"PNG/translucent_small", PNG(Translucent(100, 60)), mediauc.HeaderFit, 100, 60, true, topLeft},
		{"PNG/translucent_scaled", PNG(Translucent(1000, 240)), mediauc.HeaderFit, 800, 192, true, topLeft},
		// A client may call this upload photo.jpg and send it as image/jpeg; the port is never told,
		// and the transparency that survives shows it was read as the PNG it is.
		{"PNG/named_jpg_is_read_as_png", PNG(Translucent(90, 90)), mediauc.HeaderFit, 90, 90, true, topLeft},
		{"PNG/paletted_with_transparency", PNG(pal), mediauc.HeaderFit, 64, 48, true, topLeft},
		{"WebP/opaque", WebP(120, 80, false), mediauc.HeaderFit, 120, 80, false, topLeft},
		{"WebP/translucent_scaled", WebP(1000, 250, true), mediauc.HeaderFit, 800, 200, true, topLeft},
		{"WebP/tall_to_picture", WebP(160, 2048, false), mediauc.PictureFit, 150, 1920, false, topLeft},
		{"WebP/extended_format", riff(vp8x(40, 30, 0), riffChunk{"VP8L", webpPixels(40, 30, false)}), mediauc.HeaderFit, 40, 30, false, topLeft},
	}
})

// metadataCase is a valid picture carrying metadata or a payload that must not survive.
type metadataCase struct {
	name string
	data []byte
}

// forbidden are byte strings no output may contain: the planted secrets and GPS position, the
// names of metadata containers, and the payloads appended to polyglots.
var forbidden = []string{
	GPSSecret, MetadataSecret, string(gpsLatitude(binary.BigEndian)), string(gpsLatitude(binary.LittleEndian)),
	"Exif", "http://ns.adobe.com/", "ICC_PROFILE", "Photoshop 3.0",
	"tEXt", "iTXt", "zTXt", "eXIf", "iCCP", "PK\x03\x04", "<script", "<html",
}

const htmlPayload = "<html><body><script>fetch('/api/v1/session',{method:'DELETE'})</script></body></html>"

var metadataCases = sync.OnceValue(func() []metadataCase {
	jpg := JPEG(Picture(32, 24))
	exifSegment := jpegSegment(0xe1, append([]byte("Exif\x00\x00"), exifTIFF(binary.LittleEndian, 1)...))
	xmp := jpegSegment(0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><rdf:Description>"+MetadataSecret+"</rdf:Description></x:xmpmeta>"))
	icc := jpegSegment(0xe2, []byte("ICC_PROFILE\x00\x01\x01"+MetadataSecret))
	iptc := jpegSegment(0xed, []byte("Photoshop 3.0\x008BIM\x04\x04"+MetadataSecret))
	comment := jpegSegment(0xfe, []byte(MetadataSecret))

	p := PNG(Translucent(24, 16))
	zip := append([]byte("PK\x03\x04\x14\x00\x00\x00\x00\x00"), []byte("evil.html"+htmlPayload)...)
	return []metadataCase{
		{"JPEG/EXIF_with_GPS", WithEXIF(jpg, 0)},
		{"JPEG/EXIF_little_endian_XMP_ICC_IPTC_comment", insertJPEGSegments(jpg, exifSegment, xmp, icc, iptc, comment)},
		{"JPEG/HTML_appended", append(append([]byte{}, jpg...), htmlPayload...)},
		{"PNG/text_EXIF_ICC_chunks", insertPNGChunks(p,
			pngChunk("tEXt", []byte("Comment\x00"+MetadataSecret)),
			pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00http://ns.adobe.com/xap/1.0/ "+MetadataSecret)),
			pngChunk("zTXt", []byte("Author\x00\x00"+MetadataSecret)), // not valid zlib: must be ignored, not decoded
			pngChunk("eXIf", exifTIFF(binary.BigEndian, 1)),
			pngChunk("iCCP", []byte("ICC_PROFILE\x00\x00"+MetadataSecret)),
		)},
		{"PNG/ZIP_and_HTML_appended", append(append(append([]byte{}, p...), zip...), htmlPayload...)},
		{"PNG/opaque_HTML_appended", append(PNG(Picture(20, 20)), htmlPayload...)},
		{"WebP/EXIF_XMP_ICC_chunks", riff(
			vp8x(20, 16, vp8xICC|vp8xEXIF|vp8xXMP),
			riffChunk{"ICCP", []byte("ICC_PROFILE" + MetadataSecret)},
			riffChunk{"VP8L", webpPixels(20, 16, false)},
			riffChunk{"EXIF", append([]byte("Exif\x00\x00"), exifTIFF(binary.LittleEndian, 1)...)},
			riffChunk{"XMP ", []byte("http://ns.adobe.com/xap/1.0/" + MetadataSecret)},
		)},
		{"WebP/HTML_appended", append(WebP(30, 20, true), htmlPayload...)},
	}
})

// refusalCase is input that must be refused with reason.
type refusalCase struct {
	name   string
	data   []byte
	reason string
}

var refusalCases = sync.OnceValue(func() []refusalCase {
	var g bytes.Buffer
	if err := gif.Encode(&g, Picture(8, 8), nil); err != nil {
		panic(err)
	}
	small := JPEG(Picture(16, 16))
	sof := sofOffset(small)
	opaque := PNG(Picture(24, 24))
	badCRC := append([]byte{}, opaque...)
	badCRC[bytes.Index(badCRC, []byte("IDAT"))+8] ^= 0xff
	zeroWidth := append([]byte{}, pngMagic...)
	zeroWidth = append(zeroWidth, pngChunk("IHDR", []byte{0, 0, 0, 0, 0, 0, 0, 16, 8, 6, 0, 0, 0})...)
	webp := WebP(24, 24, false)
	tooLarge := append(PNG(Picture(8, 8)), make([]byte, mediauc.MaxImageBytes)...)
	// Stored (uncompressed) deflate blocks cut short: the pixels simply stop.
	var stored bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&stored, Picture(40, 40)); err != nil {
		panic(err)
	}

	const (
		unsupported = "unsupported_image"
		tooBig      = "image_too_large"
		dimensions  = "image_dimensions"
		corrupt     = "corrupt_image"
	)
	return []refusalCase{
		{"empty", nil, unsupported},
		{"HTML", []byte("<!DOCTYPE html>" + htmlPayload), unsupported},
		{"SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>`), unsupported},
		{"text", []byte("just some text, not a picture"), unsupported},
		{"GIF", g.Bytes(), unsupported},
		{"BMP", append([]byte("BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x18\x00"), make([]byte, 28)...), unsupported},
		{"TIFF", []byte("II*\x00\x08\x00\x00\x00\x00\x00"), unsupported},
		{"RIFF_WAVE", []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), unsupported},
		{"PNG_magic_not_at_start", append([]byte(" "), opaque...), unsupported},
		{"too_large", tooLarge, tooBig},
		{"too_large_HTML", bytes.Repeat([]byte("<script>"), mediauc.MaxImageBytes/8+1), tooBig},
		{"PNG/bomb_50000x50000", BombPNG(50000, 50000), dimensions},
		{"PNG/bomb_4096x4096", BombPNG(4096, 4096), dimensions},
		{"PNG/2049_wide", BombPNG(2049, 1), dimensions},
		{"PNG/2049_tall", BombPNG(1, 2049), dimensions},
		{"JPEG/bomb_60000x60000", withJPEGSize(small, 60000, 60000), dimensions},
		{"JPEG/2049_wide", withJPEGSize(small, 2049, 16), dimensions},
		{"JPEG/zero_height", withJPEGSize(small, 16, 0), dimensions},
		{"WebP/bomb_16384x16384", riff(riffChunk{"VP8L", append(vp8lHeader(16384, 16384, false), make([]byte, 64)...)}), dimensions},
		{"WebP/extended_canvas_3000x3000", riff(vp8x(3000, 3000, 0), riffChunk{"VP8L", webpPixels(1, 1, false)}), dimensions},
		{"JPEG/magic_only", []byte{0xff, 0xd8, 0xff}, corrupt},
		{"JPEG/truncated_after_header", small[:sof+19], corrupt},
		{"JPEG/truncated_half", small[:len(small)/2], corrupt},
		{"PNG/magic_only", pngMagic, corrupt},
		{"PNG/zero_width", zeroWidth, corrupt},
		{"PNG/truncated", opaque[:len(opaque)*2/3], corrupt},
		{"PNG/bad_CRC", badCRC, corrupt},
		{"PNG/uncompressed_truncated", stored.Bytes()[:stored.Len()/2], corrupt},
		{"WebP/header_only", []byte("RIFF\x04\x00\x00\x00WEBP"), corrupt},
		{"WebP/truncated", webp[:len(webp)-8], corrupt},
		{"WebP/extended_size_mismatch", riff(vp8x(40, 30, 0), riffChunk{"VP8L", webpPixels(30, 40, false)}), corrupt},
	}
})
