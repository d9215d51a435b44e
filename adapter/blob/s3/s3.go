// Package s3 is the S3 driver of adapter/blob: it opens a blob.Store on S3 or an S3-compatible
// service (MinIO, R2, …) through gocloud.dev/blob/s3blob. It is a package of its own so that only
// programs that store files on S3 link the AWS SDK; the companionhub package links it, and
// adapter/blob opens the local and memory backends and validates every BLOB_URL, s3:// included.
//
// Open takes the same blob.Config as blob.Open and serves its s3:// URLs; OpenS3 serves a bucket
// through an S3 client the caller built. Either way the Store is the one adapter/blob defines, so
// it behaves like every other backend and passes the same conformance suite.
package s3

import (
	"context"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	gcblob "gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"

	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/domain"
)

// Open opens the S3 store an s3:// Config names, with credentials from the standard AWS
// environment; any other URL is a KindInvalid error. S3 is not contacted (an outage at start-up
// should not stop the hub from starting) — call Ping for that. The caller closes the store.
func Open(ctx context.Context, c blob.Config) (*blob.Store, error) {
	bucket, prefix, err := c.S3Location()
	if err != nil {
		return nil, err
	}
	b, err := (&s3blob.URLOpener{}).OpenBucketURL(ctx, bucket)
	if err != nil {
		// Bad parameter values and unusable AWS profiles land here; the network is not touched.
		return nil, domain.Errorf(domain.KindInvalid, "blob store: s3: %w", err)
	}
	if prefix != "" {
		b = gcblob.PrefixedBucket(b, prefix)
	}
	return blob.NewS3Store(b), nil
}

// OpenS3 serves bucket through an S3 client the caller configured — for what a URL cannot say, such
// as credentials from a vault or a custom HTTP client. The caller closes the store.
func OpenS3(ctx context.Context, client *awss3.Client, bucket string) (*blob.Store, error) {
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
	return blob.NewS3Store(b), nil
}
