package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// TestCompanionWritesFirst: a schedule made on the schedules page fires, and the companion's
// message is in the chat — as written first, the instruction nowhere to be seen.
func TestCompanionWritesFirst(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	h := startHubWith(t, func(c *companionhub.Config) { c.Proactive.QuietHours = "" })
	ctx := newPage(t, h.URL)
	id := signedInChat(t, ctx)
	open(t, ctx, "/companions/"+id+"/schedules")
	do(t, ctx, "choose a preset", chromedp.SendKeys(chromedp.CSS("#f-preset"), "Thinking of you"),
		chromedp.Click(chromedp.CSS(`form[action$="/schedules"] button[type=submit]`)))
	await(t, ctx, "the schedule", `document.querySelectorAll(".schedule").length === 1 && document.querySelector(".schedule").textContent.includes("Thinking of you")`)
	screenshot(t, ctx, "desktop-schedules")

	sid, err := domain.ParseID(eval[string](t, ctx, `document.querySelector(".schedule").dataset.schedule`))
	require.NoError(t, err)
	run, err := h.Hub.Proactive.Fire.Handle(context.Background(), schedule.Firing{ScheduleID: sid, Due: time.Now().UTC().Truncate(time.Minute)})
	require.NoError(t, err)
	require.Equal(t, proactive.Fired, run.Outcome, run.Reason)

	open(t, ctx, "/chat/"+id)
	await(t, ctx, "the companion's message", `!document.querySelector(".msg.streaming") && document.querySelectorAll(".msg.theirs").length === 1`)
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll(".msg.mine").length`), "nothing the person did not write")
	require.False(t, strings.Contains(eval[string](t, ctx, `document.querySelector("[data-messages]").textContent`), "spontaneous"),
		"the instruction is not shown")
	open(t, ctx, "/companions/"+id+"/schedules")
	require.Contains(t, eval[string](t, ctx, `document.querySelector(".schedule").textContent`), "fired")
}
