package blob

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"gocloud.dev/gcerrors"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/media"
)

// ErrS3NotLinked is Open's answer to a valid s3:// URL: S3 needs the driver package adapter/blob/s3,
// which this package does not import so that programs without S3 do not link the AWS SDK. The
// companionhub package links it; an embedder that builds its own stores calls its Open instead.
var ErrS3NotLinked = domain.E(domain.KindInvalid, "blob_s3_not_linked",
	"S3 file storage is not built into this program: it needs the adapter/blob/s3 package, which the companionhub package links")

// Client-safe errors; the cause each copy wraps (driver text, the key) only reaches the log.
var (
	errNotFound       = domain.E(domain.KindNotFound, "blob_not_found", "the file does not exist")
	errBadKey         = domain.E(domain.KindInvalid, "invalid_blob_key", "the file name is not valid")
	errBadContentType = domain.E(domain.KindInvalid, "invalid_content_type", "the content type is not valid")
	errInvalid        = domain.E(domain.KindInvalid, "invalid_blob_request", "the file request is not valid")
	errBadTTL         = domain.E(domain.KindInvalid, "invalid_signed_url_ttl", "the link lifetime must be between a second and a week")
	errUnavailable    = domain.E(domain.KindUnavailable, "blob_store_unavailable", "file storage is unavailable; try again later")
	errSourceFailed   = domain.E(domain.KindInternal, "blob_source_failed", "the file could not be read")
)

// tempFile matches the temporary files fileblob writes next to their destination with NoTempDir:
// "<key>.<hex nanoseconds>.tmp". They are listed like blobs while a Put is in flight (or for good,
// after a crash), so the local backend hides them, and every backend refuses keys of that shape so
// hiding them can never hide a real blob — and blobs move between backends unchanged.
var tempFile = regexp.MustCompile(`\.[0-9a-f]+\.tmp$`)

// attrsSuffix is fileblob's metadata sidecar suffix; fileblob refuses such keys and skips such
// files when listing, and so does every backend here, for the same portability.
const attrsSuffix = ".attrs"

// maxKeyBytes is S3's key limit; the other backends accept it too.
const maxKeyBytes = 1024

// isLocalBookkeeping reports whether a listed local key is one of fileblob's own files.
func isLocalBookkeeping(key string) bool {
	return tempFile.MatchString(key) || strings.HasSuffix(key, attrsSuffix)
}

// checkKey refuses keys that could escape a directory, mean different things on different
// backends, or collide with the local backend's bookkeeping, before any backend sees them. Media
// keys ("img/<random>.<ext>") pass; the rules are about what could only come from a bug.
func checkKey(key string) error {
	if key == "" {
		return errBadKey.Wrap(errors.New("blob key is empty"))
	}
	if err := checkPrefix(key); err != nil {
		return err
	}
	switch {
	case strings.HasSuffix(key, "/"):
		return badKey(key, "ends with a slash")
	case key == "." || strings.HasSuffix(key, "/."):
		return badKey(key, `has a "." path segment`)
	case strings.HasSuffix(key, attrsSuffix), tempFile.MatchString(key):
		return badKey(key, "has a suffix reserved for the local backend's own files")
	}
	return nil
}

// checkPrefix applies the rules that hold for any part of a key to a List prefix ("" lists all).
func checkPrefix(p string) error {
	switch {
	case len(p) > maxKeyBytes:
		return badKey(p, "is longer than 1024 bytes")
	case !utf8.ValidString(p):
		return badKey(p, "is not UTF-8")
	case strings.HasPrefix(p, "/"):
		return badKey(p, "starts with a slash")
	case strings.Contains(p, ".."):
		return badKey(p, `contains ".."`)
	case strings.Contains(p, `\`):
		return badKey(p, "contains a backslash")
	case strings.Contains(p, "//"):
		return badKey(p, "contains an empty path segment")
	case strings.HasPrefix(p, "./") || strings.Contains(p, "/./"):
		// A directory would read "img/./a" as "img/a"; S3 would not.
		return badKey(p, `has a "." path segment`)
	case strings.ContainsFunc(p, unicode.IsControl):
		return badKey(p, "contains a control character")
	}
	return nil
}

func badKey(key, why string) error {
	return errBadKey.Wrap(fmt.Errorf("blob key %q %s", key, why))
}

// sourceError classifies a failure of the reader given to Put: it is the caller's, so it keeps the
// caller's kind when it has one (a body over its size limit, a cancelled request).
func sourceError(key string, err error) error {
	if domain.AsError(err) != nil {
		return fmt.Errorf("put %q: reading content: %w", key, err)
	}
	e := errSourceFailed
	if domain.KindOf(err) == domain.KindUnavailable { // a deadline ran out while reading
		e = errUnavailable
	}
	return e.Wrap(fmt.Errorf("put %q: reading content: %w", key, err))
}

// kindOf maps a gocloud error to the port's kinds. gocloud classifies every driver's errors with
// gcerrors codes; what is not the key's absence or the caller's mistake (network, permissions,
// timeouts, a closed store) is unavailability.
func (s *Store) kindOf(err error) domain.Kind {
	if s.backend == backendS3 && missingBucket(err) {
		// s3blob reports NoSuchBucket as NotFound, which would make a misconfigured store answer
		// "no such file" instead of failing. (HEAD responses carry no error code, so Stat cannot
		// tell a missing bucket from a missing key; Ping lists, which can.)
		return domain.KindUnavailable
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return domain.KindNotFound
	case gcerrors.InvalidArgument:
		return domain.KindInvalid
	default:
		return domain.KindUnavailable
	}
}

// apiError is the part of smithy.APIError (the AWS SDK's service errors) that missingBucket needs,
// declared here so that this package does not import the SDK.
type apiError interface {
	error
	ErrorCode() string
}

func missingBucket(err error) bool {
	var ae apiError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket"
}

// fail wraps a gocloud error from op on key with its kind.
func (s *Store) fail(op, key string, err error) error {
	cause := fmt.Errorf("blob %s %q (%s): %w", op, key, s.backend, err)
	if gcerrors.Code(err) == gcerrors.Unimplemented && op == "sign URL" {
		return media.ErrSignedURLUnsupported.Wrap(cause)
	}
	switch s.kindOf(err) {
	case domain.KindNotFound:
		return errNotFound.Wrap(cause)
	case domain.KindInvalid:
		return errInvalid.Wrap(cause)
	default:
		return errUnavailable.Wrap(cause)
	}
}
