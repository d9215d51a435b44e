package blobstoretest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	domainmedia "github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase/media"
)

var errBroken = errors.New("blobstoretest: the source broke")

// failingReader yields n bytes and then fails, like an upload cut off halfway.
type failingReader struct {
	data []byte
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, errBroken
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func testFailedPut(t *testing.T, s media.BlobStore) {
	for _, n := range []int{0, 100 << 10} { // failing at once, and after 100 KiB have gone out
		key := newKey(domainmedia.PNG)
		err := s.Put(t.Context(), key, "image/png", &failingReader{data: randomBytes(t, n)})
		require.Error(t, err, "Put must report the source's failure (after %d bytes)", n)
		requireAbsent(t, s, key)
	}
}

func testFailedOverwrite(t *testing.T, s media.BlobStore) {
	key, old := newKey(domainmedia.PNG), []byte("the blob before the failed Put")
	put(t, s, key, "image/png", old)
	err := s.Put(t.Context(), key, "image/jpeg", &failingReader{data: randomBytes(t, 64<<10)})
	require.Error(t, err)
	got, info := get(t, s, key)
	assert.Equal(t, old, got, "a failed Put leaves what was there")
	assert.Equal(t, "image/png", info.ContentType)
}

func testCancelledPut(t *testing.T, s media.BlobStore) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	key := newKey(domainmedia.PNG)
	require.Error(t, s.Put(ctx, key, "image/png", bytes.NewReader([]byte("never stored"))))
	requireAbsent(t, s, key)
}

// blockingReader hands out its first chunk, then waits for release before the rest: a Put that
// is stuck halfway, for as long as the test wants.
type blockingReader struct {
	first, rest []byte
	started     chan struct{} // closed when the first chunk has been consumed
	release     chan struct{}
}

func newBlockingReader(first, rest []byte) *blockingReader {
	return &blockingReader{first: first, rest: rest, started: make(chan struct{}), release: make(chan struct{})}
}

func (r *blockingReader) Read(p []byte) (int, error) {
	if len(r.first) > 0 {
		n := copy(p, r.first)
		r.first = r.first[n:]
		return n, nil
	}
	if r.started != nil {
		close(r.started) // the whole first chunk has been handed over (and written)
		r.started = nil
		<-r.release
	}
	if len(r.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

func testPutInFlight(t *testing.T, s media.BlobStore) {
	prefix := newPrefix()
	fresh, existing := keyUnder(prefix), keyUnder(prefix)
	put(t, s, existing, "image/png", []byte("old"))

	type inflight struct {
		key  string
		r    *blockingReader
		done chan error
	}
	var puts []inflight
	for _, key := range []string{fresh, existing} {
		p := inflight{key: key, r: newBlockingReader(randomBytes(t, 32<<10), []byte("the end")), done: make(chan error, 1)}
		started := p.r.started
		go func() { p.done <- s.Put(context.WithoutCancel(t.Context()), p.key, "image/jpeg", p.r) }()
		puts = append(puts, p)
		select {
		case <-started:
		case err := <-p.done:
			require.FailNow(t, "Put finished before its source did", "err: %v", err)
		case <-time.After(awaittest.Patience):
			require.FailNow(t, "Put never read the first part of its source")
		}
	}
	released := false
	release := func() {
		if !released {
			released = true
			for _, p := range puts {
				close(p.r.release)
			}
		}
	}
	t.Cleanup(release) // never leave a Put blocked if an assertion below fails

	requireAbsent(t, s, fresh)
	got, _ := get(t, s, existing)
	assert.Equal(t, []byte("old"), got, "an overwrite in progress leaves the old blob readable")
	assert.Equal(t, []string{existing}, listKeys(t, s, prefix), "a blob being written is not listed")

	release()
	for _, p := range puts {
		require.NoError(t, awaittest.Recv(t, p.done, "Put's return"))
		got, info := get(t, s, p.key)
		assert.Len(t, got, 32<<10+len("the end"))
		assert.Equal(t, "image/jpeg", info.ContentType)
	}
}

func testConcurrent(t *testing.T, s media.BlobStore) {
	const n = 24
	keys := make([]string, n)
	data := make([][]byte, n)
	for i := range n {
		keys[i], data[i] = newKey(domainmedia.PNG), randomBytes(t, 8<<10+i)
	}
	ctx := t.Context()
	check := func(i int) {
		rc, _, err := s.Get(ctx, keys[i])
		if !assert.NoError(t, err, "get %d", i) {
			return
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		assert.NoError(t, err)
		assert.True(t, bytes.Equal(data[i], got), "blob %d reads back what was written", i)
	}
	// First half written up front; then the second half is written while the first is read.
	var wg sync.WaitGroup
	for i := range n / 2 {
		wg.Go(func() { assert.NoError(t, s.Put(ctx, keys[i], "image/png", bytes.NewReader(data[i]))) })
	}
	wg.Wait()
	for i := range n {
		if i < n/2 {
			wg.Go(func() { check(i) })
		} else {
			wg.Go(func() { assert.NoError(t, s.Put(ctx, keys[i], "image/png", bytes.NewReader(data[i]))) })
		}
	}
	wg.Wait()
	for i := n / 2; i < n; i++ {
		wg.Go(func() { check(i) })
	}
	wg.Wait()
}

func testInvalidKeys(t *testing.T, s media.BlobStore) {
	ctx := t.Context()
	escapee := randomPart(20) + ".png"
	bad := []string{
		"",
		"/img/" + randomPart(26) + ".png",
		"img/../" + escapee,
		"..",
		`img\` + randomPart(26) + ".png",
		"img/" + randomPart(10) + "\x00.png",
	}
	for _, key := range bad {
		err := s.Put(ctx, key, "image/png", bytes.NewReader([]byte("x")))
		requireKind(t, domain.KindInvalid, err, "Put(%q)", key)
		_, _, err = s.Get(ctx, key)
		requireKind(t, domain.KindInvalid, err, "Get(%q)", key)
		_, err = s.Stat(ctx, key)
		requireKind(t, domain.KindInvalid, err, "Stat(%q)", key)
		requireKind(t, domain.KindInvalid, s.Delete(ctx, key), "Delete(%q)", key)
		_, err = s.SignedURL(ctx, key, time.Minute)
		require.Error(t, err, "SignedURL(%q)", key)
		if !errors.Is(err, media.ErrSignedURLUnsupported) {
			requireKind(t, domain.KindInvalid, err, "SignedURL(%q)", key)
		}
	}
	requireAbsent(t, s, escapee) // "img/../x" was not stored as "x"
	for _, prefix := range []string{"/img/", "img/..", `img\`, "img/\x00"} {
		err := s.List(ctx, prefix, func(media.BlobInfo) error {
			t.Errorf("List(%q) called fn", prefix)
			return nil
		})
		requireKind(t, domain.KindInvalid, err, "List(%q)", prefix)
	}
}

func testSignedURL(t *testing.T, s media.BlobStore) {
	key, data := newKey(domainmedia.PNG), randomBytes(t, 2048)
	put(t, s, key, "image/png", data)
	u, err := s.SignedURL(t.Context(), key, 5*time.Minute)
	require.NoError(t, err)
	require.NotEmpty(t, u)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	require.NoError(t, err)
	// A client with no credentials of any kind: the URL alone must grant access.
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %.200s", body)
	assert.True(t, bytes.Equal(data, body), "the URL serves the blob's bytes")
	assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
}

func testSignedURLUnsupported(t *testing.T, s media.BlobStore) {
	key := newKey(domainmedia.PNG)
	put(t, s, key, "image/png", []byte("x"))
	u, err := s.SignedURL(t.Context(), key, 5*time.Minute)
	require.ErrorIs(t, err, media.ErrSignedURLUnsupported)
	assert.Empty(t, u)
}
