package mediafake_test

import (
	"testing"
	"time"

	"github.com/companionhub/companionhub/test/contract/blobstoretest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// The fake is trusted for what the real stores do because it passes their suite.
func TestBlobsConformance(t *testing.T) {
	t.Parallel()
	blobstoretest.Run(t, func(*testing.T) mediauc.BlobStore { return mediafake.NewBlobs() }, blobstoretest.Features{})
}

func TestCrashedConformance(t *testing.T) {
	t.Parallel()
	blobstoretest.Run(t, func(*testing.T) mediauc.BlobStore { return mediafake.NewCrashed() }, blobstoretest.Features{
		Leftovers: func(t *testing.T, s mediauc.BlobStore, prefix string) []string {
			names := []string{prefix + "cut.png.18a2b3c4d5e6f708.tmp", prefix + "gone.png.attrs"}
			for _, name := range names {
				s.(*mediafake.Crashed).AddLeftover(name, 11, time.Now())
			}
			return names
		},
	})
}
