package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/a1111fake"
)

// TestPicturesOnTemporal: with turns on Temporal, the worker that runs a turn draws its picture (at
// a fake A1111 here) and stores it in the files it shares with the server (COMPANIONHUB_BLOB_URL),
// so the server tells the stream, keeps it in the gallery and serves it to its owner only.
func TestPicturesOnTemporal(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	env := with(temporalEnv(t), "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "0",
		"COMPANIONHUB_IMAGE_PROVIDER", "a1111", "COMPANIONHUB_IMAGE_BASE_URL", fake.URL(),
		"COMPANIONHUB_BLOB_URL", "file://"+t.TempDir())
	h := startHub(t, env)
	startWorker(t, env)
	c := newChatter(t, h, "")
	evs, done, pic := c.pictureTurn(t, dressingMessage)
	requireDrawn(t, pic)
	require.NotEmpty(t, imagingProgress(t, evs), "the turn says it is drawing")

	sent := fake.Requests()
	require.Len(t, sent, 1, "one picture asked of the backend")
	requireSceneDrawn(t, sent[0].Prompt)
	decoded := requireOwnerOnly(t, h, c, pic.URL)
	require.Equal(t, pic.Width, decoded.Width)
	page := c.gallery(t, "")
	require.Equal(t, 1, page.Total)
	require.Equal(t, pic.ID, page.Items[0].ID)
	require.Equal(t, pic.ID, c.message(t, done.MessageID).PictureID)
}
