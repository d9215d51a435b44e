package chattest_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/stream"
)

// reply is what one streamed reply call does: send the pieces, then fail with err (nil: finish).
type reply struct {
	pieces []string
	err    error
}

// scripted is a model that answers from scripts — analyses (JSON completions) and replies
// (streams) in order — and falls back to the offline model when a script runs out. It records
// every request. While gate is shut, replies wait.
type scripted struct {
	mu       sync.Mutex
	analyses []string
	replies  []reply
	always   *reply // answers every reply once the script ran out
	requests []llm.Request
	gate     chan struct{}
	jsonGate chan struct{} // while not nil and open, JSON completions (the analyses) wait
	fallback llm.Model
}

func newScripted() *scripted {
	g := make(chan struct{})
	close(g)
	return &scripted{gate: g, fallback: offline.New(offline.Config{})}
}

func (m *scripted) shut() { m.mu.Lock(); m.gate = make(chan struct{}); m.mu.Unlock() }
func (m *scripted) open() { m.mu.Lock(); close(m.gate); m.mu.Unlock() }

func (m *scripted) Stream(ctx context.Context, req llm.Request, onText func(string) error) (llm.Usage, error) {
	m.mu.Lock()
	m.requests = append(m.requests, req)
	gate := m.gate
	var r *reply
	if len(m.replies) > 0 {
		r, m.replies = &m.replies[0], m.replies[1:]
	} else if m.always != nil {
		r = m.always
	}
	m.mu.Unlock()
	select {
	case <-gate:
	case <-ctx.Done():
		return llm.Usage{}, ctx.Err()
	}
	if r == nil {
		return m.fallback.Stream(ctx, req, onText)
	}
	for _, p := range r.pieces {
		if err := onText(p); err != nil {
			return llm.Usage{}, err
		}
	}
	return llm.Usage{}, r.err
}

func (m *scripted) Complete(ctx context.Context, req llm.Request) (string, llm.Usage, error) {
	m.mu.Lock()
	m.requests = append(m.requests, req)
	var a string
	if req.JSON && len(m.analyses) > 0 {
		a, m.analyses = m.analyses[0], m.analyses[1:]
	}
	gate := m.jsonGate
	m.mu.Unlock()
	if req.JSON && gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return "", llm.Usage{}, ctx.Err()
		}
	}
	if a == "" {
		return m.fallback.Complete(ctx, req)
	}
	return a, llm.Usage{}, nil
}

// streamed returns the streamed (reply) requests the model received.
func (m *scripted) streamed() []llm.Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []llm.Request
	for _, r := range m.requests {
		if !r.JSON && r.Messages[len(r.Messages)-1].Role == llm.User {
			out = append(out, r)
		}
	}
	return out
}

// hydrate is a turn as a store holds it, for tests that set up what a crashed or racing process
// left behind.
func hydrate(t *testing.T, r chat.TurnRecord) chat.Turn {
	t.Helper()
	turn, err := chat.HydrateTurn(r)
	require.NoError(t, err)
	return turn
}

type world struct {
	db          *sqlstore.DB
	env         *chattest.Env
	model       *scripted
	owner, comp domain.ID
}

func newWorld(t *testing.T, edit func(*chattest.Options)) *world {
	t.Helper()
	db := sqlitetest.Open(t)
	m := newScripted()
	o := chattest.Options{Model: m}
	if edit != nil {
		edit(&o)
	}
	env := chattest.New(t, db, o)
	owner, comp := chattest.NewCompanion(t, db, companion.ProfileSpec{})
	return &world{db: db, env: env, model: m, owner: owner, comp: comp}
}

func (w *world) send(t *testing.T, text string) chatuc.Sent {
	t.Helper()
	sent, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: text})
	require.NoError(t, err)
	return sent
}

// follow collects a turn's events to its end.
func (w *world) follow(t *testing.T, turnID domain.ID, after int64) []chat.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub, err := w.env.App.Follow.Handle(ctx, chatuc.Follow{OwnerID: w.owner, TurnID: turnID, After: after})
	require.NoError(t, err)
	defer sub.Close()
	var out []chat.Event
	for e, err := range stream.Events(ctx, sub) {
		require.NoError(t, err)
		out = append(out, e)
		if e.Type.Terminal() {
			return out
		}
	}
	t.Fatalf("the stream ended without a terminal event after %d events", len(out))
	return nil
}

func data(t *testing.T, e chat.Event) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(e.Data, &m))
	return m
}

// visibleText is what a client shows: token texts, dropping what came before each reset.
func visibleText(t *testing.T, events []chat.Event) string {
	var b strings.Builder
	for _, e := range events {
		switch e.Type {
		case chat.EventReset:
			b.Reset()
		case chat.EventToken:
			b.WriteString(data(t, e)["text"].(string))
		}
	}
	return b.String()
}

func (w *world) history(t *testing.T) []chatuc.HistoryItem {
	t.Helper()
	page, err := domain.NewPage("", 100)
	require.NoError(t, err)
	h, err := w.env.App.History.Handle(context.Background(), chatuc.History{OwnerID: w.owner, CompanionID: w.comp, Page: page})
	require.NoError(t, err)
	return h.Items
}

func (w *world) companion(t *testing.T) *companion.Companion {
	t.Helper()
	c, err := w.env.Store.Companions().Get(context.Background(), w.owner, w.comp)
	require.NoError(t, err)
	return c
}

func TestATurnStreamsAndSavesTheReplyOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	w.model.replies = []reply{{pieces: []string{"Ugh, ", "fine (rolls eyes). ", "Hi, ", "Alex.\n[SCENE]mood: happy[/SCENE]"}}}
	sent := w.send(t, "  hi  ")
	require.Equal(t, "hi", sent.Message.Text, "the message is trimmed")
	events := w.follow(t, sent.Turn.ID(), 0)

	responding := -1
	for i, e := range events {
		require.Equal(t, int64(i+1), e.Seq, "sequence numbers are contiguous from 1")
		if e.Type == chat.EventProgress && data(t, e)["status"] == "responding" {
			responding = i
		}
		if e.Type == chat.EventToken {
			require.GreaterOrEqual(t, responding, 0, "the turn says it is responding before the reply's first words")
		}
	}
	last := events[len(events)-1]
	require.Equal(t, chat.EventComplete, last.Type)
	saved := data(t, last)
	require.Equal(t, "Ugh, fine. Hi, Alex.", saved["text"], "stage directions and scene blocks never reach the reply")
	require.Equal(t, saved["text"], visibleText(t, events), "the stream shows exactly what is saved")

	h := w.history(t)
	require.Len(t, h, 2)
	require.Equal(t, chat.RoleAssistant, h[0].Message.Role)
	require.Equal(t, saved["message_id"], h[0].Message.ID.String())
	require.NotNil(t, h[0].Message.Scene, "a reply carries its scene")
	turn, err := w.env.App.GetTurn.Handle(context.Background(), chatuc.GetTurn{OwnerID: w.owner, TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	require.Equal(t, chat.StatusCompleted, turn.Status())
	require.Equal(t, 100, turn.Progress())
	require.Equal(t, h[0].Message.ID, turn.ReplyID())

	// Saving again (a retried step) finds the saved reply: exactly once.
	out, err := w.env.Steps.Persist(context.Background(), chatuc.PersistInput{TurnID: sent.Turn.ID(), Analysis: chatuc.FailedAnalysis()})
	require.ErrorIs(t, err, nil)
	require.Equal(t, h[0].Message.ID, out.MessageID)
	require.Len(t, w.history(t), 2)

	// The question went to the model once, last, after the system prompt.
	reqs := w.model.streamed()
	require.Len(t, reqs, 1)
	msgs := reqs[0].Messages
	require.Equal(t, llm.System, msgs[0].Role)
	require.Contains(t, msgs[0].Content, "You are Mika")
	require.Contains(t, msgs[0].Content, "Mika runs the café next door to Alex.")
	require.Equal(t, llm.Message{Role: llm.User, Content: "hi"}, msgs[len(msgs)-1])
	n := 0
	for _, m := range msgs {
		if m.Role == llm.User && m.Content == "hi" {
			n++
		}
	}
	require.Equal(t, 1, n, "the answered message is not duplicated in the history")
}

func TestHistoryGoesOldestFirstWithoutTheAnsweredMessage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	for _, q := range []string{"first question", "second question"} {
		w.follow(t, w.send(t, q).Turn.ID(), 0)
	}
	w.follow(t, w.send(t, "third question").Turn.ID(), 0)
	reqs := w.model.streamed()
	msgs := reqs[len(reqs)-1].Messages
	var users []string
	for _, m := range msgs {
		if m.Role == llm.User {
			users = append(users, m.Content)
		}
	}
	require.Equal(t, []string{"first question", "second question", "third question"}, users)
}

func TestSceneFollowsTheRepliesAndRewinds(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	before := w.companion(t).Scene()
	at := func(place, mood string) string {
		return `{"outfit":"red dress","location":"` + place + `","action_summary":"sitting on a bench","mood":"` + mood + `"}`
	}
	// Each turn: one analysis, after the reply, over the exchange. The reply is written in the
	// stored scene, with the message that asks for the change in its prompt.
	w.model.analyses = []string{at("park", "happy")}
	first := w.follow(t, w.send(t, "Let's go to the park").Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, first[len(first)-1].Type)
	reqs := w.model.streamed()
	require.Contains(t, reqs[0].Messages[0].Content, "Where: "+before.Location)
	require.Equal(t, "Let's go to the park", reqs[0].Messages[len(reqs[0].Messages)-1].Content)
	scene := w.companion(t).Scene()
	require.Equal(t, "park", scene.Location)
	require.Equal(t, []string{"red dress"}, scene.Outfit)
	require.Equal(t, companion.MoodHappy, scene.Mood)
	var state map[string]any
	for _, e := range first {
		if e.Type == chat.EventState {
			state = data(t, e)
		}
	}
	require.Equal(t, "park", state["scene"].(map[string]any)["location"], "the stream tells the new scene")

	// Regenerating starts from the scene before the replaced reply, and moves it elsewhere.
	h := w.history(t)
	firstReply := h[0].Message
	w.model.analyses = []string{at("beach", "excited")}
	regen, err := w.env.App.Regenerate.Handle(ctx, chatuc.Regenerate{OwnerID: w.owner, MessageID: firstReply.ID})
	require.NoError(t, err)
	w.follow(t, regen.Turn.ID(), 0)
	reqs = w.model.streamed()
	require.Contains(t, reqs[len(reqs)-1].Messages[0].Content, "Where: "+before.Location,
		"the regenerated reply is written in the scene before the one it replaces")
	require.Equal(t, "beach", w.companion(t).Scene().Location)
	h = w.history(t)
	require.Len(t, h, 2)
	require.Equal(t, 2, h[0].Alternatives)
	require.Equal(t, 2, h[0].Index, "the new alternative is shown")

	// Showing the first alternative again brings its scene back.
	_, err = w.env.App.Edit.Handle(ctx, chatuc.EditMessage{OwnerID: w.owner, MessageID: firstReply.ID, Select: true})
	require.NoError(t, err)
	require.Equal(t, "park", w.companion(t).Scene().Location)
	require.Equal(t, firstReply.ID, w.history(t)[0].Message.ID)

	// An analysis that names no valid mood keeps the mood.
	w.model.analyses = []string{`{"location":"café","mood":"furious beyond words"}`}
	w.follow(t, w.send(t, "Coffee?").Turn.ID(), 0)
	scene = w.companion(t).Scene()
	require.Equal(t, "café", scene.Location)
	require.Equal(t, companion.MoodHappy, scene.Mood)

	// Deleting the conversation rewinds the scene: to the reply before, then to the start.
	h = w.history(t)
	require.NoError(t, deleteMsg(w, h[1].Message.ID)) // "Coffee?" and its reply
	require.Equal(t, "park", w.companion(t).Scene().Location)
	require.NoError(t, deleteMsg(w, firstReply.ReplyTo))
	require.Empty(t, w.history(t))
	require.Equal(t, before, w.companion(t).Scene())
}

func deleteMsg(w *world, id domain.ID) error {
	_, err := w.env.App.Delete.Handle(context.Background(), chatuc.DeleteMessage{OwnerID: w.owner, MessageID: id})
	return err
}

func TestARetriedReplyStartsOverCleanly(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	down := domain.E(domain.KindUnavailable, "llm_unavailable", "the model is unavailable")
	w.model.replies = []reply{
		{pieces: []string{"Half a sent"}, err: down},
		{err: down},
		{pieces: []string{"The whole ", "reply."}},
	}
	events := w.follow(t, w.send(t, "hi").Turn.ID(), 0)
	last := events[len(events)-1]
	require.Equal(t, chat.EventComplete, last.Type)
	require.Equal(t, "The whole reply.", data(t, last)["text"])
	require.Equal(t, "The whole reply.", visibleText(t, events), "what the failed attempt streamed is dropped")
	resets := 0
	for _, e := range events {
		if e.Type == chat.EventReset {
			resets++
			require.Equal(t, e.Attempt, int(data(t, e)["attempt"].(float64)))
		}
	}
	require.Equal(t, 2, resets, "each retry starts with a reset")
	require.Len(t, w.history(t), 2, "one reply")
}

func TestAReplyThatNeverComesFailsTheTurnAndKeepsTheMessage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	w.model.always = &reply{pieces: []string{"partial"}, err: domain.E(domain.KindUnavailable, "llm_unavailable", "provider said: secret-detail")}
	sent := w.send(t, "hello?")
	events := w.follow(t, sent.Turn.ID(), 0)
	last := events[len(events)-1]
	require.Equal(t, chat.EventError, last.Type)
	d := data(t, last)
	require.Equal(t, "unavailable", d["code"])
	require.Equal(t, "the model did not answer; try again shortly", d["message"])
	require.NotContains(t, string(last.Data), "secret-detail", "provider text never reaches the client")
	h := w.history(t)
	require.Len(t, h, 1, "no half-written reply is left")
	require.Equal(t, sent.Message.ID, h[0].Message.ID, "the person's message stays")
	turn, err := w.env.App.GetTurn.Handle(context.Background(), chatuc.GetTurn{OwnerID: w.owner, TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	require.Equal(t, chat.StatusFailed, turn.Status())
	require.Equal(t, chatuc.Policies[chatuc.StepReply].Attempts, len(w.model.streamed()), "every attempt was made")

	// The conversation is not stuck: the next message is answered.
	w.model.always = nil
	events = w.follow(t, w.send(t, "still there?").Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type)
}

func TestARefusedRequestIsNotRetried(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	w.model.always = &reply{err: domain.E(domain.KindInvalid, "llm_refused", "the model refused this conversation")}
	events := w.follow(t, w.send(t, "hello").Turn.ID(), 0)
	last := events[len(events)-1]
	require.Equal(t, chat.EventError, last.Type)
	require.Equal(t, "the model refused this conversation", data(t, last)["message"])
	require.Len(t, w.model.streamed(), 1)
}

func TestCancelStopsARunningTurn(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	w.model.shut()
	sent := w.send(t, "tell me a long story")

	_, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "and another"})
	require.ErrorIs(t, err, chatuc.ErrTurnInProgress, "one turn per companion at a time")
	_, err = w.env.App.Cancel.Handle(ctx, chatuc.CancelTurn{OwnerID: domain.NewID(time.Now()), TurnID: sent.Turn.ID()})
	require.ErrorIs(t, err, chat.ErrTurnNotFound, "only the owner cancels")

	turn, err := w.env.App.Cancel.Handle(ctx, chatuc.CancelTurn{OwnerID: w.owner, TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	require.True(t, turn.CancelRequested())
	events := w.follow(t, sent.Turn.ID(), 0)
	last := events[len(events)-1]
	require.Equal(t, chat.EventError, last.Type)
	require.Equal(t, "cancelled", data(t, last)["code"])
	turn, err = w.env.App.GetTurn.Handle(ctx, chatuc.GetTurn{OwnerID: w.owner, TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	require.Equal(t, chat.StatusCancelled, turn.Status())
	require.Len(t, w.history(t), 1)

	// Cancelling an ended turn changes nothing.
	again, err := w.env.App.Cancel.Handle(ctx, chatuc.CancelTurn{OwnerID: w.owner, TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	require.Equal(t, chat.StatusCancelled, again.Status())
	w.model.open()
}

func TestIdenticalSendsStartOneTurn(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	const n = 50
	var wg sync.WaitGroup
	turns := make(chan domain.ID, n)
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			sent, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: w.comp,
				Text: "once", IdempotencyKey: "same-key"})
			if err != nil {
				errs <- err
				return
			}
			turns <- sent.Turn.ID()
		})
	}
	wg.Wait()
	close(turns)
	close(errs)
	for err := range errs {
		t.Errorf("send: %v", err)
	}
	ids := map[domain.ID]bool{}
	for id := range turns {
		ids[id] = true
	}
	require.Len(t, ids, 1)
	for id := range ids {
		w.follow(t, id, 0)
	}
	require.Len(t, w.history(t), 2, "one message, one reply")

	// The same key for another companion is a mistake, said so.
	_, other := chattest.NewCompanion(t, w.db, companion.ProfileSpec{})
	_, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: other, Text: "x", IdempotencyKey: "same-key"})
	require.Error(t, err)
	_, err = w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "x", IdempotencyKey: "has space"})
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
}

func TestChatIsRateLimited(t *testing.T) {
	t.Parallel()
	rule := ratelimit.Limit{Count: 2, Period: time.Minute}
	w := newWorld(t, func(o *chattest.Options) { o.ChatRule = &rule })
	for range 2 {
		w.follow(t, w.send(t, "hi").Turn.ID(), 0)
	}
	_, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "hi"})
	require.ErrorIs(t, err, ratelimit.ErrLimited)
	require.Len(t, w.history(t), 4, "the refused message was not stored")
}

func TestBadInputIsRefusedAndLosesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	for _, text := range []string{"", "   ", strings.Repeat("x", 4001), "bad \xff utf-8"} {
		_, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: text})
		require.Equal(t, domain.KindInvalid, domain.KindOf(err), "%q", text)
	}
	_, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: domain.NewID(time.Now()), CompanionID: w.comp, Text: "hi"})
	require.Equal(t, domain.KindNotFound, domain.KindOf(err), "another person's companion does not exist for you")
	require.Empty(t, w.history(t))
}

func TestReapFinishesTurnsWhoseRunnerIsGone(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Now().UTC())
	w := newWorld(t, func(o *chattest.Options) { o.Clock, o.NoReap = clock, true })
	ctx := context.Background()
	now := clock.Now()

	// A turn a crashed process took: its lease ran out with no reply saved.
	msg := chat.Message{ID: domain.NewID(now), CompanionID: w.comp, Role: chat.RoleUser, Text: "anyone?", Selected: true, CreatedAt: now}
	require.NoError(t, w.env.Store.Messages().Create(ctx, msg))
	lost := hydrate(t, chat.TurnRecord{ID: domain.NewID(now), OwnerID: w.owner, CompanionID: w.comp, UserMessageID: msg.ID,
		Status: chat.StatusResponding, LeaseUntil: now.Add(-time.Second), CreatedAt: now, UpdatedAt: now})
	require.NoError(t, w.env.Store.Turns().Create(ctx, lost, chatuc.Idempotency{}))
	n, err := w.env.App.Reap.Handle(ctx, chatuc.Reap{})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	events := w.follow(t, lost.ID(), 0)
	last := events[len(events)-1]
	require.Equal(t, chat.EventError, last.Type)
	require.Equal(t, "interrupted", data(t, last)["code"])
	got, err := w.env.Store.Turns().Load(ctx, lost.ID())
	require.NoError(t, err)
	require.Equal(t, chat.StatusFailed, got.Status())

	// One that saved its reply before the process went: completed, not failed.
	msg2 := chat.Message{ID: domain.NewID(now), CompanionID: w.comp, Role: chat.RoleUser, Text: "again?", Selected: true, CreatedAt: now}
	require.NoError(t, w.env.Store.Messages().Create(ctx, msg2))
	rec := lost.Record()
	rec.ID, rec.UserMessageID = domain.NewID(now), msg2.ID
	saved := hydrate(t, rec)
	require.NoError(t, w.env.Store.Turns().Create(ctx, saved, chatuc.Idempotency{}))
	require.NoError(t, w.env.Store.Turns().SaveDraft(ctx, saved.ID(), 1, "It was saved."))
	out, err := w.env.Steps.Persist(ctx, chatuc.PersistInput{TurnID: saved.ID(), Analysis: chatuc.FailedAnalysis()})
	require.NoError(t, err)
	n, err = w.env.App.Reap.Handle(ctx, chatuc.Reap{})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got, err = w.env.Store.Turns().Load(ctx, saved.ID())
	require.NoError(t, err)
	require.Equal(t, chat.StatusCompleted, got.Status(), "%+v", got)
	require.Equal(t, out.MessageID, got.ReplyID())

	// Long after, the events have left the bus; following still tells the outcome.
	clock.Advance(2 * time.Hour)
	events = w.follow(t, saved.ID(), 0)
	require.Len(t, events, 1)
	require.Equal(t, chat.EventComplete, events[0].Type)
	require.Equal(t, "It was saved.", data(t, events[0])["text"])
}

func TestFollowResumesExactlyAfterTheLastEventSeen(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	w.model.replies = []reply{{pieces: strings.SplitAfter(strings.Repeat("word ", 200), " ")}}
	sent := w.send(t, "talk to me")
	all := w.follow(t, sent.Turn.ID(), 0)
	for _, after := range []int64{1, 3, int64(len(all) - 1)} {
		rest := w.follow(t, sent.Turn.ID(), after)
		require.Equal(t, all[after:], rest)
	}
	tokens := 0
	for _, e := range all {
		if e.Type == chat.EventToken {
			tokens++
		}
	}
	require.Less(t, tokens, 200, "tokens are published in batches, not one event each")
}

func TestEditAndDeleteRules(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	w.follow(t, w.send(t, "typo heer").Turn.ID(), 0)
	h := w.history(t)
	replyID, questionID := h[0].Message.ID, h[1].Message.ID

	text := "typo here"
	m, err := w.env.App.Edit.Handle(ctx, chatuc.EditMessage{OwnerID: w.owner, MessageID: questionID, Text: &text})
	require.NoError(t, err)
	require.Equal(t, text, m.Text)
	require.False(t, m.EditedAt.IsZero())
	empty := "  "
	_, err = w.env.App.Edit.Handle(ctx, chatuc.EditMessage{OwnerID: w.owner, MessageID: replyID, Text: &empty})
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
	_, err = w.env.App.Edit.Handle(ctx, chatuc.EditMessage{OwnerID: w.owner, MessageID: questionID, Select: true})
	require.Equal(t, domain.KindInvalid, domain.KindOf(err), "a question has no alternatives")
	_, err = w.env.App.Edit.Handle(ctx, chatuc.EditMessage{OwnerID: domain.NewID(time.Now()), MessageID: questionID, Text: &text})
	require.ErrorIs(t, err, chat.ErrMessageNotFound)

	// Only the last reply can be regenerated.
	w.follow(t, w.send(t, "next").Turn.ID(), 0)
	_, err = w.env.App.Regenerate.Handle(ctx, chatuc.Regenerate{OwnerID: w.owner, MessageID: replyID})
	require.ErrorIs(t, err, chatuc.ErrNotLastTurn)
	require.True(t, errors.Is(deleteMsg(w, domain.NewID(time.Now())), chat.ErrMessageNotFound))
}

func TestRetriesOfOneSendAreNotRateLimited(t *testing.T) {
	t.Parallel()
	rule := ratelimit.Limit{Count: 1, Period: time.Hour}
	w := newWorld(t, func(o *chattest.Options) { o.ChatRule = &rule })
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: w.comp,
				Text: "once", IdempotencyKey: "retry-key"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "a retry is answered with the first send's turn, whatever the limit")
	}
}

func TestFollowingAnEndedTurnNeverWaitsForLostEvents(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	sent := w.send(t, "hi")
	all := w.follow(t, sent.Turn.ID(), 0)
	text := data(t, all[len(all)-1])["text"]

	// The process restarted: its in-memory bus forgot the turn's events.
	restarted := &world{db: w.db, env: chattest.New(t, w.db, chattest.Options{}), owner: w.owner, comp: w.comp}
	for _, after := range []int64{0, 3, int64(len(all))} {
		events := restarted.follow(t, sent.Turn.ID(), after)
		require.Len(t, events, 1, "the recorded outcome ends the stream at once")
		require.Equal(t, chat.EventComplete, events[0].Type)
		require.Equal(t, after+1, events[0].Seq)
		require.Equal(t, text, data(t, events[0])["text"])
	}
	// Where the bus still holds the events, they are replayed as they were.
	require.Equal(t, all[2:], w.follow(t, sent.Turn.ID(), 2))
}

func TestFollowingAnEndedTurnEndsWithItsOutcomeWhenTheBusMissedIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.NoReap = true })
	ctx := context.Background()
	turn := w.runningTurn(t, "hm?")
	now := turn.CreatedAt()
	for _, p := range []string{`{"status":"analyzing","progress":10}`, `{"status":"responding","progress":35}`} {
		_, err := w.env.Bus.Publish(ctx, turn.ID(), 0, chat.EventProgress, []byte(p))
		require.NoError(t, err)
	}
	// The outcome was recorded, but its event never reached the bus.
	require.NoError(t, turn.Fail(chat.Failure{Code: "unavailable", Message: "the model did not answer; try again shortly"}, now))
	require.NoError(t, w.env.Store.Turns().Update(ctx, turn))

	events := w.follow(t, turn.ID(), 0)
	require.Len(t, events, 3)
	require.Equal(t, chat.EventProgress, events[1].Type)
	require.Equal(t, chat.EventError, events[2].Type)
	require.Equal(t, int64(3), events[2].Seq)
	require.Equal(t, "unavailable", data(t, events[2])["code"])
}

func TestAFollowerOfARunningTurnHearsAnEndTheBusMissed(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) {
		o.NoReap = true
		o.FollowCheck = 20 * time.Millisecond
	})
	ctx := context.Background()
	turn := w.runningTurn(t, "hm?")
	now := turn.CreatedAt()
	_, err := w.env.Bus.Publish(ctx, turn.ID(), 0, chat.EventProgress, []byte(`{"status":"responding","progress":35}`))
	require.NoError(t, err)

	sub, err := w.env.App.Follow.Handle(ctx, chatuc.Follow{OwnerID: w.owner, TurnID: turn.ID()})
	require.NoError(t, err)
	defer sub.Close()
	first := awaittest.Next(t, sub, "the progress")
	require.Equal(t, chat.EventProgress, first.Type)
	// The turn ends; its terminal event never reaches the bus.
	require.NoError(t, turn.Fail(chat.Failure{Code: "interrupted", Message: "the hub restarted while writing the reply; regenerate it"}, now))
	require.NoError(t, w.env.Store.Turns().Update(ctx, turn))
	e := awaittest.Next(t, sub, "the recorded outcome")
	require.Equal(t, chat.EventError, e.Type)
	require.Equal(t, int64(2), e.Seq)
	require.Equal(t, "interrupted", data(t, e)["code"])
	require.Zero(t, awaittest.Ended(t, sub, "the stream"), "the stream ends with the outcome")
}

func TestAFollowerWithTheLastEventIsToldThereIsNoMore(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	sent := w.send(t, "hi")
	all := w.follow(t, sent.Turn.ID(), 0)
	_, err := w.env.App.Follow.Handle(context.Background(), chatuc.Follow{OwnerID: w.owner, TurnID: sent.Turn.ID(), After: int64(len(all))})
	require.ErrorIs(t, err, chatuc.ErrNoMoreEvents)
}

// A follower that saw more events than the bus holds saw them on a bus that lost them (an
// in-process bus of a process that crashed): it hears the recorded outcome, numbered after what it
// saw, rather than being told there is nothing more.
func TestAFollowerPastWhatTheBusHoldsHearsTheOutcome(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	sent := w.send(t, "hi")
	all := w.follow(t, sent.Turn.ID(), 0)
	past := int64(len(all)) + 40
	events := w.follow(t, sent.Turn.ID(), past)
	require.Len(t, events, 1)
	require.Equal(t, chat.EventComplete, events[0].Type)
	require.Equal(t, past+1, events[0].Seq)
}

// runningTurn is a turn answering a stored message with text, responding under a lease of an
// hour: what a process left behind that is running it, or crashed while it did.
func (w *world) runningTurn(t *testing.T, text string) chat.Turn {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	msg := chat.Message{ID: domain.NewID(now), CompanionID: w.comp, Role: chat.RoleUser, Text: text, Selected: true, CreatedAt: now}
	require.NoError(t, w.env.Store.Messages().Create(ctx, msg))
	turn := hydrate(t, chat.TurnRecord{ID: domain.NewID(now), OwnerID: w.owner, CompanionID: w.comp, UserMessageID: msg.ID,
		Status: chat.StatusResponding, LeaseUntil: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now})
	require.NoError(t, w.env.Store.Turns().Create(ctx, turn, chatuc.Idempotency{}))
	return turn
}

// savedReply is a running turn, taken by no runner, that saved text as its reply.
func (w *world) savedReply(t *testing.T, text string) (chat.Turn, chatuc.PersistOutput) {
	t.Helper()
	ctx := context.Background()
	turn := w.runningTurn(t, "hi")
	require.NoError(t, w.env.Store.Turns().SaveDraft(ctx, turn.ID(), 1, text)) // what its reply step wrote
	saved, err := w.env.Steps.Persist(ctx, chatuc.PersistInput{TurnID: turn.ID(), Analysis: chatuc.FailedAnalysis()})
	require.NoError(t, err)
	return turn, saved
}

func TestATurnWhoseReplyWasSavedCompletesWhateverComesAfter(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.NoReap = true })
	ctx := context.Background()
	turn, saved := w.savedReply(t, "Saved.")

	// A cancel that came too late: the reply is in the conversation, so the turn completed.
	_, err := w.env.Steps.Finish(ctx, chatuc.FinishInput{TurnID: turn.ID(), Status: chat.StatusCancelled, ErrorCode: "cancelled", ErrorMessage: "x"})
	require.NoError(t, err)
	got, err := w.env.Store.Turns().Load(ctx, turn.ID())
	require.NoError(t, err)
	require.Equal(t, chat.StatusCompleted, got.Status())
	require.Equal(t, saved.MessageID, got.ReplyID())
	require.Empty(t, got.Failure().Code)
	events := w.follow(t, turn.ID(), 0)
	last := events[len(events)-1]
	require.Equal(t, chat.EventComplete, last.Type)
	require.Equal(t, "Saved.", data(t, last)["text"])
}

// A reply deleted between being saved and the turn's end does not keep Finish failing: the turn
// completed, and its followers hear that the reply is gone.
func TestATurnWhoseReplyWasDeletedEndsSayingSo(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.NoReap = true })
	ctx := context.Background()
	turn, saved := w.savedReply(t, "Saved.")
	require.NoError(t, w.env.Store.Messages().Delete(ctx, saved.MessageID))

	_, err := w.env.Steps.Finish(ctx, chatuc.FinishInput{TurnID: turn.ID(), MessageID: saved.MessageID, Status: chat.StatusCompleted})
	require.NoError(t, err)
	got, err := w.env.Store.Turns().Load(ctx, turn.ID())
	require.NoError(t, err)
	require.Equal(t, chat.StatusCompleted, got.Status())
	events := w.follow(t, turn.ID(), 0)
	last := events[len(events)-1]
	require.Equal(t, chat.EventError, last.Type)
	require.Equal(t, "deleted", data(t, last)["code"])
}

func TestPicturesInChatCountAgainstThePictureLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.Images = chattest.SmallPictures() })
	ctx := context.Background()
	// chattest leaves the picture limit at its default: 10 an hour.
	for range 10 {
		sent, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "a picture?", Options: chat.Options{Image: true}})
		require.NoError(t, err)
		events := w.follow(t, sent.Turn.ID(), 0)
		require.Equal(t, chat.EventComplete, events[len(events)-1].Type)
	}
	_, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "one more?", Options: chat.Options{Image: true}})
	require.ErrorIs(t, err, ratelimit.ErrLimited)
	_, err = w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "just talk then"})
	require.NoError(t, err, "without a picture the chat limit alone applies")
}

// A long reply, or one whose every character must be escaped in JSON, still fits the bus: token
// events are cut small enough, and a complete event that cannot carry the text says so.
func TestRepliesOfAnySizeAndShapeFitTheBus(t *testing.T) {
	t.Parallel()
	long := strings.TrimSpace(strings.Repeat("The stars are out tonight, and so am I. ", 600)) // ~24 kB
	escaped := strings.Repeat("<&>\x01", 1500)                                                 // every byte escaped
	for name, text := range map[string]string{"long": long, "escaped": escaped} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, nil)
			w.model.replies = []reply{{pieces: []string{text}}}
			sent := w.send(t, "hi")
			events := w.follow(t, sent.Turn.ID(), 0)
			last := events[len(events)-1]
			require.Equal(t, chat.EventComplete, last.Type, "%s", last.Data)
			h := w.history(t)
			require.Equal(t, chat.RoleAssistant, h[0].Message.Role)
			saved := h[0].Message.Text
			shown := visibleText(t, events)
			require.True(t, saved == shown, "the tokens carry the whole reply: %d bytes saved, %d shown", len(saved), len(shown))
			require.Len(t, saved, len(strings.TrimSpace(text)), "the whole reply was saved")
			done := data(t, last)
			if len(saved) > 5000 {
				require.Equal(t, true, done["text_omitted"], "too long for one event")
				require.Empty(t, done["text"])
			} else {
				require.Equal(t, saved, done["text"])
			}
		})
	}
}
