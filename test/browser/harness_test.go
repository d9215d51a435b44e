package browser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase/llm"
)

// The viewports: a desktop window, the default of every page, and a small phone (emulatePhone).
const (
	desktopWidth, desktopHeight = 1280, 800
	phoneWidth, phoneHeight     = 360, 740
)

// pageTimeout bounds everything a test does with its page: only broken code ever reaches it.
const pageTimeout = 2 * time.Minute

// page is what the harness knows of a test's page; the context newPage returns carries it.
type page struct {
	t       testing.TB
	baseURL string
	tab     context.Context // the tab's own context: it outlives the test's timeout, for the failure's artefacts

	mu      sync.Mutex
	errors  []string
	changed chan struct{} // closed and replaced whenever an error is recorded
}

type pageKey struct{}

func pageOf(ctx context.Context) *page {
	p, ok := ctx.Value(pageKey{}).(*page)
	if !ok {
		panic("browser: not a context from newPage")
	}
	return p
}

// newPage opens a tab, in a browser context of its own (its own cookies and storage, as in a
// private window), at the desktop viewport, and returns the context to drive it with
// (chromedp.Run, chromedp.Do, and the helpers below); the context ends after pageTimeout. The tab
// is closed when t ends; if t failed, a full-page screenshot, the page's HTML and its console
// errors are left in the test's artefacts directory first. baseURL (a hub's URL) is what open's
// paths are relative to. The tab starts on about:blank.
func newPage(t testing.TB, baseURL string) context.Context {
	t.Helper()
	requireBrowser(t)
	p := &page{t: t, baseURL: strings.TrimSuffix(baseURL, "/"), changed: make(chan struct{})}
	tab, closeTab := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.record))
	t.Cleanup(closeTab)
	// The first Run opens the tab and ties its life to tab (not to the test's timeout below).
	if err := chromedp.Do(tab, chromedp.EmulateViewport(desktopWidth, desktopHeight)); err != nil {
		t.Fatalf("open a page: %v", err)
	}
	p.tab = tab
	t.Cleanup(func() {
		if t.Failed() {
			p.keepFailure()
		}
	})
	ctx, cancel := context.WithTimeout(tab, pageTimeout)
	t.Cleanup(cancel)
	return context.WithValue(ctx, pageKey{}, p)
}

// open navigates the page to path, relative to newPage's baseURL ("/", "/healthz", …), and waits
// for it to load.
func open(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	u := pageOf(ctx).baseURL + path
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
}

// emulatePhone turns the page into a small phone: a 360×740 portrait viewport, mobile (the meta
// viewport applies) and touch (pointer: coarse).
func emulatePhone(ctx context.Context) error {
	return chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, phoneHeight,
		chromedp.EmulateMobile, chromedp.EmulatePortrait, chromedp.EmulateTouch))
}

// emulateDesktop turns the page back into the 1280×800 desktop window every page starts as.
func emulateDesktop(ctx context.Context) error {
	return chromedp.Do(ctx, chromedp.EmulateViewport(desktopWidth, desktopHeight))
}

// record is the page's listener: it keeps the console's errors (console.error and failed
// console.assert calls), uncaught exceptions and unhandled rejections, and the browser's own error
// entries (failed loads, Content-Security-Policy violations). It runs on chromedp's reading
// goroutine, so it only appends.
func (p *page) record(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeError && e.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		msg = "console." + string(e.Type) + ": " + argsText(e.Args) + stackPlace(e.StackTrace)
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		if d == nil {
			return
		}
		msg = d.Text
		if d.Exception != nil {
			desc, _, _ := strings.Cut(remoteText(d.Exception), "\n    at ")
			msg += " " + desc
		}
		msg += stackPlace(d.StackTrace)
	case *log.EventEntryAdded:
		if e.Entry == nil || e.Entry.Level != log.EntryLevelError || isFaviconProbe(e.Entry) {
			return
		}
		msg = string(e.Entry.Source) + ": " + e.Entry.Text
		if e.Entry.URL != "" && !strings.Contains(e.Entry.Text, e.Entry.URL) {
			msg += " (" + e.Entry.URL + ")"
		}
	default:
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errors = append(p.errors, msg)
	close(p.changed)
	p.changed = make(chan struct{})
}

// isFaviconProbe reports whether entry is the failure of the request for /favicon.ico that
// Chromium makes, when it finishes loading, for a page that names no icon (JSON answers such as
// /healthz): not the page's doing, and racing the test's next step. An icon a page names
// (<link rel="icon">) that fails to load is still an error.
func isFaviconProbe(entry *log.Entry) bool {
	u, err := url.Parse(entry.URL)
	return entry.Source == log.EntrySourceNetwork && err == nil && u.Path == "/favicon.ico"
}

// argsText renders console arguments roughly as the console shows them.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		parts = append(parts, remoteText(a))
	}
	return strings.Join(parts, " ")
}

func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Type == runtime.RemoteObjectTypeString {
		var s string
		if json.Unmarshal([]byte(o.Value), &s) == nil {
			return s
		}
	}
	switch {
	case o.Description != "":
		return o.Description
	case o.UnserializableValue != "":
		return string(o.UnserializableValue)
	case len(o.Value) > 0:
		return string(o.Value)
	}
	return string(o.Type)
}

// stackPlace is " (url:line)" of a stack's top frame, lines counted from 1.
func stackPlace(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 || st.CallFrames[0].URL == "" {
		return ""
	}
	f := st.CallFrames[0]
	return fmt.Sprintf(" (%s:%d)", f.URL, f.LineNumber+1)
}

// consoleErrors are the page's errors so far: console.error, uncaught exceptions and unhandled
// rejections, and the browser's error entries such as failed loads and CSP violations. A healthy
// page has none.
func consoleErrors(ctx context.Context) []string {
	p := pageOf(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...)
}

// awaitConsoleError waits for a console error containing substr (see consoleErrors) and returns
// it, failing t if none comes within awaittest.Patience.
func awaitConsoleError(t testing.TB, ctx context.Context, substr string) string {
	t.Helper()
	p := pageOf(ctx)
	timer := time.NewTimer(awaittest.Patience)
	defer timer.Stop()
	for seen := 0; ; {
		p.mu.Lock()
		errs, changed := p.errors, p.changed
		p.mu.Unlock()
		for _, e := range errs[seen:] {
			if strings.Contains(e, substr) {
				return e
			}
		}
		seen = len(errs)
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("no console error containing %q came within %s; the page's errors: %q", substr, awaittest.Patience, errs)
		case <-ctx.Done():
			t.Fatalf("no console error containing %q came before the page's context ended (%v); the page's errors: %q",
				substr, ctx.Err(), errs)
		}
	}
}

// screenshot saves a full-page PNG of the page as name(.png) in the test's artefacts directory, or
// in $COMPANIONHUB_TEST_SCREENSHOTS when it is set (the documentation's screenshots), and returns
// its path.
func screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		dir = artefactsDir(t)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 is PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, strings.TrimSuffix(name, ".png")+".png")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// unsafePathChars are what a test name must not bring into a directory name ("/" of subtests is
// kept: a subtest's directory is inside its parent's).
var unsafePathChars = regexp.MustCompile(`[^A-Za-z0-9_./-]+`)

// artefactsDir is where the test's artefacts go: <root>/<TestName>/, the root being
// $COMPANIONHUB_TEST_ARTEFACTS or bin/browser-artefacts in the checkout (git ignores bin/).
func artefactsDir(t testing.TB) string {
	root := os.Getenv(artefactsEnv)
	if root == "" {
		root = filepath.Join(moduleRoot(), "bin", "browser-artefacts")
	}
	name := strings.ReplaceAll(unsafePathChars.ReplaceAllString(t.Name(), "_"), "..", "_")
	return filepath.Join(root, filepath.FromSlash(name))
}

// moduleRoot is the checkout's root: the nearest directory above the package's with a go.mod.
func moduleRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
}

// keepFailure leaves what a failed test's page showed: a full-page screenshot, the HTML and the
// console's errors. It uses the tab's own context, which the test's timeout does not end.
func (p *page) keepFailure() {
	t := p.t
	dir := artefactsDir(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("keep the failed page: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(p.tab, 15*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Logf("screenshot of the failed page: %v", err)
	} else if err := os.WriteFile(filepath.Join(dir, "failure.png"), png, 0o644); err == nil {
		t.Logf("screenshot of the failed page: %s", filepath.Join(dir, "failure.png"))
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "failure.html"), []byte(html), 0o644)
	}
	if errs := consoleErrors(context.WithValue(ctx, pageKey{}, p)); len(errs) > 0 {
		t.Logf("the page's console errors:\n  %s", strings.Join(errs, "\n  "))
	}
}

// fetched is the answer to a request the page made.
type fetched struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// json decodes the answer's body into v, failing t when it is not JSON.
func (f fetched) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(f.Body), v); err != nil {
		t.Fatalf("the answer (%d) is not the JSON expected: %v\n%s", f.Status, err, f.Body)
	}
}

// pageFetch makes the page call fetch(path) — same origin, the page's cookies, as the web UI's
// own scripts do — with body as JSON when it is not nil, and returns the answer. The page must be
// on the hub's origin (open it first).
func pageFetch(t testing.TB, ctx context.Context, method, path string, body any) fetched {
	t.Helper()
	init := map[string]any{"method": method, "credentials": "same-origin", "headers": map[string]string{"Accept": "application/json"}}
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("fetch %s %s: %v", method, path, err)
		}
		init["body"] = string(js)
		init["headers"] = map[string]string{"Accept": "application/json", "Content-Type": "application/json"}
	}
	pathJS, _ := json.Marshal(path)
	initJS, _ := json.Marshal(init)
	expr := fmt.Sprintf(`fetch(%s, %s).then(async r => ({status: r.status, body: await r.text()}))`, pathJS, initJS)
	res, err := chromedp.Run(ctx, chromedp.Evaluate[fetched](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s %s from the page: %v", method, path, err)
	}
	return res
}

// password is every test account's password (long enough, in no breach list).
const password = "saffron-harbour-lighthouse-81"

// account is a user the harness registered.
type account struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Password    string `json:"-"`
}

// apiRegister registers a fresh account through the API, from the page (which must be on the hub's
// origin), without signing in. The embedded profile allows 3 registrations a day per client address.
func apiRegister(t testing.TB, ctx context.Context) account {
	t.Helper()
	name := unique("user")
	res := pageFetch(t, ctx, "POST", "/api/v1/auth/register", map[string]string{
		"email": name + "@example.com", "username": name, "display_name": "Test " + name, "password": password})
	if res.Status != 201 {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	var out struct {
		User account `json:"user"`
	}
	res.json(t, &out)
	out.User.Password = password
	return out.User
}

// apiSignIn signs account a in through the API, from the page: the session cookie lands in the page's
// browser context, as after the sign-in form.
func apiSignIn(t testing.TB, ctx context.Context, a account) {
	t.Helper()
	res := pageFetch(t, ctx, "POST", "/api/v1/auth/login", map[string]string{"identifier": a.Username, "password": a.Password})
	if res.Status != 200 {
		t.Fatalf("sign in as %s: %d %s", a.Username, res.Status, res.Body)
	}
}

// unique is prefix with a random suffix, for names that must not collide.
func unique(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// gatedModel is the offline model with a gate in its streamed replies: a reply passes its first
// `after` pieces, then waits at the gate until the test calls release (or the call's context
// ends); a reply shorter than that waits before it ends. So a test sees a turn under way — the
// first words on the page, the stop button — for as long as it needs. Complete is not gated.
// Give it to the hub with companionhub.WithModel.
type gatedModel struct {
	llm.Model
	after int

	mu      sync.Mutex
	gate    chan struct{} // closed while the gate is open
	reached chan struct{} // closed once a reply waits at the current gate
}

var _ llm.Model = (*gatedModel)(nil)

// newGatedModel returns the offline model (unpaced) with its gate shut after `after` pieces.
func newGatedModel(after int) *gatedModel {
	m := &gatedModel{Model: offline.New(offline.Config{}), after: after}
	m.hold()
	return m
}

// hold shuts the gate again (after release); replies from now on wait at it.
func (m *gatedModel) hold() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gate != nil && !isClosed(m.gate) {
		return
	}
	m.gate, m.reached = make(chan struct{}), make(chan struct{})
}

// release opens the gate: the replies waiting at it carry on, and later ones pass, until hold.
func (m *gatedModel) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !isClosed(m.gate) {
		close(m.gate)
	}
}

// awaitHeld waits until a reply waits at the gate (shut by newGatedModel or hold), failing t if
// none does within awaittest.Patience.
func (m *gatedModel) awaitHeld(t testing.TB) {
	t.Helper()
	m.mu.Lock()
	reached := m.reached
	m.mu.Unlock()
	awaittest.Recv(t, reached, "a reply waiting at the model's gate")
}

// wait waits at the gate, if it is shut.
func (m *gatedModel) wait(ctx context.Context) error {
	m.mu.Lock()
	gate, reached := m.gate, m.reached
	if !isClosed(gate) && !isClosed(reached) {
		close(reached)
	}
	m.mu.Unlock()
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return domain.ContextError(ctx,
			domain.E(domain.KindUnavailable, "llm_cancelled", "the model call was cancelled"),
			domain.E(domain.KindUnavailable, "llm_timeout", "the model did not answer in time"))
	}
}

// Stream streams the offline model's reply, waiting at the gate after `after` pieces.
func (m *gatedModel) Stream(ctx context.Context, req llm.Request, onText func(string) error) (llm.Usage, error) {
	n, passed := 0, false
	usage, err := m.Model.Stream(ctx, req, func(piece string) error {
		if n == m.after && !passed {
			if err := m.wait(ctx); err != nil {
				return err
			}
			passed = true
		}
		n++
		return onText(piece)
	})
	if err == nil && !passed {
		err = m.wait(ctx)
	}
	return usage, err
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
