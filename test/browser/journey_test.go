package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
)

// The web app, driven as a person drives it: through its pages, with the keyboard and the mouse.

// await waits until the JavaScript expression is truthy on the page (the page's context bounds
// the wait), and fails t naming what it waited for.
func await(t testing.TB, ctx context.Context, what, expr string) {
	t.Helper()
	// A page that is still being parsed may not have the elements the predicate reads yet: a
	// predicate that throws is "not yet", and only its last words are told if it never holds.
	guarded := "(() => { try { return (" + expr + "); } catch (e) { return false; } })()"
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[any](guarded))
		if err == nil {
			return
		}
		// A page that navigates while it is polled loses the poll's context: ask the new page.
		if ctx.Err() == nil && navigated(err) {
			continue
		}
		// What the predicate says now, asked even when the test's context has ended.
		now, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		last, lastErr := chromedp.Run(now, chromedp.Evaluate[any](expr))
		cancel()
		if lastErr == nil {
			lastErr = fmt.Errorf("it evaluates to %v", last)
		}
		t.Fatalf("waiting for %s (%s): %v; %v", what, expr, err, lastErr)
	}
}

// navigated reports whether err says the page changed under an evaluation.
func navigated(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context") || strings.Contains(msg, "Execution context was destroyed") ||
		strings.Contains(msg, "Inspected target navigated")
}

// eval runs a JavaScript expression on the page and returns its value.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func do(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// clear empties an input as selecting its text and deleting it would.
func clear(t testing.TB, ctx context.Context, selector string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.value = ""; e.dispatchEvent(new Event("input")); return true })()`, js(selector)))
}

// path is the page's path.
func path(t testing.TB, ctx context.Context) string {
	return eval[string](t, ctx, `location.pathname`)
}

func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// headerPicture writes a small PNG to upload as a header picture.
func headerPicture(t testing.TB) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 320))
	for y := range 320 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / 320), G: 120, B: uint8(y * 255 / 320), A: 255})
		}
	}
	p := filepath.Join(t.TempDir(), "header.png")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	return p
}

const xss = `<img src=x onerror="window.pwned=1">`

// TestJourney: sign up → create a companion with the wizard → send a message → the reply streams
// in → reload mid-reply and see it finish → ask for a picture and see it inline → regenerate and
// swipe → edit a memory → sign out.
// It runs on the embedded profile and on the production profile's stores (PostgreSQL and Redis).
func TestJourney(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		journey(t, nil)
	})
	t.Run("PostgresRedis", func(t *testing.T) {
		t.Parallel()
		containers.RequireDocker(t)
		dsn, redisURL := containers.NewPostgresDB(t, "browser", sqlstore.MigrateURL), containers.RedisURL(t)
		journey(t, func(c *companionhub.Config) {
			c.Database.URL, c.Redis.URL = secret.String(dsn), secret.String(redisURL)
		})
	})
}

func journey(t *testing.T, profile func(*companionhub.Config)) {
	model := newGatedModel(3)
	h := startHubWith(t, profile, companionhub.WithModel(model))
	ctx := newPage(t, h.URL)
	shot := func(name string) {
		if profile == nil { // the documentation's pictures come from one of the runs
			screenshot(t, ctx, name)
		}
	}

	// Sign up, with the password policy's verdict shown as the password is typed.
	open(t, ctx, "/")
	require.Equal(t, "/signin", path(t, ctx), "signed out, the hub asks to sign in")
	do(t, ctx, "go to sign-up", chromedp.Click(chromedp.CSS(`a[href="/signup"]`)))
	await(t, ctx, "the sign-up page", `location.pathname === "/signup"`)
	name := unique("ada")
	do(t, ctx, "fill in the sign-up form",
		chromedp.SendKeys(chromedp.CSS("#f-email"), name+"@example.com"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), name),
		chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Ada"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "password"))
	await(t, ctx, "a weak password's verdict", `document.querySelector("[data-strength-for]").dataset.verdict === "weak"`)
	clear(t, ctx, "#f-password")
	do(t, ctx, "choose a strong password", chromedp.SendKeys(chromedp.CSS("#f-password"), password))
	await(t, ctx, "a strong password's verdict", `document.querySelector("[data-strength-for]").dataset.verdict === "ok"`)
	shot("desktop-signup")
	do(t, ctx, "create the account", chromedp.Click(chromedp.CSS(`button[type=submit].primary`)))
	await(t, ctx, "the wizard", `location.pathname === "/companions/new" && document.querySelector("[data-next]") && !document.querySelector("[data-next]").hidden`)

	// The wizard, one step at a time.
	do(t, ctx, "persona",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Mira"),
		chromedp.SendKeys(chromedp.CSS("#f-age"), "27"),
		chromedp.SendKeys(chromedp.CSS(`[id="f-persona.personality"]`), "warm and curious"),
		chromedp.Click(chromedp.CSS("[data-next]")))
	await(t, ctx, "the appearance step", `!document.getElementById("step-appearance").hidden`)
	shot("desktop-wizard")
	do(t, ctx, "appearance",
		chromedp.SendKeys(chromedp.CSS(`[id="f-appearance.gender"]`), "female"),
		chromedp.SendKeys(chromedp.CSS(`[id="f-appearance.hair_color"]`), "auburn"),
		chromedp.Click(chromedp.CSS("[data-next]")))
	await(t, ctx, "the outfit step", `!document.getElementById("step-outfit").hidden`)
	do(t, ctx, "outfit",
		chromedp.SendKeys(chromedp.CSS(`[id="f-default_outfit"]`), "white linen shirt"),
		chromedp.Click(chromedp.CSS(`[data-add="jeans"]`)),
		chromedp.Click(chromedp.CSS("[data-next]")))
	await(t, ctx, "the voice step", `!document.getElementById("step-voice").hidden`)
	do(t, ctx, "voice",
		chromedp.SendKeys(chromedp.CSS(`[id="f-voice.voice_id"]`), "alto"),
		chromedp.Click(chromedp.CSS(`[id="f-voice.enabled"]`)),
		chromedp.Click(chromedp.CSS("[data-voice-preview]")))
	await(t, ctx, "the voice's preview", `(() => { const a = document.querySelector("[data-voice-audio]"); return !a.hidden && a.readyState >= 1 && a.duration > 0 })()`)
	do(t, ctx, "next", chromedp.Click(chromedp.CSS("[data-next]")))
	await(t, ctx, "the picture step", `!document.getElementById("step-picture").hidden`)
	do(t, ctx, "header picture", chromedp.SetUploadFiles(chromedp.CSS("#f-header"), []string{headerPicture(t)}))
	await(t, ctx, "the picture's preview", `!document.getElementById("header-preview").hidden && document.getElementById("header-preview").complete`)
	do(t, ctx, "create", chromedp.Click(chromedp.CSS("[data-submit]")))
	await(t, ctx, "the chat", `location.pathname.startsWith("/chat/") && document.querySelector("[data-composer]")`)
	companionID := strings.TrimPrefix(path(t, ctx), "/chat/")
	require.Contains(t, eval[string](t, ctx, `document.querySelector('[data-scene="outfit"]').textContent`), "white linen shirt, jeans")
	require.True(t, eval[bool](t, ctx, `!!document.querySelector(".chat-head img.avatar")`), "the header picture is shown")
	require.True(t, eval[bool](t, ctx, `!!document.querySelector('[data-opt="voice"]')`), "a companion with a voice can speak")

	// Send with Enter; the reply streams in; reload mid-reply and see it finish. The message holds
	// markup, which must be shown as text.
	do(t, ctx, "type a message", chromedp.SendKeys(chromedp.CSS("#composer-text"), "Hello Mira! "+xss))
	do(t, ctx, "send it with Enter", chromedp.KeyEvent("\r"))
	model.awaitHeld(t)
	await(t, ctx, "the first words of the reply", `(document.querySelector(".msg.streaming .text") || {}).textContent`)
	require.Equal(t, "polite", eval[string](t, ctx, `document.querySelector(".msg.streaming .text").getAttribute("aria-live")`))
	do(t, ctx, "reload mid-reply", chromedp.Reload())
	await(t, ctx, "the reply followed again after the reload", `(document.querySelector(".msg.streaming .text") || {}).textContent`)
	model.release()
	await(t, ctx, "the finished reply", `!document.querySelector(".msg.streaming") && document.querySelectorAll(".msg.theirs").length === 1 && document.querySelector(".msg.theirs .text").textContent.length > 0`)
	require.Contains(t, eval[string](t, ctx, `document.querySelector(".msg.mine .text").textContent`), xss, "markup in a message is text")
	require.False(t, eval[bool](t, ctx, `!!document.querySelector('.messages img[src="x"]') || window.pwned === 1`), "no element was made from it")

	// A picture, inline, opened in the lightbox.
	do(t, ctx, "ask for a picture",
		chromedp.Click(chromedp.CSS(`[data-opt="image"]`)),
		chromedp.SendKeys(chromedp.CSS("#composer-text"), "Send me a picture of where you are"),
		chromedp.Click(chromedp.CSS("[data-send]")))
	await(t, ctx, "the picture in the reply", `!document.querySelector(".msg.streaming") && document.querySelector(".msg.theirs:last-child .pic img") && document.querySelector(".msg.theirs:last-child .pic img").complete && document.querySelector(".msg.theirs:last-child .pic img").naturalWidth > 0`)
	do(t, ctx, "open the picture", chromedp.Click(chromedp.CSS(".msg.theirs:last-child .pic-open")))
	await(t, ctx, "the lightbox", `document.querySelector("[data-lightbox]").open`)
	shot("desktop-lightbox")
	do(t, ctx, "close the lightbox", chromedp.KeyEvent("\x1b"))
	await(t, ctx, "the lightbox closed", `!document.querySelector("[data-lightbox]").open`)

	// Regenerate, then swipe between the two replies.
	first := eval[string](t, ctx, `document.querySelector(".msg.theirs:last-child .text").textContent`)
	do(t, ctx, "uncheck the picture", chromedp.Click(chromedp.CSS(`[data-opt="image"]`)))
	do(t, ctx, "regenerate", chromedp.Click(chromedp.CSS(".msg.theirs:last-child [data-regenerate]")))
	await(t, ctx, "the second reply", `!document.querySelector(".msg.streaming") && (document.querySelector(".msg.theirs:last-child [data-swipe]") || {}).textContent === "2/2"`)
	do(t, ctx, "swipe back", chromedp.Click(chromedp.CSS(`.msg.theirs:last-child [aria-label="Previous reply"]`)))
	await(t, ctx, "the first reply again", `(document.querySelector(".msg.theirs:last-child [data-swipe]") || {}).textContent === "1/2"`)
	require.Equal(t, first, eval[string](t, ctx, `document.querySelector(".msg.theirs:last-child .text").textContent`))
	shot("desktop-chat")

	// Memories: add one, then edit it.
	open(t, ctx, "/companions/"+companionID+"/memories")
	do(t, ctx, "add a memory",
		chromedp.SendKeys(chromedp.CSS("#memory-new"), "Ada sails on Sundays"),
		chromedp.KeyEvent("\r"))
	await(t, ctx, "the memory listed", `[...document.querySelectorAll(".memory-text")].some(e => e.textContent === "Ada sails on Sundays")`)
	do(t, ctx, "edit it", chromedp.Click(chromedp.CSS("[data-memory-edit]")))
	clear(t, ctx, ".memory .editing input")
	do(t, ctx, "change its text",
		chromedp.SendKeys(chromedp.CSS(".memory .editing input"), "Ada sails on Saturdays"),
		chromedp.KeyEvent("\r"))
	await(t, ctx, "the edited memory", `[...document.querySelectorAll(".memory-text")].some(e => e.textContent === "Ada sails on Saturdays")`)
	shot("desktop-memories")
	open(t, ctx, "/")
	await(t, ctx, "the companion list", `document.querySelector(".card")`)
	shot("desktop-companions")
	res := pageFetch(t, ctx, "GET", "/api/v1/companions/"+companionID+"/memories?q=Saturdays", nil)
	require.Contains(t, res.Body, "Ada sails on Saturdays", "the edit was saved")

	// Sign out.
	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(".signout button")))
	await(t, ctx, "the sign-in page", `location.pathname === "/signin"`)
	require.Empty(t, consoleErrors(ctx), "the journey raised no error on any page")
	require.Equal(t, 401, pageFetch(t, ctx, "GET", "/api/v1/me", nil).Status, "the session ended")
}

// TestPhone: the pages fit a 360 px-wide phone — nothing wider than the screen.
func TestPhone(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	require.NoError(t, emulatePhone(ctx))
	open(t, ctx, "/signin")
	apiSignIn(t, ctx, apiRegister(t, ctx))
	id := apiCreateCompanion(t, ctx, map[string]any{"name": "Mira", "age": 27,
		"default_outfit": []string{"a very long knitted winter scarf with tassels"}, "persona": map[string]any{"description": strings.Repeat("Long words everywhere ", 20)}})
	res := pageFetch(t, ctx, "POST", "/api/v1/companions/"+id+"/messages", map[string]any{"text": "Good morning! What are you up to today?"})
	require.Equal(t, 202, res.Status, res.Body)
	for _, p := range []string{"/", "/companions/new", "/companions/" + id + "/edit", "/chat/" + id, "/companions/" + id + "/memories",
		"/companions/" + id + "/settings", "/companions/" + id + "/schedules", "/gallery", "/pictures/new", "/account", "/trash", "/community"} {
		open(t, ctx, p)
		await(t, ctx, p+" loaded", `document.readyState === "complete"`)
		wide := eval[int](t, ctx, `document.documentElement.scrollWidth`)
		require.LessOrEqualf(t, wide, phoneWidth, "%s is %d px wide on a %d px phone", p, wide, phoneWidth)
		switch p {
		case "/":
			screenshot(t, ctx, "phone-companions")
		case "/chat/" + id:
			await(t, ctx, "the conversation", `document.querySelectorAll(".msg.theirs").length === 1 && !document.querySelector(".msg.streaming")`)
			screenshot(t, ctx, "phone-chat")
			eval[bool](t, ctx, `(localStorage.setItem("theme", "dark"), true)`)
			do(t, ctx, "reload in the dark theme", chromedp.Reload())
			await(t, ctx, "the conversation", `document.querySelectorAll(".msg.theirs").length === 1 && document.documentElement.dataset.theme === "dark"`)
			screenshot(t, ctx, "phone-chat-dark")
			eval[bool](t, ctx, `(localStorage.removeItem("theme"), true)`)
			require.True(t, eval[bool](t, ctx, `(() => { const r = document.querySelector("[data-send]").getBoundingClientRect(); return r.right <= innerWidth && r.width > 0 })()`),
				"the send button is on the screen")
		}
	}
	require.Empty(t, consoleErrors(ctx))
}

// TestPagesRefuseInjectedScript: the Content-Security-Policy blocks a script injected into a page.
func TestPagesRefuseInjectedScript(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	open(t, ctx, "/signin")
	do(t, ctx, "inject an inline script", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`
		const s = document.createElement("script");
		s.textContent = %s;
		document.body.append(s);
		document.body.insertAdjacentHTML("beforeend", %s);`, js("window.injected = true"), js(xss))))
	awaitConsoleError(t, ctx, "Content Security Policy")
	require.False(t, eval[bool](t, ctx, `window.injected === true || window.pwned === 1`), "neither ran")
}
