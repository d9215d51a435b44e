package browser

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestCommunity: one person publishes from the edit page; another finds it by search and filter,
// rates it and makes it their own; a visitor without an account sees it too.
func TestCommunity(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHub(t)
	author := newPage(t, h.URL)
	open(t, author, "/signin")
	apiSignIn(t, author, apiRegister(t, author))
	id := apiCreateCompanion(t, author, map[string]any{"name": "Seraphina", "age": 300,
		"persona": map[string]any{"description": "Keeper of the forest glade", "occupation": "Warden", "interests": []string{"Herbs"}}})
	open(t, author, "/companions/"+id+"/edit")
	do(t, author, "confirm adulthood", chromedp.Click(chromedp.CSS(`.publish button[type=submit]`)))
	await(t, author, "the publish form", `location.pathname.endsWith("/edit") && !!document.querySelector("#f-allow_card_export")`)
	do(t, author, "publish", chromedp.Click(chromedp.CSS("#f-allow_card_export")), chromedp.Click(chromedp.CSS(`.publish button[type=submit]`)))
	await(t, author, "published", `(document.querySelector(".notice") || {}).textContent && document.querySelector(".notice").textContent.startsWith("Published")`)

	reader := newPage(t, h.URL)
	open(t, reader, "/community")
	do(t, reader, "search", chromedp.SendKeys(chromedp.CSS("#f-q"), "glade"), chromedp.SendKeys(chromedp.CSS("#f-interest"), "herbs"),
		chromedp.Click(chromedp.CSS(`.filters button[type=submit]`)))
	await(t, reader, "the result", `location.search.includes("q=glade") && document.querySelectorAll(".cards .card").length === 1`)
	screenshot(t, reader, "desktop-community")
	do(t, reader, "open it", chromedp.Click(chromedp.CSS(".cards .card-link")))
	await(t, reader, "its page", `location.pathname === "/community/`+id+`"`)
	require.Contains(t, eval[string](t, reader, `document.querySelector("main").textContent`), "Sign in")

	apiSignIn(t, reader, apiRegister(t, reader))
	open(t, reader, "/community/"+id)
	do(t, reader, "rate it", chromedp.SendKeys(chromedp.CSS("#f-rating"), "4"), chromedp.Click(chromedp.CSS(`.rate button[type=submit]`)))
	await(t, reader, "the rating", `document.querySelector(".stars").textContent.includes("4.0")`)
	do(t, reader, "make it my own", chromedp.Click(chromedp.CSS(`form[action$="/clone"] button`)))
	await(t, reader, "the copy's profile", `location.pathname.endsWith("/edit") && document.querySelector("#f-name").value === "Seraphina"`)
	require.NotContains(t, eval[string](t, reader, `location.pathname`), id, "a companion of its own")
	require.Empty(t, consoleErrors(reader))
	require.Empty(t, consoleErrors(author))
}
