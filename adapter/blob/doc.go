// Package blob is the file-storage adapter: one media.BlobStore over gocloud.dev/blob, with three
// backends chosen by URL — a local directory (the embedded default), memory (tests and throwaway
// runs) and S3 or an S3-compatible service (MinIO, R2, …).
//
// This package opens the local and memory backends itself. S3 lives in the driver package
// adapter/blob/s3, so that a program which never stores files on S3 does not link the AWS SDK:
// Config still validates every form of BLOB_URL, s3:// included, but Open refuses an s3:// URL with
// ErrS3NotLinked. The companionhub package links adapter/blob/s3 and opens s3:// URLs with it.
//
// gocloud already makes the backends look alike; Store adds what the port promises and gocloud
// leaves open: keys are checked before any backend sees them, every error carries a domain.Kind, a
// failed Put never leaves a partial blob, Delete of an absent key succeeds, and the local
// directory's own bookkeeping files (".attrs" sidecars, in-flight temporary files) never show up as
// blobs. What a crash leaves of them — the temporary file of a write cut off, the sidecar of a blob
// whose deletion was cut off — is listed and deleted through media.Leftovers, which the orphan
// sweep uses.
package blob
