package blob

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
)

func TestValidateAcceptsEveryDocumentedForm(t *testing.T) {
	t.Parallel()
	cases := map[string]location{
		"/var/lib/companionhub/blobs":        {backend: backendLocal, dir: "/var/lib/companionhub/blobs"},
		"data/blobs":                         {backend: backendLocal, dir: "data/blobs"},
		"file:///var/lib/companionhub/blobs": {backend: backendLocal, dir: "/var/lib/companionhub/blobs"},
		"file://localhost/srv/blobs":         {backend: backendLocal, dir: "/srv/blobs"},
		"file://./data/blobs":                {backend: backendLocal, dir: "data/blobs"},
		"mem://":                             {backend: backendMemory},
		"s3://media":                         {backend: backendS3},
		"s3://media?region=eu-west-1":        {backend: backendS3},
		"s3://media?endpoint=https://r2.example.com&region=auto&request_checksum_calculation=when_required": {backend: backendS3},
		"s3://media?region=us-east-1&endpoint=http://minio:9000&use_path_style=true&disable_https=true":     {backend: backendS3},
		"s3://media?prefix=companionhub/&anonymous=false&s3ForcePathStyle=1":                                {backend: backendS3, prefix: "companionhub/"},
	}
	for raw, want := range cases {
		require.NoError(t, Config{URL: secret.String(raw)}.Validate(), raw)
		assert.Equal(t, want.backend == backendS3, Config{URL: secret.String(raw)}.S3(), raw)
		got, err := parseLocation(raw)
		require.NoError(t, err, raw)
		assert.Equal(t, want.backend, got.backend, raw)
		assert.Equal(t, want.dir, got.dir, raw)
		assert.Equal(t, want.prefix, got.prefix, raw)
		if got.backend == backendS3 {
			assert.Equal(t, "media", got.s3.Host, raw)
			assert.NotContains(t, got.s3.RawQuery, "prefix", "prefix is handled here, not by gocloud")
		}
	}
}

func TestValidateRejectsBadURLs(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                                   "is empty",
		"ftp://files.example.com/blobs":      "unknown scheme",
		"gs://bucket":                        "unknown scheme",
		"s3://":                              "names no bucket",
		"s3:///?region=eu-west-1":            "names no bucket",
		"s3://media/some/dir":                "prefix",
		"s3://media?bucket_region=x":         `unknown parameter "bucket_region"`,
		"s3://media?use_path_style=maybe":    "true or false",
		"s3://media?region=a&region=b":       "repeats",
		"s3://media?endpoint=minio:9000":     "endpoint",
		"s3://media?prefix=/abs/":            "prefix",
		"s3://AKID:SECRETKEY@media":          "credentials",
		"mem://?size=10":                     "mem://",
		"file://fileserver/share/blobs":      "local directory",
		"file:///":                           "no directory",
		"file:///srv/blobs?create_dir=false": "no parameters",
	}
	for raw, want := range cases {
		err := Config{URL: secret.String(raw)}.Validate()
		require.Error(t, err, raw)
		var fe *envflag.FieldError
		require.True(t, errors.As(err, &fe), "%q: a field error, so the variable gets named: %v", raw, err)
		assert.Equal(t, "URL", fe.Path)
		assert.Contains(t, err.Error(), want, raw)
		assert.NotContains(t, err.Error(), "SECRETKEY", "the URL is never quoted")

		_, err = Open(t.Context(), Config{URL: secret.String(raw)})
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "Open(%q): %v", raw, err)
	}
}

func TestOpenCreatesTheDefaultDirectory(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	c := DefaultConfig(dataDir)
	require.NoError(t, c.Validate())
	s, err := Open(t.Context(), c)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	fi, err := os.Stat(filepath.Join(dataDir, "blobs"))
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
	require.NoError(t, s.Ping(t.Context()))
}

func TestOpenFileURL(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := open(t, "file://"+filepath.ToSlash(dir))
	assert.Equal(t, dir, s.dir)
	_, err := os.Stat(dir)
	require.NoError(t, err, "Open creates the directory")
}

func TestOpenOnAFileIsUnavailable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "not-a-dir")
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o600))
	_, err := Open(t.Context(), Config{URL: secret.String(path)})
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
}

// TestOpenRefusesS3 is the other half of the split: an s3:// URL is valid here, but opening it
// takes adapter/blob/s3, which tests that it opens.
func TestOpenRefusesS3(t *testing.T) {
	t.Parallel()
	c := Config{URL: secret.String("s3://media?region=eu-west-1&prefix=companionhub/")}
	require.NoError(t, c.Validate())
	_, err := Open(t.Context(), c)
	require.ErrorIs(t, err, ErrS3NotLinked)
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
	assert.Contains(t, domain.AsError(err).Message, "adapter/blob/s3", "the message says what to link")
}

func TestS3Location(t *testing.T) {
	t.Parallel()
	c := Config{URL: secret.String("s3://media?region=eu-west-1&prefix=companionhub/&use_path_style=true")}
	require.True(t, c.S3())
	u, prefix, err := c.S3Location()
	require.NoError(t, err)
	assert.Equal(t, "s3://media?region=eu-west-1&use_path_style=true", u.String(), "the prefix is the driver's to apply, not gocloud's")
	assert.Equal(t, "companionhub/", prefix)

	u, prefix, err = Config{URL: secret.String("S3://media")}.S3Location()
	require.NoError(t, err)
	assert.Equal(t, "media", u.Host)
	assert.Empty(t, prefix)

	for _, raw := range []string{"mem://", "/var/lib/blobs", "file:///srv/blobs", "s3://", "s3://AKID:SECRETKEY@media", "s3:media"} {
		c := Config{URL: secret.String(raw)}
		_, _, err := c.S3Location()
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "%q: %v", raw, err)
		var fe *envflag.FieldError
		assert.True(t, errors.As(err, &fe), "%q: a field error, so the variable gets named: %v", raw, err)
		assert.NotContains(t, fmt.Sprint(err), "SECRETKEY", "the URL is never quoted")
		assert.Equal(t, strings.HasPrefix(strings.ToLower(raw), "s3:"), c.S3(), "%q: an invalid s3:// URL still names S3", raw)
	}
}

// TestBadURLNamesTheVariable checks the tags: COMPANIONHUB_BLOB_URL is the name the spec fixes, and
// a bad value stops start-up with a message that names it and not the value.
func TestBadURLNamesTheVariable(t *testing.T) {
	t.Parallel()
	c := DefaultConfig(t.TempDir())
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	env := map[string]string{"COMPANIONHUB_BLOB_URL": "s3://media?region=eu-west-1&secret=hunter2"}
	b, err := envflag.Bind(fs, "COMPANIONHUB_", &c, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	require.NoError(t, b.Apply())
	err = b.Explain(c.Validate())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "COMPANIONHUB_BLOB_URL (--blob-url)")
	assert.NotContains(t, err.Error(), "hunter2")
}
