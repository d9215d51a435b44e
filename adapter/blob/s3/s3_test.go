package s3

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/domain"
	domainmedia "github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/media"
)

func listAll(t *testing.T, s *blob.Store, prefix string) []string {
	t.Helper()
	var keys []string
	require.NoError(t, s.List(t.Context(), prefix, func(b media.BlobInfo) error {
		keys = append(keys, b.Key)
		return nil
	}))
	return keys
}

// open opens raw with Open and checks that the store answers.
func open(t *testing.T, raw string) *blob.Store {
	t.Helper()
	s := openUnpinged(t, raw)
	require.NoError(t, s.Ping(t.Context()))
	return s
}

func openUnpinged(t *testing.T, raw string) *blob.Store {
	t.Helper()
	s, err := Open(t.Context(), blob.Config{URL: secret.String(raw)})
	require.NoError(t, err, "Open does not contact S3")
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// s3URL builds an s3:// URL for endpoint. anonymous=true stands in for credentials: gofakes3 does
// not check signatures, and the standard AWS environment is not the tests' to set.
func s3URL(bucket, endpoint string, extra ...string) string {
	q := url.Values{"region": {"us-east-1"}, "endpoint": {endpoint}, "use_path_style": {"true"}, "anonymous": {"true"}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "s3://" + bucket + "?" + q.Encode()
}

// TestS3URLReachesTheEndpoint proves the URL parameters arrive: endpoint and path style (gofakes3
// only serves path-style requests here), and prefix.
func TestS3URLReachesTheEndpoint(t *testing.T) {
	t.Parallel()
	fake := newFakeS3(t)
	s := open(t, s3URL(fake.bucket, fake.url, "prefix", "companionhub/"))
	key := domainmedia.NewKey(domainmedia.PNG).String()
	require.NoError(t, s.Put(t.Context(), key, "image/png", strings.NewReader("through the URL")))

	rc, info, err := s.Get(t.Context(), key)
	require.NoError(t, err)
	defer rc.Close()
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, "through the URL", string(got))
	assert.Equal(t, "image/png", info.ContentType)
	assert.Equal(t, []string{key}, listAll(t, s, "img/"), "keys are listed without the prefix")

	whole := fake.open(t)
	assert.Equal(t, []string{"companionhub/" + key}, listAll(t, whole, ""), "the prefix is where the blob lives in the bucket")
}

// closedAddr returns an address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func requireUnavailable(ctx context.Context, t *testing.T, s *blob.Store) {
	t.Helper()
	key := domainmedia.NewKey(domainmedia.PNG).String()
	_, err := s.Stat(ctx, key)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "Stat: %v", err)
	_, _, err = s.Get(ctx, key)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "Get: %v", err)
	err = s.Put(ctx, key, "image/png", strings.NewReader("x"))
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "Put: %v", err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(s.Delete(ctx, key)), "Delete")
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(s.List(ctx, "img/", nil)), "List")
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(s.Ping(ctx)), "Ping")
}

func TestS3UnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	s := openUnpinged(t, s3URL("media", "http://"+closedAddr(t)))
	// The SDK retries refused connections with backoff; the caller's deadline bounds it.
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	requireUnavailable(ctx, t, s)
}

func TestS3SilentEndpointTimesOutUnavailable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0") // accepts connections, never answers
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	s := openUnpinged(t, s3URL("media", "http://"+l.Addr().String()))
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	requireUnavailable(ctx, t, s)
}

// TestS3MissingBucketIsUnavailable: a wrong bucket name is a broken store, not a store without the
// file, wherever S3 says which it is. HEAD responses have no body to say it with, so Stat (and the
// existence check s3blob makes before Delete) cannot tell; Ping can, which is why it lists.
func TestS3MissingBucketIsUnavailable(t *testing.T) {
	t.Parallel()
	s := newFakeS3(t).openBucket(t, "no-such-bucket")
	ctx := t.Context()
	key := domainmedia.NewKey(domainmedia.PNG).String()
	_, _, err := s.Get(ctx, key)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "Get: %v", err)
	err = s.Put(ctx, key, "image/png", strings.NewReader("x"))
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "Put: %v", err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(s.List(ctx, "img/", nil)), "List")
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(s.Ping(ctx)), "Ping")
}

func TestSignedURLTTLBounds(t *testing.T) {
	t.Parallel()
	s := newFakeS3(t).open(t)
	key := domainmedia.NewKey(domainmedia.PNG).String()
	for _, ttl := range []time.Duration{0, -time.Minute, 7*24*time.Hour + time.Second} {
		_, err := s.SignedURL(t.Context(), key, ttl)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "ttl %v: %v", ttl, err)
	}
	u, err := s.SignedURL(t.Context(), key, 7*24*time.Hour)
	require.NoError(t, err)
	assert.Contains(t, u, "X-Amz-Expires=604800")
}

func TestOpenS3RequiresClientAndBucket(t *testing.T) {
	t.Parallel()
	_, err := OpenS3(t.Context(), nil, "media")
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
	_, err = OpenS3(t.Context(), newFakeS3(t).client(), "")
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
}

// TestOpenRefusesOtherURLs: Open serves valid s3:// URLs only; blob.Open serves the rest.
func TestOpenRefusesOtherURLs(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{t.TempDir(), "mem://", "file:///srv/blobs", "", "s3://", "s3://media?bucket_region=x", "s3://media?endpoint=minio:9000"} {
		_, err := Open(t.Context(), blob.Config{URL: secret.String(raw)})
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "Open(%q): %v", raw, err)
	}
	// A value gocloud's parameter parsing refuses, past the checks blob.Config makes.
	_, err := Open(t.Context(), blob.Config{URL: secret.String("s3://media?region=us-east-1&rate_limiter_capacity=many")})
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "%v", err)
}
