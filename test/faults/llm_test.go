package faults_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// llmFault is a fault of the model's streamed reply and what a turn that meets it on every
// attempt ends with.
type llmFault struct {
	name  string
	fault openaifake.Behaviour
	kind  domain.Kind // of the failed call, and the code of the turn's error event
	// reason, when set, is the failed call's: a hang must be ended by the hub's deadline.
	reason string
	// retryAfter is the wait the provider asked for (0: none).
	retryAfter time.Duration
}

func llmFaultTable() []llmFault {
	return []llmFault{
		{name: "429 with Retry-After", fault: openaifake.RateLimited("7"), kind: domain.KindRateLimited, retryAfter: 7 * time.Second},
		{name: "429 without Retry-After", fault: openaifake.Error(http.StatusTooManyRequests), kind: domain.KindRateLimited},
		{name: "500", fault: openaifake.Error(http.StatusInternalServerError), kind: domain.KindUnavailable},
		{name: "502", fault: openaifake.Error(http.StatusBadGateway), kind: domain.KindUnavailable},
		{name: "503", fault: openaifake.Error(http.StatusServiceUnavailable), kind: domain.KindUnavailable},
		{name: "hang", fault: openaifake.Hang(), kind: domain.KindUnavailable, reason: "llm_timeout"},
		{name: "malformed JSON", fault: openaifake.Malformed(), kind: domain.KindUnavailable},
		{name: "cut stream", fault: openaifake.CutAfter(4), kind: domain.KindUnavailable},
		{name: "oversized answer", fault: openaifake.Oversized(oversizedAnswer), kind: domain.KindUnavailable},
		{name: "500 with an oversized body", fault: openaifake.Behaviour{Status: http.StatusInternalServerError, Oversized: oversizedAnswer},
			kind: domain.KindUnavailable},
		{name: "wrong Content-Type", fault: openaifake.WrongContentType(), kind: domain.KindUnavailable},
	}
}

// failureMessages are the words a failed turn's error event says, by code: the hub's own, never
// the provider's.
var failureMessages = map[string]string{
	"rate_limited": "the model is busy; try again shortly",
	"unavailable":  "the model did not answer; try again shortly",
}

// llmFaults injects each fault into the model's reply: once (the retry completes the turn) and on
// every attempt (the turn ends with a clean error).
//
// An oversized answer is injected on every attempt only. What it is about — that the adapter
// stops reading at its bound — each attempt shows; that a retry after a fault completes the turn,
// every other fault shows. And its bytes are what costs: the race detector checks every byte a
// socket moves, so each oversized answer costs a second or more.
func llmFaults(t *testing.T, served *tally) {
	for _, f := range llmFaultTable() {
		if f.fault.Oversized == 0 { // on every attempt only: see above
			t.Run(f.name+"/once", func(t *testing.T) {
				t.Parallel()
				replyRecovers(t, served, f)
			})
		}
		t.Run(f.name+"/always", func(t *testing.T) {
			t.Parallel()
			replyFails(t, served, f)
		})
	}
	t.Run("oversized whole answer/scene analysis", func(t *testing.T) {
		t.Parallel()
		analysisIsBounded(t, served)
	})
}

// replyRecovers: the first reply attempt meets the fault, the second is answered; the turn
// completes with the whole reply, and what the failed attempt streamed is dropped.
func replyRecovers(t *testing.T, served *tally, f llmFault) {
	h := newHub(t, fakeOptions{})
	h.llm.Script(f.fault)
	sent := h.send(t, "Hi, Mika!", chat.Options{})
	events := h.follow(t, sent.Turn.ID())

	last := events[len(events)-1]
	require.Equal(t, chat.EventComplete, last.Type, "%s", last.Data)
	done := decoded[chat.Completion](t, events, chat.EventComplete)[0]
	require.Equal(t, openaifake.DefaultReply, done.Text)
	require.Equal(t, done.Text, visibleText(t, events), "the stream shows the saved reply, not the failed attempt's words")
	require.Len(t, decoded[chat.Reset](t, events, chat.EventReset), 1, "the retry began with a reset")

	require.Len(t, h.streamed(), 2, "the model was asked again after the fault")
	stream := streamCalls(h)
	require.Len(t, stream, 2)
	requireFailedCall(t, stream[0], f.kind, f.reason)
	require.NoError(t, stream[1].Err)
	pauses := h.pauses.all()
	require.Len(t, pauses, 1, "one retry, one pause")
	requireBackoff(t, pauses, chatuc.StepReply, f.retryAfter)
	requireBoundedRead(t, f.fault.Oversized, 1, h.llm.OversizedEnded, h.llm.OversizedWritten)

	hist := h.history(t)
	require.Len(t, hist, 2, "the message and one reply")
	require.Equal(t, chat.RoleAssistant, hist[0].Message.Role)
	require.Equal(t, done.Text, hist[0].Message.Text)
	require.Equal(t, sent.Message.ID, hist[1].Message.ID)
	require.Equal(t, chat.StatusCompleted, h.turn(t, sent.Turn.ID()).Status())
	requireNothingLeaks(t, h, events)
	served.add(t, "llm", 1)
	t.Logf("llm %s once: retried after %v, completed", f.name, pauses[0])
}

// replyFails: every attempt meets the fault; the turn makes all its attempts, with backoff, and
// ends with an error event of a stable code and the hub's words, keeping the person's message and
// nothing of a reply, its row failed.
func replyFails(t *testing.T, served *tally, f llmFault) {
	h := newHub(t, fakeOptions{llm: []openaifake.Option{openaifake.WithBehaviour(f.fault)}})
	sent := h.send(t, "Hi, Mika!", chat.Options{})
	events := h.follow(t, sent.Turn.ID())

	last := events[len(events)-1]
	require.Equal(t, chat.EventError, last.Type, "%s", last.Data)
	failures := decoded[chat.Failure](t, events, chat.EventError)
	require.Len(t, failures, 1)
	failure := failures[0]
	require.Equal(t, f.kind.String(), failure.Code)
	require.Equal(t, failureMessages[failure.Code], failure.Message)
	requireNothingLeaks(t, h, events)

	attempts := chatuc.Policies[chatuc.StepReply].Attempts
	require.Len(t, h.streamed(), attempts, "every attempt of the reply was made, and no more")
	require.Len(t, h.llm.Requests(), attempts, "nothing but the reply was asked of the model")
	for _, c := range streamCalls(h) {
		requireFailedCall(t, c, f.kind, f.reason)
	}
	pauses := h.pauses.all()
	require.Len(t, pauses, attempts-1)
	requireBackoff(t, pauses, chatuc.StepReply, f.retryAfter)
	require.Len(t, decoded[chat.Reset](t, events, chat.EventReset), attempts-1, "each retry began with a reset")
	requireBoundedRead(t, f.fault.Oversized, attempts, h.llm.OversizedEnded, h.llm.OversizedWritten)

	hist := h.history(t)
	require.Len(t, hist, 1, "no reply, not even part of one, is in the conversation")
	require.Equal(t, sent.Message.ID, hist[0].Message.ID, "the person's message stays")
	turn := h.turn(t, sent.Turn.ID())
	require.Equal(t, chat.StatusFailed, turn.Status(), "the turn is finished, not left running")
	require.Equal(t, failure.Code, turn.Failure().Code)
	require.True(t, turn.ReplyID().IsZero())
	served.add(t, "llm", attempts)
	t.Logf("llm %s always: %d attempts, pauses %v, error %q", f.name, attempts, pauses, failure.Code)
}

// analysisIsBounded: the scene analysis, a whole (not streamed) answer, is oversized on both its
// attempts; the adapter stops reading it at its bound, the analysis is given up, and the turn
// completes with its reply, the scene as it was.
func analysisIsBounded(t *testing.T, served *tally) {
	h := newHub(t, fakeOptions{})
	attempts := chatuc.Policies[chatuc.StepAnalyze].Attempts
	h.llm.Script(openaifake.Succeed()) // the reply
	for range attempts {
		h.llm.Script(openaifake.Oversized(oversizedAnswer))
	}
	before, err := h.chat.Store.Companions().Get(t.Context(), h.owner, h.companion)
	require.NoError(t, err)
	sent := h.send(t, "Let's go to the park", chat.Options{})
	events := h.follow(t, sent.Turn.ID())
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type, "%s", events[len(events)-1].Data)
	requireBoundedRead(t, oversizedAnswer, attempts, h.llm.OversizedEnded, h.llm.OversizedWritten)
	var whole []endedCall
	for _, c := range h.calls.of("llm") {
		if c.Operation == "complete" {
			whole = append(whole, c)
		}
	}
	require.GreaterOrEqual(t, len(whole), attempts)
	for _, c := range whole[:attempts] { // the analyses, which end before anything else is asked
		requireFailedCall(t, c, domain.KindUnavailable, "llm_bad_response")
	}
	after, err := h.chat.Store.Companions().Get(t.Context(), h.owner, h.companion)
	require.NoError(t, err)
	require.Equal(t, before.Scene(), after.Scene(), "a failed analysis leaves the scene as it was")
	require.Len(t, h.history(t), 2)
	requireNothingLeaks(t, h, events)
	served.add(t, "llm", attempts)
	t.Logf("llm oversized whole answer (scene analysis): %d attempts read to the bound, analysis given up, turn completed", attempts)
}

// streamCalls are the streamed model calls the hub made, as its provider metrics heard them.
func streamCalls(h *hub) []endedCall {
	var out []endedCall
	for _, c := range h.calls.of("llm") {
		if c.Operation == "stream" {
			out = append(out, c)
		}
	}
	return out
}
