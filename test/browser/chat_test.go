package browser

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// The chat page beyond the journey: a dropped connection, stopping a reply, voice, a long
// conversation, and the other pages' lists.

// cutter is a TCP proxy in front of a hub whose live connections a test can cut, as a network
// drop would: the browser's next connection goes through again.
type cutter struct {
	URL   string
	mu    sync.Mutex
	conns []net.Conn
}

func newCutter(t testing.TB, target string) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	c := &cutter{URL: "http://" + ln.Addr().String()}
	addr := strings.TrimPrefix(target, "http://")
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", addr)
			if err != nil {
				_ = in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
			go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
		}
	}()
	t.Cleanup(c.cut)
	return c
}

// cut closes every connection open through the proxy.
func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		_ = conn.Close()
	}
	c.conns = nil
}

// signedInChat signs a new account in on the page and opens the chat with a new companion (more,
// when given, adds to its profile).
func signedInChat(t testing.TB, ctx context.Context, more ...map[string]any) string {
	t.Helper()
	open(t, ctx, "/signin")
	apiSignIn(t, ctx, apiRegister(t, ctx))
	profile := map[string]any{"name": "Mira", "age": 27}
	for _, m := range more {
		for k, v := range m {
			profile[k] = v
		}
	}
	id := apiCreateCompanion(t, ctx, profile)
	open(t, ctx, "/chat/"+id)
	await(t, ctx, "the chat", `document.querySelector("[data-composer]") && document.readyState === "complete"`)
	return id
}

// apiCreateCompanion creates a companion through the API, from the page, and returns its id.
func apiCreateCompanion(t testing.TB, ctx context.Context, profile map[string]any) string {
	t.Helper()
	res := pageFetch(t, ctx, "POST", "/api/v1/companions", profile)
	require.Equal(t, 201, res.Status, res.Body)
	var created struct {
		Companion struct {
			ID string `json:"id"`
		} `json:"companion"`
	}
	res.json(t, &created)
	return created.Companion.ID
}

func send(t testing.TB, ctx context.Context, text string) {
	t.Helper()
	do(t, ctx, "send "+text, chromedp.SendKeys(chromedp.CSS("#composer-text"), text), chromedp.Click(chromedp.CSS("[data-send]")))
}

const streamingText = `(document.querySelector(".msg.streaming .text") || {}).textContent || ""`

// TestReplyResumesAfterANetworkDrop: the connection carrying the reply is cut mid-reply; the page
// says so, reconnects by itself, and the reply goes on from where it was — nothing lost, nothing
// twice.
func TestReplyResumesAfterANetworkDrop(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	model := newGatedModel(4)
	h := startHub(t, companionhub.WithModel(model))
	proxy := newCutter(t, h.URL)
	ctx := newPage(t, proxy.URL)
	signedInChat(t, ctx)

	send(t, ctx, "Tell me about your day")
	model.awaitHeld(t)
	// The model gave four words before it was held: all four are on the page.
	await(t, ctx, "the first four words", "("+streamingText+`).trim().split(/\s+/).length === 4`)
	before := eval[string](t, ctx, streamingText)
	proxy.cut()
	await(t, ctx, "the page saying the connection dropped", `document.querySelector("[data-progress]").textContent.includes("reconnecting")`)
	await(t, ctx, "the stream open again", `document.querySelector(".msg.streaming").dataset.stream === "open"`)
	require.Equal(t, before, eval[string](t, ctx, streamingText), "nothing was shown twice")
	model.release()
	await(t, ctx, "the finished reply", `!document.querySelector(".msg.streaming") && document.querySelectorAll(".msg.theirs").length === 1`)
	final := eval[string](t, ctx, `document.querySelector(".msg.theirs .text").textContent`)
	require.True(t, strings.HasPrefix(final, before), "the saved reply %q goes on from %q", final, before)
	require.Empty(t, consoleErrors(ctx))
}

// TestStopEndsAReply: Stop ends the reply being written, and the page says so.
func TestStopEndsAReply(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	model := newGatedModel(2)
	h := startHub(t, companionhub.WithModel(model))
	ctx := newPage(t, h.URL)
	signedInChat(t, ctx)
	send(t, ctx, "Tell me a very long story")
	model.awaitHeld(t)
	await(t, ctx, "the stop button", `!document.querySelector("[data-cancel]").hidden`)
	do(t, ctx, "stop", chromedp.Click(chromedp.CSS("[data-cancel]")))
	await(t, ctx, "the reply stopped", `((document.querySelector(".msg.failed") || {}).textContent || "").includes("Stopped.")`)
	require.True(t, eval[bool](t, ctx, `document.querySelector("[data-cancel]").hidden && !document.querySelector("[data-send]").disabled`),
		"the composer is ready again")
}

// TestSpokenReplyPlays: with Speak on, the reply comes with a player that has the audio.
func TestSpokenReplyPlays(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	signedInChat(t, ctx, map[string]any{"voice": map[string]any{"voice_id": "alto", "enabled": true}})
	do(t, ctx, "speak", chromedp.Click(chromedp.CSS(`[data-opt="voice"]`)))
	send(t, ctx, "Say good night")
	await(t, ctx, "the voice reply", `!document.querySelector(".msg.streaming") && document.querySelector(".msg.theirs audio")`)
	await(t, ctx, "the audio loaded", `(() => { const a = document.querySelector(".msg.theirs audio"); return a.readyState >= 1 && a.duration > 0 })()`)
}

// TestSpeakNeedsAVoice: a companion without a voice offers a way to give it one, not a toggle that
// cannot work; a picture that cannot be made says why under the reply, which is kept.
func TestSpeakNeedsAVoice(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	id := signedInChat(t, ctx)
	require.False(t, eval[bool](t, ctx, `!!document.querySelector('[data-opt="voice"]')`))
	require.Equal(t, "/companions/"+id+"/edit", eval[string](t, ctx, `new URL(document.querySelector('.toggles a').href).pathname`))
}

// TestLongConversationScrollsBack: a conversation longer than a page loads its earlier messages
// as the person scrolls up, in order, keeping their place.
func TestLongConversationScrollsBack(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHubWith(t, func(c *companionhub.Config) {
		c.RateLimits.Chat.Limit = ratelimit.Limit{Count: 1000, Period: time.Minute}
	}, companionhub.WithModel(offline.New(offline.Config{}))) // unpaced: twenty replies at once
	ctx := newPage(t, h.URL)
	id := signedInChat(t, ctx)
	const turns = 20 // 40 messages: more than the 30 a page shows
	for i := 1; i <= turns; i++ {
		res := pageFetch(t, ctx, "POST", "/api/v1/companions/"+id+"/messages", map[string]any{"text": fmt.Sprintf("message %02d", i)})
		require.Equal(t, 202, res.Status, res.Body)
		var sent struct {
			Turn struct {
				ID string `json:"id"`
			} `json:"turn"`
		}
		res.json(t, &sent)
		await(t, ctx, "turn "+sent.Turn.ID, fmt.Sprintf(`fetch("/api/v1/turns/%s").then(r => r.json()).then(b => b.turn.status === "completed")`, sent.Turn.ID))
	}
	open(t, ctx, "/chat/"+id)
	await(t, ctx, "the newest page", `document.querySelectorAll(".msg").length === 30`)
	do(t, ctx, "scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	await(t, ctx, "every message", `document.querySelectorAll(".msg").length === 40 && document.querySelector("[data-older]").hidden`)
	texts := eval[[]string](t, ctx, `[...document.querySelectorAll(".msg.mine .text")].map(e => e.textContent)`)
	require.Len(t, texts, turns)
	for i, text := range texts {
		require.Equal(t, fmt.Sprintf("message %02d", i+1), text, "oldest first")
	}
}

// TestCardImportFromTheList: a character card chosen on the list page becomes a companion, whose
// profile opens for checking; a card the hub cannot read says why on the list.
func TestCardImportFromTheList(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	open(t, ctx, "/signin")
	apiSignIn(t, ctx, apiRegister(t, ctx))
	open(t, ctx, "/")
	dir := t.TempDir()
	card := filepath.Join(dir, "seraphina.json")
	require.NoError(t, os.WriteFile(card, []byte(`{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Seraphina",
		"description":"A guardian of the forest glade.","personality":"gentle","first_mes":"Welcome, traveller.","tags":["fantasy"]}}`), 0o644))
	do(t, ctx, "give the card's age", chromedp.SendKeys(chromedp.CSS("#f-card-age"), "300"))
	do(t, ctx, "choose the card", chromedp.SetUploadFiles(chromedp.CSS("#f-card"), []string{card}))
	await(t, ctx, "the imported profile", `location.pathname.endsWith("/edit") && document.querySelector("#f-name").value === "Seraphina"`)
	require.Contains(t, eval[string](t, ctx, `document.querySelector(".notice").textContent`), "Imported")

	bad := filepath.Join(dir, "broken.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"not":"a card"}`), 0o644))
	open(t, ctx, "/")
	do(t, ctx, "choose a file that is no card", chromedp.SetUploadFiles(chromedp.CSS("#f-card"), []string{bad}))
	await(t, ctx, "the reason on the list", `location.pathname === "/companions/import" && document.querySelector(".problem")`)
	require.Contains(t, eval[string](t, ctx, `document.title`), "Your companions")
}

// TestGalleryAndAccount: the gallery shows a picture, opens it and deletes it; the account page
// signs another session out and lists the account's activity.
func TestGalleryAndAccount(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	id := signedInChat(t, ctx)
	res := pageFetch(t, ctx, "POST", "/api/v1/images", map[string]any{"companion_id": id, "prompt": "a lighthouse at dusk", "width": 512, "height": 512})
	require.Equal(t, 201, res.Status, res.Body)

	open(t, ctx, "/gallery")
	await(t, ctx, "the picture", `document.querySelector("[data-gallery] img") && document.querySelector("[data-gallery] img").complete`)
	do(t, ctx, "open it", chromedp.Click(chromedp.CSS("[data-gallery] .pic-open")))
	await(t, ctx, "the lightbox", `document.querySelector("[data-lightbox]").open`)
	require.Contains(t, eval[string](t, ctx, `document.querySelector("[data-lightbox-caption]").textContent`), "a lighthouse at dusk")
	eval[bool](t, ctx, `(window.confirm = () => true, true)`)
	do(t, ctx, "delete it", chromedp.Click(chromedp.CSS("[data-lightbox-delete]")))
	await(t, ctx, "the gallery empty", `!document.querySelector("[data-gallery] li") && !document.querySelector("[data-gallery-empty]").hidden`)

	// A second session of the same account, then signed out from the account page.
	other := newPage(t, h.URL)
	open(t, other, "/signin")
	me := pageFetch(t, ctx, "GET", "/api/v1/me", nil)
	var u struct {
		User account `json:"user"`
	}
	me.json(t, &u)
	u.User.Password = password
	apiSignIn(t, other, u.User)
	open(t, ctx, "/account")
	await(t, ctx, "two sessions and the activity", `document.querySelectorAll("[data-sessions] li").length === 2 && document.querySelectorAll("[data-audit] li").length > 0`)
	// The picture drawn above is counted: today's pictures, and the last 30 days'.
	require.Equal(t, "1", eval[string](t, ctx, `[...document.querySelectorAll("[data-usage] table:first-of-type tbody tr")].find(r => r.querySelector("th").textContent === "Pictures").querySelector("td").textContent`))
	require.Contains(t, eval[string](t, ctx, `document.querySelector("[data-usage]").textContent`), "The last 30 days")
	do(t, ctx, "sign the other session out", chromedp.Click(chromedp.CSS("[data-revoke]")))
	await(t, ctx, "one session", `document.querySelectorAll("[data-sessions] li").length === 1`)
	require.Equal(t, 401, pageFetch(t, other, "GET", "/api/v1/me", nil).Status, "the other browser is signed out")
}
