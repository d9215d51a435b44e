package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	gcblob "gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/envflag"
	"github.com/companionhub/companionhub/secret"
)

// Config locates the blob store.
type Config struct {
	// URL selects the backend:
	//
	//   - a directory path, or file:///absolute/path (file://./relative/path): the local directory,
	//     created if missing;
	//   - mem://: memory, lost on exit;
	//   - s3://BUCKET?region=…: S3 or an S3-compatible service, with credentials from the standard
	//     AWS environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role, …).
	//     The query takes gocloud's parameters (s3blob.URLOpener, gocloud.dev/aws
	//     V2ConfigFromURLParams) — region, endpoint (a base URL such as http://minio:9000),
	//     use_path_style (true for MinIO and most self-hosted services), disable_https, anonymous,
	//     profile, role, hostname_immutable, dualstack, fips, accelerate, ssetype, kmskeyid,
	//     rate_limiter_capacity, request_checksum_calculation and response_checksum_validation
	//     (when_required for services that reject the SDK's default checksums) — plus prefix, a key
	//     prefix for sharing a bucket (e.g. prefix=companionhub/).
	//
	// It is a secret.String because URLs are where credentials end up when someone is in a hurry.
	URL secret.String `env:"BLOB_URL" help:"where files are stored: a directory (default: <data dir>/blobs), file:///abs/path, mem://, or s3://bucket?region=R[&endpoint=URL&use_path_style=true&prefix=P/] (AWS credentials from the standard environment)"`
}

// DefaultConfig keeps files in the "blobs" directory of dataDir.
func DefaultConfig(dataDir string) Config {
	return Config{URL: secret.String(filepath.Join(dataDir, "blobs"))}
}

// Validate checks the URL's shape and query parameters without touching the disk or the network.
// Its messages never quote the URL.
func (c Config) Validate() error {
	if _, err := parseLocation(c.URL.Reveal()); err != nil {
		return envflag.Fieldf("URL", "%v", err)
	}
	return nil
}

// Open opens the store c names. The local backend creates its directory; S3 is not contacted
// (an outage at start-up should not stop the hub from starting) — call Ping for that. The caller
// closes the store.
func Open(ctx context.Context, c Config) (*Store, error) {
	loc, err := parseLocation(c.URL.Reveal())
	if err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "blob store: %w", envflag.Fieldf("URL", "%v", err))
	}
	switch loc.backend {
	case backendMemory:
		return newStore(memblob.OpenBucket(nil), backendMemory, ""), nil
	case backendLocal:
		dir, err := filepath.Abs(loc.dir)
		if err != nil {
			return nil, domain.Errorf(domain.KindInvalid, "blob store: directory: %w", err)
		}
		// NoTempDir writes the temporary file beside its destination, so the final rename never
		// crosses a file system (os.TempDir often is another mount) and nothing lives outside dir.
		b, err := fileblob.OpenBucket(dir, &fileblob.Options{CreateDir: true, NoTempDir: true, DirFileMode: 0o750})
		if err != nil {
			return nil, domain.Errorf(domain.KindUnavailable, "blob store: directory %s: %w", dir, err)
		}
		return newStore(b, backendLocal, dir), nil
	default:
		b, err := (&s3blob.URLOpener{}).OpenBucketURL(ctx, loc.s3)
		if err != nil {
			// Bad parameter values and unusable AWS profiles land here; the network is not touched.
			return nil, domain.Errorf(domain.KindInvalid, "blob store: s3: %w", err)
		}
		if loc.prefix != "" {
			b = gcblob.PrefixedBucket(b, loc.prefix)
		}
		return newStore(b, backendS3, ""), nil
	}
}

// OpenS3 serves bucket through an S3 client the caller configured — for what a URL cannot say, such
// as credentials from a vault or a custom HTTP client.
func OpenS3(ctx context.Context, client *s3.Client, bucket string) (*Store, error) {
	if client == nil || bucket == "" {
		return nil, domain.Errorf(domain.KindInvalid, "blob store: s3: a client and a bucket name are required")
	}
	// s3blob's URL opener copies the client's checksum mode to its upload manager, which does not
	// read it from the client; do the same here.
	opts := &s3blob.Options{RequestChecksumCalculation: client.Options().RequestChecksumCalculation}
	b, err := s3blob.OpenBucket(ctx, client, bucket, opts)
	if err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "blob store: s3: %w", err)
	}
	return newStore(b, backendS3, ""), nil
}

func newStore(b *gcblob.Bucket, be backend, dir string) *Store {
	return &Store{bucket: b, backend: be, dir: dir, pageSize: defaultPageSize}
}

// location is a parsed BLOB_URL.
type location struct {
	backend backend
	dir     string   // local
	s3      *url.URL // s3, without the parameters handled here
	prefix  string   // s3
}

// s3Params are the query parameters gocloud v0.47 accepts for s3 URLs (s3blob.URLOpener and
// gcaws.V2ConfigFromURLParams), plus prefix, handled here. Checking them up front turns a typo into
// a start-up error that names the variable rather than a failure at first use; a gocloud upgrade
// that adds parameters needs them added here.
var s3Params = []string{
	"region", "endpoint", "use_path_style", "s3ForcePathStyle", "disable_https", "anonymous",
	"profile", "role", "hostname_immutable", "dualstack", "fips", "accelerate", "ssetype", "kmskeyid",
	"rate_limiter_capacity", "request_checksum_calculation", "response_checksum_validation", "prefix",
}

var s3BoolParams = []string{"use_path_style", "s3ForcePathStyle", "disable_https", "anonymous",
	"hostname_immutable", "dualstack", "fips", "accelerate"}

const want = "want a directory path, file:///abs/path, mem:// or s3://bucket?region=…"

// parseLocation reads a BLOB_URL. Strings without a scheme (or with a Windows drive letter) are
// directory paths; a path that contains ":" must be written as a file:// URL.
func parseLocation(raw string) (location, error) {
	if raw == "" {
		return location{}, errors.New("is empty; " + want)
	}
	if filepath.VolumeName(raw) != "" || !strings.Contains(raw, ":") {
		return location{backend: backendLocal, dir: raw}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return location{}, errors.New("is not a valid URL; " + want)
	}
	switch u.Scheme {
	case "file":
		return parseFileURL(u)
	case "mem":
		if u.RawQuery != "" || (u.Path != "" && u.Path != "/") {
			return location{}, errors.New("mem:// takes no path or parameters")
		}
		return location{backend: backendMemory}, nil
	case "s3":
		return parseS3URL(u)
	default:
		return location{}, errors.New("has an unknown scheme; " + want)
	}
}

func parseFileURL(u *url.URL) (location, error) {
	if u.RawQuery != "" {
		return location{}, errors.New("file:// URLs take no parameters")
	}
	path := u.Path
	switch u.Host {
	case "", "localhost":
	case ".":
		path = strings.TrimPrefix(path, "/")
	default:
		return location{}, errors.New("file:// URLs name a local directory: file:///abs/path or file://./rel/path")
	}
	if path == "" || path == "/" {
		return location{}, errors.New("has no directory; want file:///abs/path")
	}
	return location{backend: backendLocal, dir: filepath.FromSlash(path)}, nil
}

func parseS3URL(u *url.URL) (location, error) {
	if u.Host == "" {
		return location{}, errors.New("names no bucket; want s3://bucket?region=…")
	}
	if u.Path != "" && u.Path != "/" {
		return location{}, errors.New("has a path after the bucket; put a key prefix in ?prefix=…")
	}
	if u.User != nil {
		return location{}, errors.New("must not carry credentials; use the standard AWS environment")
	}
	q := u.Query()
	for name, values := range q {
		if !slices.Contains(s3Params, name) {
			return location{}, fmt.Errorf("has an unknown parameter %q; known: %s", name, strings.Join(s3Params, ", "))
		}
		if len(values) != 1 {
			return location{}, fmt.Errorf("repeats the parameter %q", name)
		}
		if slices.Contains(s3BoolParams, name) {
			if _, err := strconv.ParseBool(values[0]); err != nil {
				return location{}, fmt.Errorf("parameter %q must be true or false", name)
			}
		}
	}
	if e := q.Get("endpoint"); e != "" {
		eu, err := url.Parse(e)
		if err != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" {
			return location{}, errors.New("parameter \"endpoint\" must be an http:// or https:// base URL")
		}
	}
	prefix := q.Get("prefix")
	if prefix != "" {
		if err := checkPrefix(prefix); err != nil {
			return location{}, errors.New("parameter \"prefix\" is not a valid key prefix")
		}
	}
	q.Del("prefix")
	rest := *u
	rest.Path = ""
	rest.RawQuery = q.Encode()
	return location{backend: backendS3, s3: &rest, prefix: prefix}, nil
}
