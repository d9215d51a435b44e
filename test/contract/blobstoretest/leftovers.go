package blobstoretest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase/media"
)

// runLeftovers checks media.Leftovers on the stores that implement it: a blob, or what a
// finished write leaves, is never a leftover; and, when the harness can make some, leftovers are
// listed under their prefix and deleted without touching a blob.
func runLeftovers(t *testing.T, newStore func(t *testing.T) media.BlobStore, f Features) {
	tests := []struct {
		name  string
		fn    func(t *testing.T, s media.BlobStore, lo media.Leftovers, f Features)
		crash bool // needs f.Leftovers
	}{
		{"NoBlobIsALeftover", testNoBlobIsALeftover, false},
		{"AWriteLeavesNothingOnceFinished", testWriteLeavesNothing, false},
		{"CrashLeftoversAreListedAndDeleted", testCrashLeftovers, true},
	}
	for _, tc := range tests {
		if tc.crash && f.Leftovers == nil {
			continue
		}
		t.Run("Leftovers/"+tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			lo, ok := s.(media.Leftovers)
			if !ok {
				require.Nil(t, f.Leftovers, "Features.Leftovers is set but the store does not implement media.Leftovers")
				t.Skip("the store leaves nothing behind (it does not implement media.Leftovers)")
			}
			tc.fn(t, s, lo, f)
		})
	}
}

// listLeftovers returns what ListLeftovers reports under prefix.
func listLeftovers(t *testing.T, lo media.Leftovers, prefix string) []media.BlobInfo {
	t.Helper()
	var out []media.BlobInfo
	require.NoError(t, lo.ListLeftovers(t.Context(), prefix, func(b media.BlobInfo) error {
		out = append(out, b)
		return nil
	}))
	return out
}

func leftoverNames(infos []media.BlobInfo) []string {
	var names []string
	for _, b := range infos {
		names = append(names, b.Key)
	}
	return names
}

// requireJustWritten checks that a leftover's ModTime says it was written moments ago, which is
// what keeps a sweep off a write in progress.
func requireJustWritten(t *testing.T, b media.BlobInfo) {
	t.Helper()
	require.WithinDuration(t, time.Now(), b.ModTime, time.Minute, "%s was written just now", b.Key)
}

func testNoBlobIsALeftover(t *testing.T, s media.BlobStore, lo media.Leftovers, _ Features) {
	prefix := newPrefix()
	kept, replaced, deleted := keyUnder(prefix), keyUnder(prefix), keyUnder(prefix)
	put(t, s, kept, "image/png", []byte("kept"))
	put(t, s, replaced, "image/png", []byte("first"))
	put(t, s, replaced, "image/jpeg", []byte("second"))
	put(t, s, deleted, "image/png", []byte("deleted"))
	require.NoError(t, s.Delete(t.Context(), deleted))
	assert.Empty(t, listLeftovers(t, lo, prefix), "finished writes, replacements and deletes leave nothing")

	for _, key := range []string{kept, replaced} {
		err := lo.DeleteLeftover(t.Context(), key)
		require.ErrorIs(t, err, media.ErrNotLeftover, "DeleteLeftover(%q) of a blob", key)
	}
	got, info := get(t, s, kept)
	assert.Equal(t, []byte("kept"), got, "a blob survives being taken for a leftover")
	assert.Equal(t, "image/png", info.ContentType)
	got, info = get(t, s, replaced)
	assert.Equal(t, []byte("second"), got)
	assert.Equal(t, "image/jpeg", info.ContentType)

	for _, name := range []string{"/img/" + randomPart(10) + ".attrs", "img/../" + randomPart(10) + ".attrs",
		`img\` + randomPart(10) + ".attrs", "img/" + randomPart(10) + "\x00.attrs"} {
		requireKind(t, domain.KindInvalid, lo.DeleteLeftover(t.Context(), name), "DeleteLeftover(%q)", name)
		requireKind(t, domain.KindInvalid, lo.ListLeftovers(t.Context(), strings.TrimSuffix(name, ".attrs"), func(media.BlobInfo) error {
			t.Errorf("ListLeftovers(%q) called fn", name)
			return nil
		}), "ListLeftovers(%q)", name)
	}
}

func testWriteLeavesNothing(t *testing.T, s media.BlobStore, lo media.Leftovers, _ Features) {
	prefix := newPrefix()
	key := keyUnder(prefix)
	r := newBlockingReader(randomBytes(t, 32<<10), []byte("the end"))
	started := r.started
	done := make(chan error, 1)
	go func() { done <- s.Put(context.WithoutCancel(t.Context()), key, "image/png", r) }()
	released := false
	release := func() {
		if !released {
			released = true
			close(r.release)
		}
	}
	t.Cleanup(release) // never leave the Put blocked if an assertion below fails
	select {
	case <-started:
	case err := <-done:
		require.FailNow(t, "Put finished before its source did", "err: %v", err)
	case <-time.After(awaittest.Patience):
		require.FailNow(t, "Put never read the first part of its source")
	}
	// Whatever the write in progress has left so far is young: a sweep with a grace leaves it.
	for _, b := range listLeftovers(t, lo, prefix) {
		requireJustWritten(t, b)
	}
	release()
	require.NoError(t, awaittest.Recv(t, done, "Put's return"))
	assert.Empty(t, listLeftovers(t, lo, prefix), "a finished write leaves nothing")
	got, _ := get(t, s, key)
	assert.Len(t, got, 32<<10+len("the end"))
}

func testCrashLeftovers(t *testing.T, s media.BlobStore, lo media.Leftovers, f Features) {
	prefix := newPrefix()
	kept := keyUnder(prefix)
	put(t, s, kept, "image/png", []byte("kept"))
	names := f.Leftovers(t, s, prefix)
	require.GreaterOrEqual(t, len(names), 2, "the harness leaves at least two leftovers")

	listed := listLeftovers(t, lo, prefix)
	assert.ElementsMatch(t, names, leftoverNames(listed))
	for _, b := range listed {
		requireJustWritten(t, b)
		assert.True(t, strings.HasPrefix(b.Key, prefix), "%s is under %s", b.Key, prefix)
	}
	assert.Empty(t, listLeftovers(t, lo, newPrefix()), "another prefix has none of them")
	assert.Equal(t, []string{kept}, listKeys(t, s, prefix), "leftovers are not blobs")

	stop := errors.New("stop")
	calls := 0
	err := lo.ListLeftovers(t.Context(), prefix, func(media.BlobInfo) error {
		calls++
		return stop
	})
	require.ErrorIs(t, err, stop, "ListLeftovers returns fn's error")
	assert.Equal(t, 1, calls, "and stops at it")

	for _, name := range names {
		require.NoError(t, lo.DeleteLeftover(t.Context(), name), "DeleteLeftover(%q)", name)
		require.NoError(t, lo.DeleteLeftover(t.Context(), name), "DeleteLeftover(%q) again", name)
	}
	assert.Empty(t, listLeftovers(t, lo, prefix))
	got, info := get(t, s, kept)
	assert.Equal(t, []byte("kept"), got, "the blob beside the leftovers is whole")
	assert.Equal(t, "image/png", info.ContentType, "and keeps what it was stored with")
}
