package browser

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub"
)

// Rooms: a group chat of companions and people, on two browsers at once.

// speakers are the names the room page's saved messages are labelled with, oldest first ("You" for
// the person's own).
func speakers(t testing.TB, ctx context.Context) []string {
	t.Helper()
	return eval[[]string](t, ctx, `[...document.querySelectorAll("[data-messages] .msg:not(.answer) .who")].map(e => e.textContent)`)
}

// answerStreaming is a predicate: an answer is being written on the page, in a bubble labelled
// name, with its first words in it.
func answerStreaming(name string) string {
	return `(() => { const b = document.querySelector("[data-messages] .msg.answer.streaming");
		return !!b && b.querySelector(".who").textContent === ` + js(name) + ` && b.querySelector(".text").textContent.trim() !== "" })()`
}

// roomReady is a predicate: the room page shows its conversation and follows the room's stream.
const roomReady = `!document.querySelector("[data-room-body]").hidden && document.querySelector(".room").dataset.stream === "open"`

// TestRoomConversation: a person makes a room with two companions on the rooms page and names one
// in a message — that one's answer streams in first, under its name, then the other's; they invite
// a second person, who joins with the code in their own browser and whose message the first sees
// live; with turn-taking set to manual, "Let Mira speak" streams Mira's answer to both (and nobody
// else may speak meanwhile); a reload shows every message once; the owner removes the guest.
func TestRoomConversation(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	model := newGatedModel(2)
	h := startHub(t, companionhub.WithModel(model))

	a := newPage(t, h.URL)
	open(t, a, "/signin")
	owner := apiRegister(t, a)
	apiSignIn(t, a, owner)
	// Mira speaks her answers: her voice comes after her saved message, on the room's stream.
	mira := apiCreateCompanion(t, a, map[string]any{"name": "Mira", "age": 27, "voice": map[string]any{"voice_id": "alto", "enabled": true}})
	res := pageFetch(t, a, "PATCH", "/api/v1/companions/"+mira+"/settings", map[string]any{"voice": true})
	require.Equal(t, 200, res.Status, res.Body)
	theo := apiCreateCompanion(t, a, map[string]any{"name": "Theo", "age": 31})

	open(t, a, "/rooms")
	await(t, a, "the list of rooms", `!document.querySelector("[data-room-list]").hasAttribute("aria-busy") && !document.querySelector("[data-room-empty]").hidden`)
	do(t, a, "make a room", chromedp.SendKeys(chromedp.CSS("#room-title"), "The Lighthouse"),
		chromedp.Click(chromedp.CSS("#room-c-"+mira)), chromedp.Click(chromedp.CSS("#room-c-"+theo)),
		chromedp.Click(chromedp.CSS("[data-room-create] button[type=submit]")))
	await(t, a, "the room", `location.pathname.startsWith("/rooms/") && `+roomReady)
	roomID := strings.TrimPrefix(path(t, a), "/rooms/")
	require.Equal(t, "The Lighthouse", eval[string](t, a, `document.querySelector("[data-room-title]").textContent`))
	require.ElementsMatch(t, []string{"Mira", "Theo"}, eval[[]string](t, a, `[...document.querySelectorAll("[data-room-companions] strong")].map(e => e.textContent)`))
	require.False(t, eval[bool](t, a, `document.querySelector("[data-owner-only]").hidden`), "the owner's controls")

	// Theo, named, answers first: his words stream into a bubble with his name, then Mira answers.
	send(t, a, "Theo, what do you make of the storm?")
	model.awaitHeld(t)
	await(t, a, "Theo's answer streaming", answerStreaming("Theo"))
	require.Equal(t, 1, eval[int](t, a, `document.querySelectorAll("[data-messages] .msg.answer").length`), "one answer at a time")
	model.release()
	await(t, a, "both answers saved", `!document.querySelector("[data-messages] .msg.answer") && document.querySelectorAll("[data-messages] .msg.companion").length === 2`)
	require.Equal(t, []string{"You", "Theo", "Mira"}, speakers(t, a))
	await(t, a, "Mira's voice", `!!document.querySelectorAll("[data-messages] .msg.companion")[1].querySelector("audio")`)
	require.False(t, eval[bool](t, a, `!!document.querySelectorAll("[data-messages] .msg.companion")[0].querySelector("audio")`), "Theo has no voice")
	require.True(t, eval[bool](t, a, `document.querySelector("[data-messages] .msg").classList.contains("mine")`), "the person's own message is told apart")

	// From now on nobody answers unless named or let speak.
	do(t, a, "manual turns", chromedp.SetValue(chromedp.CSS("#set-strategy"), "manual"),
		chromedp.Click(chromedp.CSS("[data-room-settings] button[type=submit]")))
	await(t, a, "the settings saved", `!document.querySelector("[data-settings-saved]").hidden`)

	// The owner invites; the guest joins with the code in a browser of their own.
	do(t, a, "make an invitation", chromedp.Click(chromedp.CSS("[data-invite]")))
	await(t, a, "the invitation code", `document.querySelector("[data-invite-code]").value !== ""`)
	code := eval[string](t, a, `document.querySelector("[data-invite-code]").value`)

	b := newPage(t, h.URL)
	open(t, b, "/signin")
	guest := apiRegister(t, b)
	apiSignIn(t, b, guest)
	open(t, b, "/rooms")
	await(t, b, "the list of rooms", `!document.querySelector("[data-room-list]").hasAttribute("aria-busy")`)
	do(t, b, "join", chromedp.SendKeys(chromedp.CSS("#room-code"), code), chromedp.Click(chromedp.CSS("[data-room-join] button[type=submit]")))
	await(t, b, "the room, as a member", `location.pathname === "/rooms/`+roomID+`" && `+roomReady)
	require.Equal(t, []string{owner.DisplayName, "Theo", "Mira"}, speakers(t, b))
	require.True(t, eval[bool](t, b, `document.querySelector("[data-owner-only]").hidden && !document.querySelector("[data-member-only]").hidden`),
		"a member may leave, not change the room")

	// The guest speaks: the owner's page shows it at once, and the guest among the people.
	model.hold()
	send(t, b, "Good evening, everyone")
	await(t, a, "the guest's message, live", `(() => { const m = [...document.querySelectorAll("[data-messages] .msg.person")].pop();
		return !!m && !m.classList.contains("mine") && m.querySelector(".who").textContent === `+js(guest.DisplayName)+`
			&& m.querySelector(".text").textContent === "Good evening, everyone" })()`)
	await(t, a, "the guest among the people", `document.querySelectorAll("[data-room-people] li").length === 2`)
	require.Equal(t, "Good evening, everyone", eval[string](t, b, `[...document.querySelectorAll("[data-messages] .msg.mine")].pop().querySelector(".text").textContent`))

	// Let Mira speak: her answer streams in on both pages, then is saved.
	do(t, a, "let Mira speak", chromedp.Click(chromedp.CSS(`[data-speak="`+mira+`"]`)))
	model.awaitHeld(t)
	await(t, a, "Mira's answer streaming", answerStreaming("Mira"))
	await(t, b, "Mira's answer streaming for the guest", answerStreaming("Mira"))
	// While she speaks nobody else may: the API's refusal is told in words.
	do(t, b, "let Theo speak too", chromedp.Click(chromedp.CSS(`[data-speak="`+theo+`"]`)))
	await(t, b, "the refusal", `!document.querySelector("[data-side-error]").hidden && document.querySelector("[data-side-error]").textContent.includes("answering")`)
	model.release()
	want := []string{"You", "Theo", "Mira", guest.DisplayName, "Mira"}
	await(t, a, "Mira's answer saved", `!document.querySelector("[data-messages] .msg.answer") && document.querySelectorAll("[data-messages] .msg").length === 5`)
	require.Equal(t, want, speakers(t, a))
	await(t, a, "Mira's voice again", `!!document.querySelectorAll("[data-messages] .msg.companion")[2].querySelector("audio")`)
	screenshot(t, a, "desktop-room")
	await(t, b, "Mira's answer saved for the guest", `!document.querySelector("[data-messages] .msg.answer") && document.querySelectorAll("[data-messages] .msg").length === 5`)

	// Reloaded, the page hears the room's stream from its start: every message is still shown once.
	// The guest's next message comes after all that on the stream, so once it is shown the replay is over.
	open(t, a, "/rooms/"+roomID)
	await(t, a, "the room again", roomReady)
	send(t, b, "Still there?")
	await(t, a, "the guest's next message", `[...document.querySelectorAll("[data-messages] .msg .text")].some(e => e.textContent === "Still there?")`)
	require.Equal(t, append(want, guest.DisplayName), speakers(t, a))
	require.Zero(t, eval[int](t, a, `document.querySelectorAll("[data-messages] .msg.answer").length`), "no answer told again")
	require.Equal(t, []int{1, 1}, eval[[]int](t, a, `[...document.querySelectorAll("[data-messages] .msg.companion")]
		.filter(m => m.querySelector(".who").textContent === "Mira").map(m => m.querySelectorAll("audio").length)`), "each of Mira's answers spoken, once")

	// The owner removes the guest.
	eval[bool](t, a, `(window.confirm = () => true, true)`)
	do(t, a, "remove the guest", chromedp.Click(chromedp.CSS(`[data-remove-person="`+guest.ID+`"]`)))
	await(t, a, "the guest gone", `document.querySelectorAll("[data-room-people] li").length === 1`)

	open(t, a, "/rooms")
	await(t, a, "the room listed", `[...document.querySelectorAll("[data-room-list] a")].some(l => l.textContent === "The Lighthouse")`)
	screenshot(t, a, "desktop-rooms")
	require.Empty(t, consoleErrors(a))
	// The guest's page logged only the refused "let speak" (the browser logs every failed request).
	guestErrors := consoleErrors(b)
	require.Len(t, guestErrors, 1, "%q", guestErrors)
	require.Contains(t, guestErrors[0], "409")
	require.Contains(t, guestErrors[0], "/speak")
}
