package core_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// A serving hub sweeps by itself: files no row refers to and what crashes left of the local
// directory's own files go once past the grace, younger ones stay; the sweep says what it did.
func TestServingSweepsOrphansAndLeftovers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := config(t)
	cfg.Blobs.URL = secret.String(dir)
	cfg.OrphanSweepEvery = time.Second // the least allowed: the first sweep comes a second after start
	log, logs, seen := observedLogs("swept stored files")

	h, err := core.New(t.Context(), cfg, log)
	require.NoError(t, err)
	t.Cleanup(h.Close)

	old := time.Now().Add(-3 * time.Hour) // past the grace of an hour
	file := func(name string, mod time.Time) string {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o750))
		require.NoError(t, os.WriteFile(path, []byte("left"), 0o600))
		require.NoError(t, os.Chtimes(path, mod, mod))
		return path
	}
	orphan := file(media.NewKey(media.PNG).String(), old)
	cut := file(media.NewKey(media.PNG).String()+".18a2b3c4d5e6f708.tmp", old)
	sidecar := file(media.NewKey(media.MP3).String()+".attrs", old)
	young := file(media.NewKey(media.JPEG).String(), time.Now())
	writing := file(media.NewKey(media.JPEG).String()+".18a2b3c4d5e6f709.tmp", time.Now())

	ctx, stop := context.WithCancel(t.Context())
	served := serve(ctx, t, h)
	awaittest.Recv(t, seen, "the sweep's summary")
	swept := logs.FilterMessage("swept stored files").All()
	require.Len(t, swept, 1)
	fields := swept[0].ContextMap()
	assert.EqualValues(t, 1, fields[logkey.Orphans])
	assert.EqualValues(t, 2, fields[logkey.Leftovers])
	assert.EqualValues(t, 3*len("left"), fields[logkey.Bytes])
	for _, gone := range []string{orphan, cut, sidecar} {
		assert.NoFileExists(t, gone)
	}
	for _, kept := range []string{young, writing} {
		assert.FileExists(t, kept, "younger than the grace")
	}
	stop()
	require.NoError(t, awaittest.Recv(t, served, "the end of serving"), "the sweeper stops with the hub")
}

func TestOrphanSweepEveryIsValidated(t *testing.T) {
	t.Parallel()
	for _, every := range []time.Duration{-time.Hour, time.Millisecond} {
		cfg := config(t)
		cfg.OrphanSweepEvery = every
		assert.Contains(t, explain(t, cfg), "COMPANIONHUB_ORPHAN_SWEEP_EVERY", "%s", every)
	}
	cfg := config(t)
	cfg.OrphanSweepEvery = 0
	require.NoError(t, cfg.Validate(), "0 turns the sweep off")
	assert.Equal(t, 24*time.Hour, core.DefaultConfig().OrphanSweepEvery)
}

// observedLogs is a logger that keeps what it logs, and tells seen of every entry whose message
// is msg once it is kept.
func observedLogs(msg string) (log *zap.Logger, kept *observer.ObservedLogs, seen <-chan struct{}) {
	obs, kept := observer.New(zap.InfoLevel)
	tell := make(chan struct{}, 16)
	hooked := zapcore.RegisterHooks(obs, func(e zapcore.Entry) error { // runs after obs kept e
		if e.Message == msg {
			select {
			case tell <- struct{}{}:
			default:
			}
		}
		return nil
	})
	return zap.New(hooked), kept, tell
}

// serve serves h on a port of its own until ctx ends; the channel yields what Serve returned.
func serve(ctx context.Context, t *testing.T, h *core.Hub) <-chan error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- h.Serve(ctx, ln) }()
	return done
}
