// Package browser tests the web UI as its users meet it: a real, headless Chromium, driven through
// the DevTools protocol by chromedp, against a whole Companion Hub started in the test process
// (SQLite in a temporary directory, the offline providers, a listener on 127.0.0.1:0).
//
// # The browser
//
// The tests use the first of these that is found:
//
//	$COMPANIONHUB_TEST_CHROMIUM    a program name or a path
//	chromium, chromium-browser, google-chrome, in PATH
//
// `make browser-tools` (scripts/browser-tools.sh) installs Debian's chromium when none is found.
// Without a browser every test that needs one skips, saying how to get one, except on CI (CI=true),
// where it fails (containers.Unavailable).
//
// One browser is started for the whole package, on the first test that asks for it, and stopped
// when the package's tests end. Every page (newPage) is a tab in a browser context of its own —
// cookies, storage and cache are the page's alone, as in a private window — so tests run in
// parallel without seeing each other's sessions.
//
// # Artefacts
//
// A failed test leaves a full-page screenshot, the page's HTML and its console errors in
// $COMPANIONHUB_TEST_ARTEFACTS/<TestName>/, by default bin/browser-artefacts/<TestName>/ in the
// checkout. screenshot writes there too, or, when COMPANIONHUB_TEST_SCREENSHOTS names a
// directory, there (the screenshots of the documentation).
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/containers"
)

// Environment variables of the harness.
const (
	// chromiumEnv names the browser to use, as a program in PATH or a path.
	chromiumEnv = "COMPANIONHUB_TEST_CHROMIUM"
	// artefactsEnv is where failed tests leave their screenshots (default bin/browser-artefacts).
	artefactsEnv = "COMPANIONHUB_TEST_ARTEFACTS"
	// screenshotsEnv, when set, is where screenshot writes (the documentation's screenshots).
	screenshotsEnv = "COMPANIONHUB_TEST_SCREENSHOTS"
)

// browserNames are the programs looked for in PATH, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome"}

// browserStartTimeout bounds the browser's start; a cold start on a loaded machine takes seconds.
const browserStartTimeout = time.Minute

// shared is the one browser of the package: found in TestMain, started on first use.
var shared struct {
	path    string // the browser's executable; empty when none was found
	missing string // why there is none

	once    sync.Once
	ctx     context.Context // the browser's first chromedp context; pages are its children
	err     error           // why it did not start
	stop    func()
	dataDir string
}

func TestMain(m *testing.M) {
	shared.path, shared.missing = findBrowser()
	code := containers.Run(m) // m.Run, then the package's containers (PostgreSQL, Redis) stop
	if shared.stop != nil {
		shared.stop()
	}
	os.Exit(code)
}

// findBrowser returns the browser's executable, or why there is none.
func findBrowser() (path, missing string) {
	if name := strings.TrimSpace(os.Getenv(chromiumEnv)); name != "" {
		p, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Sprintf("needs Chromium, and %s=%s is not a program that can be run: %v", chromiumEnv, name, err)
		}
		return p, ""
	}
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, ""
		}
	}
	return "", fmt.Sprintf("needs Chromium to drive the web UI, and none of %s is in PATH (nor is %s set)",
		strings.Join(browserNames, ", "), chromiumEnv)
}

// requireBrowser skips t when there is no browser (failing it on CI) and fails it when the browser
// did not start. Every test that drives the browser calls it first (newPage does too).
func requireBrowser(t testing.TB) {
	t.Helper()
	if shared.path == "" {
		containers.Unavailable(t, shared.missing,
			"run `make browser-tools` (scripts/browser-tools.sh installs Debian's chromium),\n"+
				"  or point "+chromiumEnv+" at a Chromium or Chrome, and run the tests again.")
		return
	}
	shared.once.Do(startBrowser)
	if shared.err != nil {
		t.Fatalf("the browser %s did not start: %v", shared.path, shared.err)
	}
}

// startBrowser starts the package's browser: headless, its own profile in a temporary directory,
// no sandbox only as root (where Chromium refuses to start with one).
func startBrowser() {
	dir, err := os.MkdirTemp("", "companionhub-browser-")
	if err != nil {
		shared.err = err
		return
	}
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(shared.path),
		chromedp.UserDataDir(dir),
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(desktopWidth, desktopHeight),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// The first Run on a context starts the browser and ties its life to that context: this one,
	// which ends only when TestMain stops the browser.
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop := func() {
		closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = chromedp.Cancel(closeCtx) // closes the browser gracefully…
		cancel()
		cancelBrowser()
		cancelAlloc() // …and waits for its process to end
		_ = os.RemoveAll(dir)
	}
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	timer := time.NewTimer(browserStartTimeout)
	defer timer.Stop()
	select {
	case err = <-started:
	case <-timer.C:
		err = fmt.Errorf("no answer within %s", browserStartTimeout)
	}
	if err != nil {
		stop()
		shared.err = err
		return
	}
	shared.ctx, shared.stop, shared.dataDir = ctx, stop, dir
}

// hub is a Companion Hub running in the test process, serving HTTP on a port of its own.
type hub struct {
	// URL is where it is served, such as http://127.0.0.1:41234 (no trailing slash).
	URL string
	// Hub is the hub itself, for tests that prepare state through its use cases.
	Hub *companionhub.Hub
}

// startHub starts a hub on the embedded profile (SQLite in t.TempDir(), the offline model, pictures
// and voice, in-process turns), with opts (companionhub.WithModel(newGatedModel(…)), …), and stops
// it when t ends. Its log reaches t from the warnings up.
func startHub(t testing.TB, opts ...companionhub.Option) *hub {
	t.Helper()
	return startHubWith(t, nil, opts...)
}

// startHubWith is startHub with a configuration edit applied to the test's configuration before the
// hub starts (rate limits, feature backends, …).
func startHubWith(t testing.TB, edit func(*companionhub.Config), opts ...companionhub.Option) *hub {
	t.Helper()
	cfg := companionhub.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.HTTP.Metrics.Addr = ""
	// Argon2id at its production cost is 19 MiB and tens of milliseconds a password, for nothing here.
	cfg.PasswordHash.MemoryKiB, cfg.PasswordHash.Iterations = 64, 1
	// A turn a test leaves running (a gated model never released) does not hold the stop for long.
	cfg.Runner.ShutdownGrace = time.Second
	cfg.HTTP.ShutdownTimeout = 5 * time.Second
	if edit != nil {
		edit(&cfg)
	}
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))

	listeners, err := companionhub.Listen(cfg)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	h, err := companionhub.New(context.Background(), cfg, log, opts...)
	if err != nil {
		_ = listeners.HTTP.Close()
		if listeners.Metrics != nil {
			_ = listeners.Metrics.Close()
		}
		t.Fatalf("start the hub: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.ServeListeners(ctx, listeners) }()
	t.Cleanup(func() {
		stop()
		if err := awaittest.Recv(t, served, "the hub's shutdown"); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("the hub stopped serving: %v", err)
		}
		h.Close()
	})
	return &hub{URL: "http://" + listeners.HTTP.Addr().String(), Hub: h}
}
