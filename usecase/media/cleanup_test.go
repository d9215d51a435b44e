package media_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/test/fakes/observerfake"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

const cleanupGrace = time.Hour

// orphanage is a store with a bit of everything cleanup meets.
type orphanage struct {
	recorded, young, justYounger string // kept
	orphans                      []string
	orphanBytes                  int64
	foreign                      string // not media: outside the prefixes cleanup lists
}

func newOrphanage(e *mediaEnv) orphanage {
	var o orphanage
	add := func(ct media.ContentType, size int, age time.Duration) string {
		k := media.NewKey(ct).String()
		e.blobs.Add(k, make([]byte, size), appNow.Add(-age))
		return k
	}
	rec := e.stored(ada, media.KindPicture, "recorded long ago")
	e.blobs.Add(rec.Key.String(), []byte("recorded long ago"), appNow.Add(-48*time.Hour))
	o.recorded = rec.Key.String()
	// An upload in flight: its blob is stored, its row not yet.
	o.young = add(media.PNG, 11, 30*time.Minute)
	o.justYounger = add(media.WebP, 13, cleanupGrace-time.Second)
	o.orphans = []string{add(media.PNG, 10, 2*time.Hour), add(media.MP3, 7, 3*time.Hour), add(media.JPEG, 5, cleanupGrace+time.Second)}
	o.orphanBytes = 10 + 7 + 5
	o.foreign = "tmp/upload-part"
	e.blobs.Add(o.foreign, []byte("not ours"), appNow.Add(-100*time.Hour))
	return o
}

func (e *mediaEnv) cleanup(t *testing.T, in mediauc.CleanupOrphans) (mediauc.CleanupResult, error) {
	t.Helper()
	return e.app.CleanupOrphans.Handle(context.Background(), in)
}

func TestCleanupOrphansDeletesBlobsNoRowNames(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	o := newOrphanage(e)

	res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})

	require.NoError(t, err)
	assert.Equal(t, 6, res.Scanned, "every blob under the media prefixes, young or old")
	assert.Equal(t, 3, res.Orphans)
	assert.Equal(t, o.orphanBytes, res.Bytes)
	assert.Positive(t, res.Duration)
	assert.ElementsMatch(t, o.orphans, e.blobs.Deleted())
	for _, k := range []string{o.recorded, o.young, o.justYounger, o.foreign} {
		assert.True(t, e.blobs.Has(k), "%s kept", k)
	}
}

func TestCleanupOrphansAsksOnlyAboutBlobsOlderThanGrace(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	o := newOrphanage(e)

	_, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})

	require.NoError(t, err)
	require.Len(t, e.repo.existing, 1)
	assert.ElementsMatch(t, append([]string{o.recorded}, o.orphans...), e.repo.existing[0])
}

func TestCleanupOrphansDryRunDeletesNothing(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	o := newOrphanage(e)

	res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace, DryRun: true})

	require.NoError(t, err)
	assert.Empty(t, e.blobs.Deleted())
	for _, k := range o.orphans {
		assert.True(t, e.blobs.Has(k))
	}
	// The report is what a real run would do.
	assert.Equal(t, 6, res.Scanned)
	assert.Equal(t, 3, res.Orphans)
	assert.Equal(t, o.orphanBytes, res.Bytes)

	res, err = e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})
	require.NoError(t, err)
	assert.Equal(t, 3, res.Orphans, "the dry run left them for the real one")
}

func TestCleanupOrphansGraceFollowsTheClock(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	o := newOrphanage(e)
	_, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})
	require.NoError(t, err)

	// The upload that was in flight never recorded its row: an hour later it is an orphan too.
	e.clock.Advance(time.Hour)
	res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})

	require.NoError(t, err)
	assert.Equal(t, 2, res.Orphans)
	assert.Equal(t, int64(11+13), res.Bytes)
	assert.False(t, e.blobs.Has(o.young))
	assert.False(t, e.blobs.Has(o.justYounger))
	assert.True(t, e.blobs.Has(o.recorded), "a recorded file is never an orphan, however old")
}

func TestCleanupOrphansRefusesAShortGrace(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	newOrphanage(e)

	for _, g := range []time.Duration{0, -time.Hour, mediauc.MinOrphanGrace - time.Nanosecond} {
		res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: g})

		require.Error(t, err, g)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
		require.Len(t, domain.Violations(err), 1)
		assert.Equal(t, "grace", domain.Violations(err)[0].Field)
		assert.Zero(t, res)
	}
	assert.Empty(t, e.blobs.Deleted())
	assert.Empty(t, e.repo.existing, "nothing was even looked at")

	_, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: mediauc.MinOrphanGrace, DryRun: true})
	require.NoError(t, err, "the minimum itself is allowed")
}

func TestCleanupOrphansReportsProgressPerBatch(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	const n = 1201
	for range n {
		e.blobs.Add(media.NewKey(media.PNG).String(), []byte("x"), appNow.Add(-2*time.Hour))
	}
	type step struct{ done, total int }
	var progress []step

	res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace, DryRun: true,
		Progress: func(done, total int) { progress = append(progress, step{done, total}) }})

	require.NoError(t, err)
	assert.Equal(t, n, res.Orphans)
	assert.Equal(t, []step{{500, n}, {1000, n}, {n, n}}, progress)
	// Existence is asked in batches a database query can take, covering each blob once.
	var asked []string
	for _, batch := range e.repo.existing {
		assert.LessOrEqual(t, len(batch), 500)
		asked = append(asked, batch...)
	}
	assert.Len(t, asked, n)
	slices.Sort(asked)
	assert.Len(t, slices.Compact(asked), n)
}

func TestCleanupOrphansWithAFailedDelete(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	o := newOrphanage(e)
	stuck := slices.Sorted(slices.Values(o.orphans))[1]
	denied := domain.Errorf(domain.KindUnavailable, "bucket refused")
	e.blobs.FailDelete = func(key string) error {
		if key == stuck {
			return denied
		}
		return nil
	}

	res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})

	require.ErrorIs(t, err, denied, "the operator learns cleanup did not finish")
	assert.True(t, e.blobs.Has(stuck))
	// What is reported was done: no blob counted as deleted is still there, none deleted goes
	// uncounted.
	deleted := e.blobs.Deleted()
	assert.NotContains(t, deleted, stuck)
	assert.Equal(t, len(deleted), res.Orphans)
	var bytes int64
	for _, k := range deleted {
		require.Contains(t, o.orphans, k, "only orphans are deleted")
		bytes += map[string]int64{o.orphans[0]: 10, o.orphans[1]: 7, o.orphans[2]: 5}[k]
	}
	assert.Equal(t, bytes, res.Bytes)
	assert.Equal(t, 6, res.Scanned)
}

func TestCleanupOrphansPassesFailuresOn(t *testing.T) {
	t.Parallel()
	down := domain.E(domain.KindUnavailable, "down", "unavailable")
	for _, tc := range []struct {
		name string
		fail func(*mediaEnv)
	}{
		{"list", func(e *mediaEnv) { e.blobs.ListErr = down }},
		// Without an answer nothing is known to be an orphan.
		{"existing", func(e *mediaEnv) { e.repo.existErr = down }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newMediaEnv(t)
			newOrphanage(e)
			tc.fail(e)

			res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})

			require.ErrorIs(t, err, down)
			assert.Zero(t, res.Orphans)
			assert.Empty(t, e.blobs.Deleted())
		})
	}
}

func TestMediaUseCasesAreObserved(t *testing.T) {
	t.Parallel()
	obs := &observerfake.Observer{}
	e := newMediaEnv(t, obs)
	it := e.stored(ada, media.KindPicture, "x")

	_, _, err := e.open(t, ada, it.Key.String())
	require.NoError(t, err)
	_, err = e.app.Open.Handle(context.Background(), mediauc.Open{Viewer: grace, Key: it.Key.String()})
	require.Error(t, err)
	_, err = e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})
	require.NoError(t, err)

	assert.Equal(t, []string{"media.open", "media.open", "media.cleanup_orphans"}, obs.Names())
	require.Len(t, obs.Errs(), 3)
	assert.NoError(t, obs.Errs()[0])
	assert.True(t, errors.Is(obs.Errs()[1], media.ErrBadKey))
	assert.NoError(t, obs.Errs()[2])
}

// crashSite is a store that crashes left files of its own in, beside an orphanage.
type crashSite struct {
	orphanage
	stale      []string // past the grace: swept
	staleBytes int64
	young      []string // a write in progress, or one that just stopped: kept
	elsewhere  string   // outside the media prefixes: kept
}

func newCrashedEnv(t *testing.T) (*mediaEnv, *mediafake.Crashed) {
	t.Helper()
	c := mediafake.NewCrashed()
	e := &mediaEnv{blobs: c.Blobs, repo: newMemRepo(), clock: clocktest.New(appNow)}
	app, err := mediauc.NewApp(mediauc.Deps{Repo: e.repo, Blobs: c, Clock: e.clock})
	require.NoError(t, err)
	e.app = app
	return e, c
}

func newCrashSite(e *mediaEnv, c *mediafake.Crashed) crashSite {
	s := crashSite{orphanage: newOrphanage(e)}
	leave := func(name string, size int64, age time.Duration) string {
		c.AddLeftover(name, size, appNow.Add(-age))
		return name
	}
	s.stale = []string{
		leave("img/cut.png.18a2b3c4d5e6f708.tmp", 40, 3*time.Hour),
		leave("aud/gone.mp3.attrs", 3, cleanupGrace+time.Second),
	}
	s.staleBytes = 43
	s.young = []string{
		leave("img/writing.png.18a2b3c4d5e6f709.tmp", 4096, time.Second),
		leave("img/just.png.attrs", 2, cleanupGrace-time.Second),
	}
	s.elsewhere = leave("tmp/other.attrs", 1, 100*time.Hour)
	return s
}

func TestCleanupOrphansSweepsLeftoversPastTheGrace(t *testing.T) {
	t.Parallel()
	e, c := newCrashedEnv(t)
	s := newCrashSite(e, c)

	res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})

	require.NoError(t, err)
	assert.Equal(t, 2, res.Leftovers)
	assert.Equal(t, s.staleBytes, res.LeftoverBytes)
	assert.ElementsMatch(t, s.stale, c.DeletedLeftovers())
	assert.ElementsMatch(t, append([]string{s.elsewhere}, s.young...), c.Leftovers())
	// Orphans are what they were: leftovers are neither blobs nor orphans.
	assert.Equal(t, 6, res.Scanned)
	assert.Equal(t, 3, res.Orphans)
	assert.Equal(t, s.orphanBytes, res.Bytes)
	assert.ElementsMatch(t, s.orphans, e.blobs.Deleted())

	e.clock.Advance(time.Hour)
	res, err = e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Leftovers, "an hour later the writes that were young are leftovers too")
	assert.Equal(t, []string{s.elsewhere}, c.Leftovers(), "only what lies outside the media prefixes stays")
}

func TestCleanupOrphansDryRunCountsLeftovers(t *testing.T) {
	t.Parallel()
	e, c := newCrashedEnv(t)
	s := newCrashSite(e, c)

	res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace, DryRun: true})

	require.NoError(t, err)
	assert.Equal(t, 2, res.Leftovers)
	assert.Equal(t, s.staleBytes, res.LeftoverBytes)
	assert.Empty(t, c.DeletedLeftovers())
	assert.Len(t, c.Leftovers(), 5)
}

// A leftover that turns out to belong to a blob when it is deleted (the store says so) is
// skipped and not counted; the sweep goes on.
func TestCleanupOrphansSkipsWhatIsNoLeftoverAfterAll(t *testing.T) {
	t.Parallel()
	e, c := newCrashedEnv(t)
	s := newCrashSite(e, c)
	c.FailDeleteLeftover = func(name string) error {
		if name == s.stale[0] {
			return mediauc.ErrNotLeftover
		}
		return nil
	}

	res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})

	require.NoError(t, err)
	assert.Equal(t, 1, res.Leftovers)
	assert.Equal(t, int64(3), res.LeftoverBytes)
	assert.Equal(t, []string{s.stale[1]}, c.DeletedLeftovers())
}

func TestCleanupOrphansPassesLeftoverFailuresOn(t *testing.T) {
	t.Parallel()
	down := domain.E(domain.KindUnavailable, "down", "unavailable")
	for _, tc := range []struct {
		name string
		fail func(*mediafake.Crashed)
	}{
		{"list", func(c *mediafake.Crashed) { c.ListLeftoversErr = down }},
		{"delete", func(c *mediafake.Crashed) { c.FailDeleteLeftover = func(string) error { return down } }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, c := newCrashedEnv(t)
			s := newCrashSite(e, c)
			tc.fail(c)

			res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})

			require.ErrorIs(t, err, down)
			assert.Zero(t, res.Leftovers)
			assert.Empty(t, c.DeletedLeftovers())
			assert.Equal(t, 3, res.Orphans, "the orphans, swept first, are reported")
			assert.ElementsMatch(t, s.orphans, e.blobs.Deleted())
		})
	}
}

func TestCleanupOrphansOnAStoreWithoutLeftovers(t *testing.T) {
	t.Parallel()
	e := newMediaEnv(t)
	newOrphanage(e)

	res, err := e.cleanup(t, mediauc.CleanupOrphans{Grace: cleanupGrace})

	require.NoError(t, err)
	assert.Equal(t, 3, res.Orphans)
	assert.Zero(t, res.Leftovers)
	assert.Zero(t, res.LeftoverBytes)
}
