package blob

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
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
	//     prefix for sharing a bucket (e.g. prefix=companionhub/). Opening it takes the driver
	//     package adapter/blob/s3; this package only validates it.
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

// S3 reports whether the URL names S3 (the s3:// scheme), whether or not it is valid — so that a
// caller choosing between Open and adapter/blob/s3's Open sends an invalid s3:// URL to the one
// that explains what is wrong with it.
func (c Config) S3() bool {
	raw := c.URL.Reveal()
	return len(raw) >= 3 && strings.EqualFold(raw[:3], "s3:")
}

// S3Location is for driver packages such as adapter/blob/s3: it returns the bucket URL of a valid
// s3:// Config, whose query holds only gocloud's parameters (s3blob.URLOpener's), and the key
// prefix the URL's prefix parameter names ("" for none), which the driver applies itself. Any
// other URL is a KindInvalid error naming the URL field. The URL is a copy the caller may keep.
func (c Config) S3Location() (bucket *url.URL, prefix string, err error) {
	loc, err := parseLocation(c.URL.Reveal())
	if err != nil {
		return nil, "", invalidURL(err)
	}
	if loc.backend != backendS3 {
		return nil, "", invalidURL(errors.New("does not name S3; want s3://bucket?region=…"))
	}
	return loc.s3, loc.prefix, nil
}

// invalidURL is how Open and S3Location report a URL that Validate would have refused.
func invalidURL(err error) error {
	return domain.Errorf(domain.KindInvalid, "blob store: %w", envflag.Fieldf("URL", "%v", err))
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
