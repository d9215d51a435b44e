// Package media holds the ports every feature that stores files consumes — the blob store and the
// image processor — and the use cases that serve and tidy stored files.
package media

import (
	"context"
	"io"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

// BlobInfo describes a stored blob.
type BlobInfo struct {
	Key         string
	Size        int64
	ContentType string
	ModTime     time.Time
}

// BlobStore keeps bytes under keys. Keys are media.Key strings (slash-separated, no leading slash);
// implementations treat them as opaque names. Implementations: adapter/blob (local directory, memory,
// S3 — on gocloud.dev/blob); conformance: test/contract/blobstoretest.
//
// Errors: KindNotFound when a key is absent (Get, Stat); KindUnavailable when the store cannot be
// reached; KindInvalid for a malformed key.
type BlobStore interface {
	// Put stores everything r yields under key with the given content type, replacing what was there.
	// The blob becomes visible only once complete: a failed Put leaves no partial blob behind.
	Put(ctx context.Context, key, contentType string, r io.Reader) error
	// Get opens a blob for reading; the caller closes it. The reader may also seek (io.Seeker), as
	// adapter/blob's does: /media then answers Range requests from it.
	Get(ctx context.Context, key string) (io.ReadCloser, BlobInfo, error)
	// Stat describes a blob without reading it.
	Stat(ctx context.Context, key string) (BlobInfo, error)
	// Delete removes a blob; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every blob whose key starts with prefix, in key order, until fn returns an
	// error (which List returns). ContentType may be empty in listings (S3 does not list it).
	List(ctx context.Context, prefix string, fn func(BlobInfo) error) error
	// SignedURL returns a URL that grants GET access to key for ttl without further credentials, or
	// ErrSignedURLUnsupported where the store cannot make one.
	SignedURL(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// Leftovers is what a BlobStore implements when a crash can leave files of its own behind: the
// temporary file of a write cut off midway, the metadata of a blob whose deletion was cut off.
// List never shows them, so no row names them and they are no orphans either; CleanupOrphans
// deletes them with the same grace. Implementation: adapter/blob (its local directory; memory
// and S3 leave none); conformance: test/contract/blobstoretest, for stores that implement it.
//
// Errors: KindUnavailable when the store cannot be reached; KindInvalid for a malformed name;
// ErrNotLeftover for a name that is no leftover.
type Leftovers interface {
	// ListLeftovers calls fn for every leftover whose name starts with prefix — Key is its name in
	// the store, not a blob key; ModTime is when it was last written — until fn returns an error
	// (which it returns). A write still in progress has a leftover too, written moments ago, so
	// callers leave young ones alone.
	ListLeftovers(ctx context.Context, prefix string, fn func(BlobInfo) error) error
	// DeleteLeftover deletes a leftover ListLeftovers named; one already gone is not an error. A
	// name that is not a leftover's — a blob's key, the metadata of a blob that is there — is left
	// alone and answered ErrNotLeftover, so a sweep can never delete what a blob needs.
	DeleteLeftover(ctx context.Context, name string) error
}

// ErrNotLeftover answers DeleteLeftover of a file that is part of a blob, not a leftover.
var ErrNotLeftover = domain.E(domain.KindConflict, "not_leftover", "the file is part of a stored file, not a leftover")

// ErrSignedURLUnsupported is returned by stores that cannot sign URLs; callers then serve the blob
// themselves.
var ErrSignedURLUnsupported = domain.E(domain.KindUnavailable, "signed_url_unsupported", "this blob store cannot sign URLs")

// Image limits every untrusted picture must fit before it is decoded (SPEC §3.2).
const (
	MaxImageBytes     = 5 << 20
	MaxImageDimension = 2048
	// HeaderFit and PictureFit bound stored pictures: headers at most 800², generated pictures 1920².
	HeaderFit  = 800
	PictureFit = 1920
)

// MaxGeneratedBytes bounds a picture an image backend sends (AllowBytes): a 2048² PNG straight
// from Stable Diffusion is larger than any upload needs to be, and is still bounded by
// MaxImageDimension before anything is decoded.
const MaxGeneratedBytes = 24 << 20

// ProcessOption changes one Process call's limits.
type ProcessOption func(*ProcessLimits)

// ProcessLimits are a Process call's limits: MaxBytes defaults to MaxImageBytes.
type ProcessLimits struct{ MaxBytes int }

// AllowBytes raises (or lowers) the size a picture may have, for pictures of a trusted source
// (an image backend the operator configured).
func AllowBytes(n int) ProcessOption { return func(l *ProcessLimits) { l.MaxBytes = n } }

// Limits are the limits opts give.
func Limits(opts ...ProcessOption) ProcessLimits {
	l := ProcessLimits{MaxBytes: MaxImageBytes}
	for _, o := range opts {
		o(&l)
	}
	return l
}

// ProcessedImage is a picture that passed validation, re-encoded without metadata.
type ProcessedImage struct {
	Data        []byte
	ContentType media.ContentType
	Width       int
	Height      int
}

// ImageProcessor turns untrusted bytes into a safe picture. Implementation: adapter/imaging;
// conformance: test/contract/imageprocessortest.
//
// Process recognises the format by content, never by a declared type or name; accepts JPEG, PNG
// and WebP only; refuses more than MaxImageBytes (or what AllowBytes says), and dimensions over MaxImageDimension read from
// the header before anything is decoded (so a decompression bomb costs nothing); then decodes,
// applies the EXIF orientation, re-encodes (dropping EXIF, ICC, text chunks and anything appended),
// and scales it down to fit within fit×fit. Errors are KindInvalid with a reason: unsupported_image,
// image_too_large, image_dimensions, corrupt_image.
type ImageProcessor interface {
	Process(ctx context.Context, data []byte, fit int, opts ...ProcessOption) (ProcessedImage, error)
}
