package blob

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/blobstoretest"
	"github.com/companionhub/companionhub/usecase/media"
)

// testPageSize makes the suite's 150-key listing span several pages on every backend.
const testPageSize = 40

func open(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{URL: secret.String(url)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	require.NoError(t, s.Ping(t.Context()))
	return s
}

func TestBlobStoreLocal(t *testing.T) {
	t.Parallel()
	blobstoretest.Run(t, func(t *testing.T) media.BlobStore {
		s := open(t, t.TempDir()+"/blobs") // a directory Open has to create
		s.pageSize = testPageSize
		return s
	}, blobstoretest.Features{})
}

func TestBlobStoreMemory(t *testing.T) {
	t.Parallel()
	blobstoretest.Run(t, func(t *testing.T) media.BlobStore {
		s := open(t, "mem://")
		s.pageSize = testPageSize
		return s
	}, blobstoretest.Features{})
}

func TestBlobStoreS3Fake(t *testing.T) {
	t.Parallel()
	fake := newFakeS3(t)
	blobstoretest.Run(t, func(t *testing.T) media.BlobStore {
		s := fake.open(t)
		s.pageSize = testPageSize
		return s
	}, blobstoretest.Features{SignedURLs: true})
}

// fakeS3 is gofakes3 in process, with one bucket.
type fakeS3 struct {
	url, bucket string
}

const fakeBucket = "companionhub-test"

func newFakeS3(t *testing.T) fakeS3 {
	t.Helper()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket(fakeBucket))
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return fakeS3{url: srv.URL, bucket: fakeBucket}
}

// client is an S3 client for the fake with static fake credentials, passed explicitly so that no
// test touches the process environment.
func (f fakeS3) client() *s3.Client {
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKEFAKEFAKE", "fake-secret", ""),
		BaseEndpoint: aws.String(f.url),
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

func (f fakeS3) open(t *testing.T) *Store {
	t.Helper()
	return f.openBucket(t, f.bucket)
}

func (f fakeS3) openBucket(t *testing.T, bucket string) *Store {
	t.Helper()
	s, err := OpenS3(context.WithoutCancel(t.Context()), f.client(), bucket)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}
