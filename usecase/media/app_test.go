package media_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/usecase/decorator"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

var appNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// memRepo indexes items in a map; published lists the header keys of published companions. The
// writes are left to the embedded nil interface.
type memRepo struct {
	mediauc.Repository
	mu        sync.Mutex
	items     map[media.Key]media.Item
	published map[media.Key]bool
	inRoom    map[media.Key]domain.ID // a file of a room message, and a viewer in that room
	gets      int
	existing  [][]string // the keys of every Existing call
	getErr    error
	publicErr error
	existErr  error
}

func newMemRepo() *memRepo {
	return &memRepo{items: map[media.Key]media.Item{}, published: map[media.Key]bool{}}
}

func (r *memRepo) add(it media.Item) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items[it.Key] = it
}

func (r *memRepo) Get(_ context.Context, key media.Key) (media.Item, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gets++
	if r.getErr != nil {
		return media.Item{}, r.getErr
	}
	it, ok := r.items[key]
	if !ok {
		return media.Item{}, domain.E(domain.KindNotFound, "media_row_not_found", "no such row")
	}
	return it, nil
}

func (r *memRepo) InRoomOf(_ context.Context, key media.Key, viewer domain.ID) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inRoom[key] == viewer && !viewer.IsZero(), nil
}

func (r *memRepo) PublicHeader(_ context.Context, key media.Key) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.publicErr != nil {
		return false, r.publicErr
	}
	return r.published[key], nil
}

func (r *memRepo) Existing(_ context.Context, keys []string) (map[string]bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.existing = append(r.existing, slices.Clone(keys))
	if r.existErr != nil {
		return nil, r.existErr
	}
	out := map[string]bool{}
	for _, k := range keys {
		if _, ok := r.items[mustKey(k)]; ok {
			out[k] = true
		}
	}
	return out, nil
}

func mustKey(s string) media.Key {
	k, err := media.ParseKey(s)
	if err != nil {
		panic(err)
	}
	return k
}

type mediaEnv struct {
	app   *mediauc.App
	blobs *mediafake.Blobs
	repo  *memRepo
	clock *clocktest.Clock
}

func newMediaEnv(t *testing.T, obs ...decorator.Observer) *mediaEnv {
	t.Helper()
	e := &mediaEnv{blobs: mediafake.NewBlobs(), repo: newMemRepo(), clock: clocktest.New(appNow)}
	app, err := mediauc.NewApp(mediauc.Deps{Repo: e.repo, Blobs: e.blobs, Clock: e.clock}, obs...)
	require.NoError(t, err)
	e.app = app
	return e
}

// stored records a file of kind k owned by owner, with its blob, and returns its item.
func (e *mediaEnv) stored(owner domain.ID, k media.Kind, data string) media.Item {
	ct := media.PNG
	if k == media.KindAudio {
		ct = media.MP3
	}
	it := media.Item{Key: media.NewKey(ct), OwnerID: owner, CompanionID: domain.NewID(appNow), Kind: k, ContentType: ct,
		Bytes: int64(len(data)), CreatedAt: appNow}
	e.repo.add(it)
	e.blobs.Add(it.Key.String(), []byte(data), appNow)
	return it
}

// open opens key for viewer and reads it all.
func (e *mediaEnv) open(t *testing.T, viewer domain.ID, key string) (mediauc.Opened, string, error) {
	t.Helper()
	o, err := e.app.Open.Handle(context.Background(), mediauc.Open{Viewer: viewer, Key: key})
	if err != nil {
		require.Zero(t, o, "a refusal carries nothing")
		return o, "", err
	}
	require.NotNil(t, o.Body)
	defer o.Body.Close()
	data, rerr := io.ReadAll(o.Body)
	require.NoError(t, rerr)
	return o, string(data), nil
}

// requireNotFound checks that err is the one answer for everything a viewer may not see.
func requireNotFound(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, domain.KindNotFound, domain.KindOf(err), "%v", err)
}

var (
	ada   = domain.NewID(appNow)
	grace = domain.NewID(appNow)
)

func TestNewAppNeedsItsDeps(t *testing.T) {
	t.Parallel()
	full := mediauc.Deps{Repo: newMemRepo(), Blobs: mediafake.NewBlobs(), Clock: clocktest.New(appNow)}
	for _, tc := range []struct {
		name  string
		strip func(*mediauc.Deps)
	}{
		{"repo", func(d *mediauc.Deps) { d.Repo = nil }},
		{"blobs", func(d *mediauc.Deps) { d.Blobs = nil }},
		{"clock", func(d *mediauc.Deps) { d.Clock = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := full
			tc.strip(&d)
			app, err := mediauc.NewApp(d)
			require.Error(t, err)
			assert.Equal(t, domain.KindInternal, domain.KindOf(err), "a wiring mistake, not the caller's")
			assert.Nil(t, app)
		})
	}
}

func TestOpenByTheOwner(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	for _, k := range []media.Kind{media.KindPicture, media.KindAudio, media.KindHeader} {
		it := e.stored(ada, k, "bytes of "+k.String())

		o, data, err := e.open(t, ada, it.Key.String())

		require.NoError(t, err, k.String())
		assert.Equal(t, "bytes of "+k.String(), data)
		assert.Equal(t, it, o.Item)
		assert.False(t, o.Public, "%s: not published, so private", k)
	}
}

func TestOpenRefusesEveryoneButTheOwner(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	for _, k := range []media.Kind{media.KindPicture, media.KindAudio, media.KindHeader} {
		it := e.stored(ada, k, "secret")
		for _, viewer := range []struct {
			name string
			id   domain.ID
		}{{"another viewer", grace}, {"anonymous", domain.ID{}}} {
			_, _, err := e.open(t, viewer.id, it.Key.String())

			// Not "forbidden": someone else's file looks exactly like one that does not exist.
			requireNotFound(t, err)
			require.ErrorIs(t, err, media.ErrBadKey, "%s, %s", k, viewer.name)
		}
	}
	assert.Empty(t, e.blobs.Gets(), "a refused file is not even opened")
}

func TestOpenRefusesAnonymousViewersOfOwnerlessItems(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	// A row without an owner must not match the zero viewer.
	it := e.stored(domain.ID{}, media.KindPicture, "orphaned row")

	_, _, err := e.open(t, domain.ID{}, it.Key.String())

	require.ErrorIs(t, err, media.ErrBadKey)
}

// TestOpenServesARoomsFilesToThoseInIt: a picture or voice of a room's message opens for the
// people in the room (privately); a header is never a room's file.
func TestOpenServesARoomsFilesToThoseInIt(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	e.repo.mu.Lock()
	e.repo.inRoom = map[media.Key]domain.ID{}
	e.repo.mu.Unlock()
	for _, k := range []media.Kind{media.KindPicture, media.KindAudio, media.KindHeader} {
		it := e.stored(ada, k, "in the room")
		e.repo.mu.Lock()
		e.repo.inRoom[it.Key] = grace
		e.repo.mu.Unlock()
		o, data, err := e.open(t, grace, it.Key.String())
		if k == media.KindHeader {
			require.ErrorIs(t, err, media.ErrBadKey)
			continue
		}
		require.NoError(t, err, k.String())
		assert.Equal(t, "in the room", data)
		assert.False(t, o.Public)
		_, _, err = e.open(t, domain.ID{}, it.Key.String())
		require.ErrorIs(t, err, media.ErrBadKey, "anonymous")
	}
}

func TestOpenServesAPublishedHeaderToAnyone(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	it := e.stored(ada, media.KindHeader, "header")
	e.repo.published[it.Key] = true

	for _, viewer := range []domain.ID{{}, grace, ada} {
		o, data, err := e.open(t, viewer, it.Key.String())

		require.NoError(t, err)
		assert.Equal(t, "header", data)
		assert.Equal(t, it, o.Item)
		assert.True(t, o.Public, "public: caches may keep it")
	}
}

func TestOpenServesOnlyHeadersPublicly(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	// Even should the repository call a picture public, only a header image is ever anyone's.
	for _, k := range []media.Kind{media.KindPicture, media.KindAudio} {
		it := e.stored(ada, k, "private")
		e.repo.published[it.Key] = true

		_, _, err := e.open(t, grace, it.Key.String())
		require.ErrorIs(t, err, media.ErrBadKey, k.String())

		o, _, err := e.open(t, ada, it.Key.String())
		require.NoError(t, err)
		assert.False(t, o.Public, k.String())
	}
}

func TestOpenMalformedKeys(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	e.stored(ada, media.KindPicture, "x")
	for _, key := range []string{"", "img/../../etc/passwd", "img/abc.png", "doc/" + strings.Repeat("a", 26) + ".png",
		"img/" + strings.Repeat("a", 26) + ".exe", "/img/" + strings.Repeat("a", 26) + ".png"} {
		_, _, err := e.open(t, ada, key)

		require.ErrorIs(t, err, media.ErrBadKey, "%q", key)
	}
	assert.Zero(t, e.repo.gets, "a malformed key never reaches the database")
	assert.Empty(t, e.blobs.Gets())
}

func TestOpenAbsentItem(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	key := media.NewKey(media.PNG).String()
	// A blob without a row (an orphan) is not served either: the row says whose it is.
	e.blobs.Add(key, []byte("orphan"), appNow)

	_, _, err := e.open(t, ada, key)

	require.ErrorIs(t, err, media.ErrBadKey, "the repository's own not-found is not passed on")
	assert.Empty(t, e.blobs.Gets())
}

func TestOpenARowWhoseBlobIsMissing(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	it := e.stored(ada, media.KindPicture, "lost")
	require.NoError(t, e.blobs.Delete(context.Background(), it.Key.String()))

	_, _, err := e.open(t, ada, it.Key.String())

	requireNotFound(t, err)
}

func TestOpenPassesFailuresOn(t *testing.T) {
	t.Parallel()
	down := domain.E(domain.KindUnavailable, "db_down", "the database is unavailable")
	for _, tc := range []struct {
		name string
		fail func(*memRepo)
	}{
		// An outage is not "not found": the client may retry, and the operator hears of it.
		{"get", func(r *memRepo) { r.getErr = down }},
		{"public header", func(r *memRepo) { r.publicErr = down }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newMediaEnv(t)
			it := e.stored(ada, media.KindHeader, "header")
			tc.fail(e.repo)

			_, _, err := e.open(t, ada, it.Key.String())

			require.ErrorIs(t, err, down)
			assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
		})
	}
}
