// Package blobstoretest is the conformance suite of the media.BlobStore port, and of the optional
// media.Leftovers for stores that implement it: every blob store runs Run, so the memory store is
// trusted for exactly what the local directory and S3 are.
//
// Subtests run in parallel and each writes its own random keys (shaped like media keys), and each
// List test its own random prefix, so one store — one bucket — may serve them all. To exercise
// paging, run the suite against a store whose listing page is smaller than 150 keys.
package blobstoretest

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	domainmedia "github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/media"
)

// Features says what a store can do beyond the required part of the port.
type Features struct {
	// SignedURLs: SignedURL returns URLs a plain HTTP GET can fetch; without it, SignedURL must
	// return media.ErrSignedURLUnsupported.
	SignedURLs bool
	// Leftovers, for a store that implements media.Leftovers and can be made to hold some, leaves
	// under prefix (from the suite, shaped like the start of a media key) what crashes would — at
	// least two leftovers, as if they happened now — and returns their names as ListLeftovers
	// gives them. Without it, a store that implements media.Leftovers is checked only for never
	// taking a blob, or a finished write, for a leftover.
	Leftovers func(t *testing.T, s media.BlobStore, prefix string) []string
}

// Run checks that the stores newStore returns implement the semantics documented on
// media.BlobStore. newStore is called once per subtest and may return the same store each time.
func Run(t *testing.T, newStore func(t *testing.T) media.BlobStore, f Features) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s media.BlobStore)
	}{
		{"PutGetRoundTrip", testRoundTrip},
		{"StatDescribesWithoutReading", testStat},
		{"PutReplaces", testOverwrite},
		{"EmptyBlob", testEmpty},
		{"BinaryContent", testBinary},
		{"LargeBlobIsByteExact", testLarge},
		{"MissingKeyIsNotFound", testMissing},
		{"DeleteThenGetIsNotFound", testDelete},
		{"DeleteMissingIsNotAnError", testDeleteMissing},
		{"FailedPutLeavesNothing", testFailedPut},
		{"FailedPutKeepsThePreviousBlob", testFailedOverwrite},
		{"CancelledPutLeavesNothing", testCancelledPut},
		{"PutIsInvisibleUntilComplete", testPutInFlight},
		{"ListByPrefixInKeyOrderAcrossPages", testList},
		{"ListOfAnEmptyPrefix", testListEmpty},
		{"ListStopsAtFnError", testListStops},
		{"ConcurrentPutsAndGets", testConcurrent},
		{"InvalidKeysAreInvalid", testInvalidKeys},
		{"ReaderSeeksWhereItCan", testSeek},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
	runLeftovers(t, newStore, f)
	t.Run("SignedURL", func(t *testing.T) {
		t.Parallel()
		if f.SignedURLs {
			testSignedURL(t, newStore(t))
		} else {
			testSignedURLUnsupported(t, newStore(t))
		}
	})
}

// newKey draws a fresh media key, as the hub does for every stored file.
func newKey(ct domainmedia.ContentType) string { return domainmedia.NewKey(ct).String() }

// randomPart returns n random base32 characters, drawn the way media keys are.
func randomPart(n int) string {
	k := newKey(domainmedia.PNG) // "img/<26 characters>.png"
	return k[4 : 4+n]
}

// newPrefix returns a prefix no other test's keys start with, shaped like the start of a media
// key, so that List tests see only their own blobs.
func newPrefix() string { return "img/" + randomPart(10) }

// keyUnder returns a media-shaped key starting with prefix (from newPrefix).
func keyUnder(prefix string) string { return prefix + randomPart(16) + ".png" }

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func put(t *testing.T, s media.BlobStore, key, ct string, data []byte) {
	t.Helper()
	require.NoError(t, s.Put(t.Context(), key, ct, bytes.NewReader(data)), "put %s", key)
}

// get reads key fully and checks that what Get says about it matches what it yields.
func get(t *testing.T, s media.BlobStore, key string) ([]byte, media.BlobInfo) {
	t.Helper()
	rc, info, err := s.Get(t.Context(), key)
	require.NoError(t, err, "get %s", key)
	defer func() { require.NoError(t, rc.Close()) }()
	data, err := io.ReadAll(rc)
	require.NoError(t, err, "read %s", key)
	assert.Equal(t, key, info.Key)
	assert.Equal(t, int64(len(data)), info.Size, "Size matches the bytes read")
	return data, info
}

func requireKind(t *testing.T, want domain.Kind, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Equal(t, want.String(), domain.KindOf(err).String(), append([]any{"error: %v"}, err)...)
}

func requireAbsent(t *testing.T, s media.BlobStore, key string) {
	t.Helper()
	_, err := s.Stat(t.Context(), key)
	requireKind(t, domain.KindNotFound, err, "stat %s", key)
}

// requireRecent guards against zero or garbage modification times; stores differ in precision
// (S3 has seconds), so it only asks for the right neighbourhood.
func requireRecent(t *testing.T, mod time.Time) {
	t.Helper()
	require.WithinDuration(t, time.Now(), mod, time.Hour, "ModTime is when the blob was written")
}

func testRoundTrip(t *testing.T, s media.BlobStore) {
	key, data := newKey(domainmedia.PNG), randomBytes(t, 1000)
	put(t, s, key, "image/png", data)
	got, info := get(t, s, key)
	assert.Equal(t, data, got)
	assert.Equal(t, int64(1000), info.Size)
	assert.Equal(t, "image/png", info.ContentType)
	requireRecent(t, info.ModTime)
}

func testStat(t *testing.T, s media.BlobStore) {
	key, data := newKey(domainmedia.MP3), randomBytes(t, 4321)
	put(t, s, key, "audio/mpeg", data)
	info, err := s.Stat(t.Context(), key)
	require.NoError(t, err)
	assert.Equal(t, key, info.Key)
	assert.Equal(t, int64(4321), info.Size)
	assert.Equal(t, "audio/mpeg", info.ContentType)
	requireRecent(t, info.ModTime)
	_, got := get(t, s, key)
	assert.Equal(t, info.ContentType, got.ContentType, "Get and Stat agree")
	assert.Equal(t, info.Size, got.Size, "Get and Stat agree")
}

func testOverwrite(t *testing.T, s media.BlobStore) {
	key := newKey(domainmedia.JPEG)
	put(t, s, key, "image/png", []byte("the first version, somewhat longer than the second"))
	second := []byte("second")
	put(t, s, key, "image/jpeg", second)
	got, info := get(t, s, key)
	assert.Equal(t, second, got, "the second Put replaces the first, including its length")
	assert.Equal(t, "image/jpeg", info.ContentType, "the content type is replaced too")
	st, err := s.Stat(t.Context(), key)
	require.NoError(t, err)
	assert.Equal(t, int64(len(second)), st.Size)
}

func testEmpty(t *testing.T, s media.BlobStore) {
	key := newKey(domainmedia.WAV)
	put(t, s, key, "audio/wav", nil)
	got, info := get(t, s, key)
	assert.Empty(t, got)
	assert.Equal(t, int64(0), info.Size)
	assert.Equal(t, "audio/wav", info.ContentType)
}

func testBinary(t *testing.T, s media.BlobStore) {
	// Every byte value, NULs and line endings included, twice over: nothing may be treated as text.
	var data []byte
	for range 2 {
		for b := range 256 {
			data = append(data, byte(b), 0)
		}
	}
	data = append(data, "\r\n\x00\r"...)
	key := newKey(domainmedia.OGG)
	put(t, s, key, "application/octet-stream", data)
	got, info := get(t, s, key)
	assert.Equal(t, data, got)
	assert.Equal(t, "application/octet-stream", info.ContentType)
}

func testLarge(t *testing.T, s media.BlobStore) {
	key, data := newKey(domainmedia.WebP), randomBytes(t, 3<<20+17) // not a multiple of any buffer
	put(t, s, key, "image/webp", data)
	got, info := get(t, s, key)
	assert.Equal(t, int64(len(data)), info.Size)
	require.True(t, bytes.Equal(data, got), "the 3 MiB blob reads back byte for byte (got %d bytes)", len(got))
}

func testMissing(t *testing.T, s media.BlobStore) {
	key := newKey(domainmedia.PNG)
	rc, _, err := s.Get(t.Context(), key)
	requireKind(t, domain.KindNotFound, err, "get of a key never written")
	assert.Nil(t, rc)
	_, err = s.Stat(t.Context(), key)
	requireKind(t, domain.KindNotFound, err, "stat of a key never written")
}

func testDelete(t *testing.T, s media.BlobStore) {
	prefix := newPrefix()
	key, keep := keyUnder(prefix), keyUnder(prefix)
	put(t, s, key, "image/png", []byte("doomed"))
	put(t, s, keep, "image/png", []byte("kept"))
	require.NoError(t, s.Delete(t.Context(), key))
	_, _, err := s.Get(t.Context(), key)
	requireKind(t, domain.KindNotFound, err, "get after delete")
	requireAbsent(t, s, key)
	assert.Equal(t, []string{keep}, listKeys(t, s, prefix), "List no longer sees it")
	got, _ := get(t, s, keep)
	assert.Equal(t, []byte("kept"), got, "deleting one key leaves its neighbour alone")
}

func testDeleteMissing(t *testing.T, s media.BlobStore) {
	require.NoError(t, s.Delete(t.Context(), newKey(domainmedia.PNG)), "deleting a key never written")
	key := newKey(domainmedia.PNG)
	put(t, s, key, "image/png", []byte("x"))
	require.NoError(t, s.Delete(t.Context(), key))
	require.NoError(t, s.Delete(t.Context(), key), "deleting twice")
}

// testSeek reads a blob in ranges, as /media serves them, through a reader that seeks (io.Seeker:
// the port's readers may; a store whose readers do not is served whole, and this has nothing to
// check).
func testSeek(t *testing.T, s media.BlobStore) {
	key, data := newKey(domainmedia.MP3), randomBytes(t, 5000)
	put(t, s, key, "audio/mpeg", data)
	rc, _, err := s.Get(t.Context(), key)
	require.NoError(t, err)
	defer func() { require.NoError(t, rc.Close()) }()
	rs, ok := rc.(io.ReadSeeker)
	if !ok {
		return
	}
	end, err := rs.Seek(0, io.SeekEnd)
	require.NoError(t, err)
	require.Equal(t, int64(len(data)), end, "the end is the size")
	for _, at := range []int64{4000, 10, 0} {
		pos, err := rs.Seek(at, io.SeekStart)
		require.NoError(t, err)
		require.Equal(t, at, pos)
		part := make([]byte, 100)
		_, err = io.ReadFull(rs, part)
		require.NoError(t, err)
		require.Equal(t, data[at:at+100], part, "100 bytes from %d", at)
	}
	pos, err := rs.Seek(-50, io.SeekEnd)
	require.NoError(t, err)
	rest, err := io.ReadAll(rs)
	require.NoError(t, err)
	require.Equal(t, data[pos:], rest)
	require.Len(t, rest, 50)
}
