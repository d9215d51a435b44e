// Package media models stored files — pictures and sounds — as the rest of the model refers to
// them: by an opaque, random key. Bytes live in a blob store; rows hold keys, never bytes.
package media

import (
	"crypto/rand"
	"encoding/base32"
	"regexp"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// ContentType is a media type the hub stores. The set is closed: anything else is refused at the
// door.
type ContentType struct{ s string }

var (
	JPEG = ContentType{"image/jpeg"}
	PNG  = ContentType{"image/png"}
	WebP = ContentType{"image/webp"}
	MP3  = ContentType{"audio/mpeg"}
	WAV  = ContentType{"audio/wav"}
	OGG  = ContentType{"audio/ogg"}
	// WebM and M4A are what browsers record a voice note in (Chrome and Firefox: WebM/Opus or
	// Ogg/Opus; Safari: MP4/AAC).
	WebM = ContentType{"audio/webm"}
	M4A  = ContentType{"audio/mp4"}
)

var contentTypes = map[string]struct {
	ct  ContentType
	ext string
}{
	JPEG.s: {JPEG, "jpg"}, PNG.s: {PNG, "png"}, WebP.s: {WebP, "webp"},
	MP3.s: {MP3, "mp3"}, WAV.s: {WAV, "wav"}, OGG.s: {OGG, "ogg"}, WebM.s: {WebM, "webm"}, M4A.s: {M4A, "m4a"},
}

// ParseContentType returns the content type named s (without parameters).
func ParseContentType(s string) (ContentType, error) {
	c, ok := contentTypes[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return ContentType{}, domain.E(domain.KindInvalid, "unsupported_media_type", "this type of file is not supported")
	}
	return c.ct, nil
}

func (c ContentType) String() string { return c.s }
func (c ContentType) IsZero() bool   { return c.s == "" }

// Ext is the file extension the type's keys end in.
func (c ContentType) Ext() string { return contentTypes[c.s].ext }

// IsImage reports whether the type is a picture.
func (c ContentType) IsImage() bool { return strings.HasPrefix(c.s, "image/") }

// Kind says what a stored file is for, which decides who may read it.
type Kind struct{ s string }

var (
	KindHeader  = Kind{"header"}  // a companion's header image; public while the companion is published
	KindPicture = Kind{"picture"} // a generated picture; owner only
	KindAudio   = Kind{"audio"}   // a sound: synthesised speech, or a person's voice note; owner only
)

// ParseKind returns the kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range []Kind{KindHeader, KindPicture, KindAudio} {
		if k.s == s {
			return k, nil
		}
	}
	return Kind{}, domain.Errorf(domain.KindInternal, "unknown media kind %q", s)
}

func (k Kind) String() string { return k.s }

// Key names a stored file: "<img|aud>/<26 random base32 characters>.<ext>". Keys are drawn at random
// and never derived from anything a client sent, so they cannot be guessed, collide, or escape a
// directory.
type Key struct{ s string }

var keyPattern = regexp.MustCompile(`^(img|aud)/[a-z2-7]{26}\.(jpg|png|webp|mp3|wav|ogg|webm|m4a)$`)

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewKey draws a fresh key for a file of type ct.
func NewKey(ct ContentType) Key {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("media: crypto/rand failed: " + err.Error())
	}
	prefix := "img"
	if !ct.IsImage() {
		prefix = "aud"
	}
	return Key{prefix + "/" + strings.ToLower(keyEncoding.EncodeToString(b[:])) + "." + ct.Ext()}
}

// ErrBadKey is returned for text that is not a media key.
var ErrBadKey = domain.E(domain.KindNotFound, "media_not_found", "no such media")

// ParseKey accepts a key a client presented. Malformed keys are "not found": they name nothing.
func ParseKey(s string) (Key, error) {
	if !keyPattern.MatchString(s) {
		return Key{}, ErrBadKey
	}
	return Key{s}, nil
}

func (k Key) String() string { return k.s }
func (k Key) IsZero() bool   { return k.s == "" }

// Prefixes lists the key prefixes a blob store holds for the hub (for listing everything).
func Prefixes() []string { return []string{"img/", "aud/"} }

// Item is one stored file and what the hub knows about it.
type Item struct {
	Key         Key
	OwnerID     domain.ID
	CompanionID domain.ID // zero when not tied to a companion
	Kind        Kind
	ContentType ContentType
	Bytes       int64
	Width       int // pictures only
	Height      int
	CreatedAt   time.Time
}

// Image is what a companion or message holds of a stored picture.
type Image struct {
	Key         Key
	ContentType ContentType
	Bytes       int64
	Width       int
	Height      int
}

// IsZero reports whether no image is set.
func (i Image) IsZero() bool { return i.Key.IsZero() }

// Image returns the picture reference of an item.
func (it Item) Image() Image {
	return Image{Key: it.Key, ContentType: it.ContentType, Bytes: it.Bytes, Width: it.Width, Height: it.Height}
}
