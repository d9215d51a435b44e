package browser

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase/llm"
)

// The harness's own tests: that it drives a hub from a real browser, keeps pages apart, collects
// their errors and takes their pictures — whatever the web UI looks like.

func TestHarnessDrivesTheHubsAPI(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)

	open(t, ctx, "/healthz")
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	require.NoError(t, err)
	assert.Contains(t, body, `"status":"ok"`, "the page shows what /healthz answers")

	res := pageFetch(t, ctx, "POST", "/api/v1/auth/register", map[string]string{
		"email": "mia@example.com", "username": "mia", "display_name": "Mia", "password": password})
	require.Equal(t, 201, res.Status, "a same-origin JSON fetch from the page registers: %s", res.Body)
	var out struct {
		User account `json:"user"`
	}
	res.json(t, &out)
	assert.Equal(t, "mia", out.User.Username)
	assert.Empty(t, consoleErrors(ctx))
}

func TestHarnessKeepsPagesApart(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	signedIn, other := newPage(t, h.URL), newPage(t, h.URL)
	open(t, signedIn, "/healthz")
	open(t, other, "/healthz")

	apiSignIn(t, signedIn, apiRegister(t, signedIn))

	assert.Equal(t, 200, pageFetch(t, signedIn, "GET", "/api/v1/me", nil).Status, "the session cookie was kept")
	assert.Equal(t, 401, pageFetch(t, other, "GET", "/api/v1/me", nil).Status,
		"another page of the same browser does not share the first one's cookies")
}

func TestHarnessCollectsThePagesErrors(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	open(t, ctx, "/healthz")
	require.Empty(t, consoleErrors(ctx))

	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`
		console.log("not an error");
		console.error("something broke", 42);
		setTimeout(() => { throw new Error("thrown and never caught") });
		Promise.reject(new Error("rejected and never handled"));
		// The hub's Content-Security-Policy allows no inline script.
		const s = document.createElement("script");
		s.textContent = "window.inlineRan = true";
		document.head.append(s);
	`)))

	assert.Equal(t, "console.error: something broke 42", awaitConsoleError(t, ctx, "something broke"))
	assert.Contains(t, awaitConsoleError(t, ctx, "thrown and never caught"), "Uncaught")
	assert.Contains(t, awaitConsoleError(t, ctx, "rejected and never handled"), "Uncaught (in promise)")
	assert.Contains(t, awaitConsoleError(t, ctx, "Content Security Policy"), "inline script")
	for _, e := range consoleErrors(ctx) {
		assert.NotContains(t, e, "not an error")
	}
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.inlineRan === true`))
	require.NoError(t, err)
	assert.False(t, ran, "the inline script was refused")
}

func TestHarnessEmulatesAPhoneAndTakesScreenshots(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	open(t, ctx, "/healthz")

	width := func() int {
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.innerWidth`))
		require.NoError(t, err)
		return w
	}
	assert.Equal(t, desktopWidth, width())
	require.NoError(t, emulatePhone(ctx))
	screenWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`screen.width`))
	require.NoError(t, err)
	assert.Equal(t, phoneWidth, screenWidth)
	// A mobile browser lays out a page without a meta viewport 980 pixels wide, as phones do: the
	// web UI's pages must declare one to be laid out at the phone's width.
	assert.Equal(t, 980, width())
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`
		const meta = document.createElement("meta");
		meta.name = "viewport";
		meta.content = "width=device-width, initial-scale=1";
		document.head.append(meta);
	`)))
	assert.Equal(t, phoneWidth, width())
	touch, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`matchMedia("(pointer: coarse)").matches`))
	require.NoError(t, err)
	assert.True(t, touch, "a phone has a touch screen")

	path := screenshot(t, ctx, "phone")
	png, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "a PNG")

	require.NoError(t, emulateDesktop(ctx))
	assert.Equal(t, desktopWidth, width())
}

// request is a conversation the offline model answers with a reply of some twenty words.
var request = llm.Request{Messages: []llm.Message{
	{Role: llm.System, Content: "You are Mia, a friendly barista."},
	{Role: llm.User, Content: "How was your day?"},
}}

// streamed runs m.Stream on a goroutine of its own, handing its pieces over as they come and then
// its outcome.
func streamed(ctx context.Context, m llm.Model) (<-chan string, <-chan error) {
	pieces, done := make(chan string, 1000), make(chan error, 1)
	go func() {
		_, err := m.Stream(ctx, request, func(p string) error {
			pieces <- p
			return nil
		})
		close(pieces)
		done <- err
	}()
	return pieces, done
}

func TestGatedModelHoldsRepliesUntilReleased(t *testing.T) {
	t.Parallel()
	whole, _, err := newGatedModel(0).Complete(context.Background(), request)
	require.NoError(t, err, "Complete is not gated")
	require.Greater(t, len(strings.Fields(whole)), 5)

	m := newGatedModel(3)
	pieces, done := streamed(context.Background(), m)
	got := ""
	for range 3 {
		got += awaittest.Recv(t, pieces, "one of the first three pieces")
	}
	m.awaitHeld(t)
	select {
	case p := <-pieces:
		t.Fatalf("a fourth piece passed the shut gate: %q", p)
	case err := <-done:
		t.Fatalf("the reply ended at the shut gate: %v", err)
	default:
	}

	m.release()
	require.NoError(t, awaittest.Recv(t, done, "the released reply's end"))
	for p := range pieces {
		got += p
	}
	assert.Equal(t, whole, got, "the whole reply, in order")

	pieces, done = streamed(context.Background(), m)
	assert.Equal(t, len(strings.Fields(whole)), awaittest.Closed(t, pieces, "an open gate's reply"))
	require.NoError(t, awaittest.Recv(t, done, "an open gate's reply's end"))
}

func TestGatedModelHoldsAgainAndGivesUpWithItsContext(t *testing.T) {
	t.Parallel()
	m := newGatedModel(1)
	m.release()
	m.hold()

	ctx, cancel := context.WithCancel(context.Background())
	pieces, done := streamed(ctx, m)
	awaittest.Recv(t, pieces, "the first piece")
	m.awaitHeld(t)
	cancel()
	err := awaittest.Recv(t, done, "the cancelled reply's end")
	require.Error(t, err)
	assert.True(t, domain.IsKind(err, domain.KindUnavailable), "a cancelled model call, as the offline model's: %v", err)
	assert.Zero(t, awaittest.Closed(t, pieces, "the cancelled reply"), "nothing passed the gate")

	assert.ErrorIs(t, err, context.Canceled)
}

func TestGatedModelHoldsAShortReplyBeforeItEnds(t *testing.T) {
	t.Parallel()
	whole, _, err := newGatedModel(0).Complete(context.Background(), request)
	require.NoError(t, err)
	m := newGatedModel(1000)

	pieces, done := streamed(context.Background(), m)
	m.awaitHeld(t)
	assert.Len(t, pieces, len(strings.Fields(whole)), "every piece passed; the end waits at the gate")
	select {
	case err := <-done:
		t.Fatalf("the reply ended at the shut gate: %v", err)
	default:
	}

	m.release()
	require.NoError(t, awaittest.Recv(t, done, "the released reply's end"))
}
