package browser

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The pages around the chat: memories, settings, the picture form, and a message edited and deleted.

// TestMemoriesPage: add, search, pin, delete and wipe what a companion remembers.
func TestMemoriesPage(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	id := signedInChat(t, ctx)
	open(t, ctx, "/companions/"+id+"/memories")
	await(t, ctx, "the empty list", `(document.querySelector("[data-memory-list] .empty") || {}).textContent === "Nothing remembered yet."`)
	for _, m := range []string{"Ada sails on Sundays", "Ada's cat is called Pixel"} {
		do(t, ctx, "add "+m, chromedp.SendKeys(chromedp.CSS("#memory-new"), m), chromedp.KeyEvent("\r"))
		await(t, ctx, m, `[...document.querySelectorAll(".memory-text")].some(e => e.textContent === `+js(m)+`)`)
	}
	do(t, ctx, "search", chromedp.SendKeys(chromedp.CSS("#memory-q"), "cat"), chromedp.KeyEvent("\r"))
	await(t, ctx, "one match", `document.querySelectorAll(".memory").length === 1 && document.querySelector(".memory-text").textContent.includes("Pixel")`)
	do(t, ctx, "pin it", chromedp.Click(chromedp.CSS(`.memory [aria-pressed="false"]`)))
	await(t, ctx, "pinned", `!!document.querySelector('.memory [aria-pressed="true"]')`)
	require.Contains(t, pageFetch(t, ctx, "GET", "/api/v1/companions/"+id+"/memories?pinned=true", nil).Body, "Pixel")

	eval[bool](t, ctx, `(window.confirm = () => true, true)`)
	do(t, ctx, "delete it", chromedp.Click(chromedp.CSS(`.memory .tools button:last-child`)))
	await(t, ctx, "gone", `!document.querySelector(".memory")`)
	do(t, ctx, "clear the search", chromedp.Evaluate[chromedp.Void](`document.querySelector("#memory-q").value = ""`),
		chromedp.Click(chromedp.CSS(`[data-memory-search] button`)))
	await(t, ctx, "the other memory", `document.querySelectorAll(".memory").length === 1`)
	do(t, ctx, "wipe", chromedp.Click(chromedp.CSS("[data-memory-wipe]")))
	await(t, ctx, "nothing remembered", `!document.querySelector(".memory") && !!document.querySelector("[data-memory-list] .empty")`)
}

// TestSettingsPage: a companion's settings are shown, changed and kept.
func TestSettingsPage(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	id := signedInChat(t, ctx)
	open(t, ctx, "/companions/"+id+"/settings")
	await(t, ctx, "the settings", `document.querySelectorAll("[data-settings] input[type=checkbox]").length === 4`)
	require.True(t, eval[bool](t, ctx, `document.querySelector("#s-memory").checked`), "memory is on by default")
	do(t, ctx, "turn automatic pictures on", chromedp.Click(chromedp.CSS("#s-auto_image")),
		chromedp.Click(chromedp.CSS(`[data-settings] button[type=submit]`)))
	await(t, ctx, "saved", `!document.querySelector("[data-settings-saved]").hidden`)
	open(t, ctx, "/companions/"+id+"/settings")
	await(t, ctx, "the setting kept", `document.querySelector("#s-auto_image") && document.querySelector("#s-auto_image").checked`)
}

// TestPictureForm: the standalone generator draws a picture; a request the backend refuses says why.
func TestPictureForm(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	id := signedInChat(t, ctx)
	open(t, ctx, "/pictures/new?companion="+id)
	require.Equal(t, id, eval[string](t, ctx, `document.querySelector("#f-companion_id").value`))
	do(t, ctx, "describe it", chromedp.SendKeys(chromedp.CSS("#f-prompt"), "on a sailing boat at sunset"),
		chromedp.Click(chromedp.CSS(`[data-picture-form] button[type=submit]`)))
	await(t, ctx, "the picture", `!document.querySelector("[data-picture-result]").hidden && document.querySelector("[data-picture-result] img").complete && document.querySelector("[data-picture-result] img").naturalWidth > 0`)
	require.Contains(t, eval[string](t, ctx, `document.querySelector("[data-picture-result] figcaption").textContent`), "768×1024")

	do(t, ctx, "a size the backend refuses", chromedp.Evaluate[chromedp.Void](`document.querySelector("#f-width").value = "300"`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("[data-picture-form]").noValidate = true`),
		chromedp.Click(chromedp.CSS(`[data-picture-form] button[type=submit]`)))
	await(t, ctx, "the reason", `!document.querySelector("[data-picture-error]").hidden && document.querySelector("[data-picture-error]").textContent.includes("width")`)
}

// TestEditAndDeleteMessages: a message is corrected in place; deleting it takes its reply along.
func TestEditAndDeleteMessages(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	ctx := newPage(t, h.URL)
	signedInChat(t, ctx)
	send(t, ctx, "Helo there")
	await(t, ctx, "the reply", `!document.querySelector(".msg.streaming") && document.querySelectorAll(".msg.theirs").length === 1`)
	do(t, ctx, "edit my message", chromedp.Click(chromedp.CSS(".msg.mine [data-edit]")))
	clear(t, ctx, ".msg.mine textarea.edit")
	do(t, ctx, "correct it", chromedp.SendKeys(chromedp.CSS(".msg.mine textarea.edit"), "Hello there"),
		chromedp.Click(chromedp.CSS(".msg.mine .editing .primary")))
	await(t, ctx, "the corrected message", `(document.querySelector(".msg.mine .text") || {}).textContent === "Hello there"`)
	eval[bool](t, ctx, `(window.confirm = () => true, true)`)
	do(t, ctx, "delete it", chromedp.Click(chromedp.CSS(".msg.mine [data-delete]")))
	await(t, ctx, "an empty conversation", `document.querySelectorAll(".msg").length === 0`)
}
