package blobstoretest

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/usecase/media"
)

// listKeys returns the keys List reports under prefix, in the order it reports them.
func listKeys(t *testing.T, s media.BlobStore, prefix string) []string {
	t.Helper()
	var keys []string
	require.NoError(t, s.List(t.Context(), prefix, func(b media.BlobInfo) error {
		keys = append(keys, b.Key)
		return nil
	}))
	return keys
}

// listBlobs is the page size a backend is expected to be tested with at most; 150 keys need
// several pages of it.
const listBlobs = 150

func testList(t *testing.T, s media.BlobStore) {
	prefix := newPrefix()
	sizes := map[string]int{}
	for i := range listBlobs {
		sizes[keyUnder(prefix)] = i + 1
	}
	// Keys that share a start with the prefix but do not have it must not be listed.
	last := prefix[len(prefix)-1]
	sibling := prefix[:len(prefix)-1] + string(other(last))
	decoys := []string{
		keyUnder(sibling),
		prefix[:len(prefix)-1] + ".png",                         // a key the prefix extends
		"aud/" + prefix[len("img/"):] + randomPart(16) + ".mp3", // same random part, other folder
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	write := func(key string, size int) {
		sem <- struct{}{}
		defer func() { <-sem }()
		assert.NoError(t, s.Put(t.Context(), key, "image/png", bytes.NewReader(bytes.Repeat([]byte{'b'}, size))))
	}
	for key, size := range sizes {
		wg.Go(func() { write(key, size) })
	}
	for _, key := range decoys {
		wg.Go(func() { write(key, 1) })
	}
	wg.Wait()
	require.False(t, t.Failed(), "writing the blobs to list failed")

	var got []media.BlobInfo
	require.NoError(t, s.List(t.Context(), prefix, func(b media.BlobInfo) error {
		got = append(got, b)
		return nil
	}))
	want := make([]string, 0, len(sizes))
	for key := range sizes {
		want = append(want, key)
	}
	slices.Sort(want)
	keys := make([]string, len(got))
	for i, b := range got {
		keys[i] = b.Key
	}
	require.Equal(t, want, keys, "every key under the prefix, each once, in key order, and nothing else")
	for _, b := range got {
		assert.Equal(t, int64(sizes[b.Key]), b.Size, "size of %s", b.Key)
		requireRecent(t, b.ModTime)
		// Listings need not carry content types (S3's do not); if one is given it must be right.
		if b.ContentType != "" {
			assert.Equal(t, "image/png", b.ContentType)
		}
	}
	assert.Equal(t, []string{decoys[0]}, listKeys(t, s, sibling), "the sibling prefix lists only its own key")
}

// other returns a base32 character different from c.
func other(c byte) byte {
	if c == 'a' {
		return 'b'
	}
	return 'a'
}

func testListEmpty(t *testing.T, s media.BlobStore) {
	assert.Empty(t, listKeys(t, s, newPrefix()), "nothing was written under a fresh prefix")
}

func testListStops(t *testing.T, s media.BlobStore) {
	prefix := newPrefix()
	for range 5 {
		put(t, s, keyUnder(prefix), "image/png", []byte("x"))
	}
	errStop := errors.New("blobstoretest: stop here")
	calls := 0
	err := s.List(t.Context(), prefix, func(b media.BlobInfo) error {
		calls++
		require.True(t, strings.HasPrefix(b.Key, prefix))
		if calls == 3 {
			return errStop
		}
		return nil
	})
	require.ErrorIs(t, err, errStop, "List returns fn's error")
	assert.Equal(t, 3, calls, "List stops at fn's first error")
}
