package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	domainmedia "github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase/media"
)

func listAll(t *testing.T, s *Store, prefix string) []string {
	t.Helper()
	var keys []string
	require.NoError(t, s.List(t.Context(), prefix, func(b media.BlobInfo) error {
		keys = append(keys, b.Key)
		return nil
	}))
	return keys
}

// filesUnder lists the regular files under dir, relative and slash-separated.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	}))
	return out
}

func TestLocalKeepsContentTypesAcrossReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := domainmedia.NewKey(domainmedia.WebP).String()
	s := open(t, dir)
	require.NoError(t, s.Put(t.Context(), key, "image/webp", strings.NewReader("riff")))
	assert.ElementsMatch(t, []string{key, key + ".attrs"}, filesUnder(t, dir), "the content type lives in a sidecar")

	again := open(t, dir)
	info, err := again.Stat(t.Context(), key)
	require.NoError(t, err)
	assert.Equal(t, "image/webp", info.ContentType)
	assert.Equal(t, []string{key}, listAll(t, again, "img/"), "the sidecar is not a blob")
}

func TestLocalHidesBookkeepingFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir)
	key := domainmedia.NewKey(domainmedia.PNG).String()
	require.NoError(t, s.Put(t.Context(), key, "image/png", strings.NewReader("png")))
	// What a crash halfway through a Put leaves behind, and a stray sidecar.
	for _, name := range []string{key + ".18a2b3c4d5e6f708.tmp", "img/orphan.png.attrs"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte("x"), 0o600))
	}
	assert.Equal(t, []string{key}, listAll(t, s, ""))
	assert.Equal(t, []string{key}, listAll(t, s, "img/"))
}

func TestNonPortableKeysAreInvalidEverywhere(t *testing.T) {
	t.Parallel()
	for _, url := range []string{t.TempDir(), "mem://"} {
		s := open(t, url)
		for _, key := range []string{"img/a.png.attrs", "img/a.png.18a2b3c4d5e6f708.tmp", "img/a/", "img//a.png", "img/./a.png", "./a.png", ".", "img/.", "img/a\x7f.png", "img/\xff.png"} {
			err := s.Put(t.Context(), key, "image/png", strings.NewReader("x"))
			assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "%s: Put(%q): %v", url, key, err)
		}
		// Suffixes that merely resemble them are ordinary keys.
		for _, key := range []string{"img/a.tmp", "img/a.attrs.png", "img/a.xyz.tmp", "img/.a.png"} {
			require.NoError(t, s.Put(t.Context(), key, "image/png", strings.NewReader("x")), "%s: Put(%q)", url, key)
		}
		assert.Len(t, listAll(t, s, "img/"), 4)
	}
}

// gate is a Put source that stops halfway until the test lets it go on.
type gate struct {
	first   []byte
	reached chan struct{}
	open    chan struct{}
}

func (g *gate) Read(p []byte) (int, error) {
	if len(g.first) > 0 {
		n := copy(p, g.first)
		g.first = g.first[n:]
		return n, nil
	}
	if g.reached != nil {
		close(g.reached)
		g.reached = nil
		<-g.open
	}
	return 0, io.EOF
}

// heldPut starts a Put of a new key whose source holds once it has given 4 KiB (until g.open is
// closed), and returns when the store has read that far; done receives Put's return.
func heldPut(t *testing.T, s *Store) (key string, g *gate, done <-chan error) {
	t.Helper()
	key = domainmedia.NewKey(domainmedia.PNG).String()
	g = &gate{first: bytes.Repeat([]byte("p"), 4096), reached: make(chan struct{}), open: make(chan struct{})}
	reached := g.reached
	returned := make(chan error, 1)
	go func() { returned <- s.Put(context.WithoutCancel(t.Context()), key, "image/png", g) }()
	t.Cleanup(func() {
		select { // never leave Put blocked if an assertion fails
		case <-g.open:
		default:
			close(g.open)
		}
	})
	select {
	case <-reached:
	case err := <-returned:
		require.FailNow(t, "Put finished before its source", "%v", err)
	case <-time.After(awaittest.Patience):
		require.FailNow(t, "Put never read its source to the end")
	}
	return key, g, returned
}

func TestLocalWritesTemporaryFilesBesideTheBlob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir)
	key, g, done := heldPut(t, s)
	files := filesUnder(t, dir)
	close(g.open)
	require.Len(t, files, 1, "while writing, only the temporary file exists: %v", files)
	assert.Regexp(t, `^`+regexp.QuoteMeta(key)+`\.[0-9a-f]+\.tmp$`, files[0], "it sits beside its destination, inside the store's directory")
	require.NoError(t, awaittest.Recv(t, done, "Put's return"))
	assert.ElementsMatch(t, []string{key, key + ".attrs"}, filesUnder(t, dir), "and is renamed into place")
}

func TestLocalPingNoticesAMissingDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "blobs")
	s := open(t, dir)
	require.NoError(t, os.Remove(dir))
	err := s.Ping(t.Context())
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
}

func TestPutContentTypes(t *testing.T) {
	t.Parallel()
	s := open(t, "mem://")
	key := domainmedia.NewKey(domainmedia.PNG).String()
	require.NoError(t, s.Put(t.Context(), key, "", strings.NewReader("<html>")))
	info, err := s.Stat(t.Context(), key)
	require.NoError(t, err)
	assert.Equal(t, "application/octet-stream", info.ContentType, "no sniffing: an empty type is stored as bytes")

	err = s.Put(t.Context(), key, "image/png; =", strings.NewReader("x"))
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "%v", err)
}

func TestPutSourceErrorsKeepTheirKind(t *testing.T) {
	t.Parallel()
	s := open(t, "mem://")
	tooBig := domain.E(domain.KindInvalid, "image_too_large", "the image is too large")
	plain := errors.New("connection reset by peer")
	for _, tc := range []struct {
		src  error
		want domain.Kind
	}{{tooBig, domain.KindInvalid}, {plain, domain.KindInternal}, {context.DeadlineExceeded, domain.KindUnavailable}} {
		key := domainmedia.NewKey(domainmedia.PNG).String()
		err := s.Put(t.Context(), key, "image/png", io.MultiReader(strings.NewReader("abc"), errReader{tc.src}))
		assert.Equal(t, tc.want, domain.KindOf(err), "%v", err)
		assert.ErrorIs(t, err, tc.src, "the source's error stays in the chain")
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestClosedStoreIsUnavailable(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), Config{URL: secret.String("mem://")})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = s.Stat(t.Context(), domainmedia.NewKey(domainmedia.PNG).String())
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
}

func listLeftovers(t *testing.T, s *Store, prefix string) map[string]media.BlobInfo {
	t.Helper()
	out := map[string]media.BlobInfo{}
	require.NoError(t, s.ListLeftovers(t.Context(), prefix, func(b media.BlobInfo) error {
		out[b.Key] = b
		return nil
	}))
	return out
}

// A write in progress has its temporary file listed as a leftover, written just now — which is
// why the sweep leaves young ones alone; a finished write leaves none.
func TestLocalListsTheTemporaryFileOfAWriteInProgress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir)
	key, g, done := heldPut(t, s)
	left := listLeftovers(t, s, "img/")
	close(g.open)
	require.Len(t, left, 1, "%v", left)
	for name, b := range left {
		assert.Regexp(t, `^`+regexp.QuoteMeta(key)+`\.[0-9a-f]+\.tmp$`, name)
		assert.WithinDuration(t, time.Now(), b.ModTime, time.Minute)
		assert.Equal(t, int64(4096), b.Size)
	}
	require.NoError(t, awaittest.Recv(t, done, "Put's return"))
	assert.Empty(t, listLeftovers(t, s, "img/"))
}

// Only a crash's own files are leftovers: a blob's sidecar, a link or a directory with a
// leftover's name, and files outside the prefix are not listed, and DeleteLeftover refuses the
// first two.
func TestLocalLeftoversAreOnlyWhatCrashesLeave(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir)
	key := domainmedia.NewKey(domainmedia.PNG).String()
	require.NoError(t, s.Put(t.Context(), key, "image/png", strings.NewReader("png")))
	write := func(name string) {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o750))
		require.NoError(t, os.WriteFile(path, []byte("x"), 0o600))
	}
	stale, gone := key+".18a2b3c4d5e6f708.tmp", "img/gone.png.attrs"
	write(stale)
	write(gone)
	write("aud/other.mp3.18a2b3c4d5e6f708.tmp")
	write("elsewhere/x.png.attrs")
	link := "img/link.png.18a2b3c4d5e6f709.tmp"
	require.NoError(t, os.Symlink(filepath.Join(dir, filepath.FromSlash(key)), filepath.Join(dir, filepath.FromSlash(link))))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "img", "dir.png.attrs"), 0o750))

	left := listLeftovers(t, s, "img/")
	assert.ElementsMatch(t, []string{stale, gone}, slices.Collect(maps.Keys(left)))
	assert.Len(t, listLeftovers(t, s, ""), 4, "the whole directory: the prefix's and the others'")
	assert.Empty(t, listLeftovers(t, s, "nothing/here/"), "a prefix nothing was ever stored under")

	for _, name := range []string{key + ".attrs", link, "img/dir.png.attrs", key} {
		require.ErrorIs(t, s.DeleteLeftover(t.Context(), name), media.ErrNotLeftover, "DeleteLeftover(%q)", name)
	}
	info, err := s.Stat(t.Context(), key)
	require.NoError(t, err)
	assert.Equal(t, "image/png", info.ContentType, "the blob keeps its sidecar")
	assert.FileExists(t, filepath.Join(dir, filepath.FromSlash(link)))

	// A blob stored under the key of a listed sidecar since (in theory: media keys are never
	// reused) makes the sidecar its own again.
	write("img/gone.png")
	require.ErrorIs(t, s.DeleteLeftover(t.Context(), gone), media.ErrNotLeftover)
	assert.FileExists(t, filepath.Join(dir, "img", "gone.png.attrs"))

	require.NoError(t, s.DeleteLeftover(t.Context(), stale))
	assert.NoFileExists(t, filepath.Join(dir, filepath.FromSlash(stale)))
	assert.ElementsMatch(t, []string{key, key + ".attrs", "img/gone.png", "img/gone.png.attrs", link,
		"aud/other.mp3.18a2b3c4d5e6f708.tmp", "elsewhere/x.png.attrs"}, filesUnder(t, dir))
}
