package s3

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/blob"
)

// fakeS3 is gofakes3 in process, with one bucket.
type fakeS3 struct {
	url, bucket string
	// continued counts listings that asked for a page after the first.
	continued *atomic.Int64
}

const fakeBucket = "companionhub-test"

// fakePageSize is the most keys the fake lists per response; see pagedLists.
const fakePageSize = 40

func newFakeS3(t *testing.T) fakeS3 {
	t.Helper()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket(fakeBucket))
	f := fakeS3{bucket: fakeBucket, continued: new(atomic.Int64)}
	srv := httptest.NewServer(f.pagedLists(gofakes3.New(backend).Server()))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// pagedLists makes the fake answer listings in pages of at most fakePageSize keys, as S3 may. The
// Store asks for S3's maximum of 1000 keys a page, and its page size is not this package's to
// lower, so without this the suite's 150-key listing would never reach a continuation token.
func (f fakeS3) pagedLists(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if n, err := strconv.Atoi(q.Get("max-keys")); err == nil && n > fakePageSize {
			q.Set("max-keys", strconv.Itoa(fakePageSize))
			r.URL.RawQuery = q.Encode()
		}
		if q.Get("continuation-token") != "" {
			f.continued.Add(1)
		}
		h.ServeHTTP(w, r)
	})
}

// client is an S3 client for the fake with static fake credentials, passed explicitly so that no
// test touches the process environment.
func (f fakeS3) client() *awss3.Client {
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKEFAKEFAKE", "fake-secret", ""),
		BaseEndpoint: aws.String(f.url),
	}
	return awss3.NewFromConfig(cfg, func(o *awss3.Options) { o.UsePathStyle = true })
}

func (f fakeS3) open(t *testing.T) *blob.Store {
	t.Helper()
	return f.openBucket(t, f.bucket)
}

func (f fakeS3) openBucket(t *testing.T, bucket string) *blob.Store {
	t.Helper()
	s, err := OpenS3(context.WithoutCancel(t.Context()), f.client(), bucket)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}
