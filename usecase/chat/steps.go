package chat

import (
	"context"
	"errors"
	"hash/fnv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/logkey"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Limits bound what a turn sends to the model and how it streams.
type Limits struct {
	// ContextTokens is the model's context window. Replies take what the persona asks for; the
	// history gets the rest, up to HistoryTokens (DeepThink: all of it).
	ContextTokens int
	HistoryTokens int
	// BatchDelay and BatchBytes coalesce reply tokens into stream events: a batch is published
	// when it is BatchDelay old or BatchBytes long, whichever comes first.
	BatchDelay time.Duration
	BatchBytes int
	// EventTTL is how long a finished turn's events stay on the bus for late followers.
	EventTTL time.Duration
	// FollowCheck is how long a follower of a running turn waits in silence before it looks
	// whether the turn ended without telling the bus.
	FollowCheck time.Duration
}

// DefaultLimits suit an 8k-context model.
func DefaultLimits() Limits {
	return Limits{ContextTokens: 8192, HistoryTokens: 4096, BatchDelay: 50 * time.Millisecond, BatchBytes: 64,
		EventTTL: time.Hour, FollowCheck: 10 * time.Second}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.ContextTokens <= 0 {
		l.ContextTokens = d.ContextTokens
	}
	if l.HistoryTokens <= 0 {
		l.HistoryTokens = min(d.HistoryTokens, l.ContextTokens/2)
	}
	if l.BatchDelay <= 0 {
		l.BatchDelay = d.BatchDelay
	}
	if l.BatchBytes <= 0 {
		l.BatchBytes = d.BatchBytes
	}
	if l.EventTTL <= 0 {
		l.EventTTL = d.EventTTL
	}
	if l.FollowCheck <= 0 {
		l.FollowCheck = d.FollowCheck
	}
	return l
}

// StepsDeps are what the pipeline's steps use.
type StepsDeps struct {
	Store    Store
	Bus      stream.Bus
	Model    llm.Model
	Tokens   TokenCounter
	Recall   Recaller
	Memory   MemoryExtractor
	Pictures PictureMaker
	Voices   VoiceMaker
	Clock    usecase.Clock
	Log      *zap.Logger
	Limits   Limits
}

// Steps are the pipeline's steps: ordinary use-case methods with one input and one output struct,
// which executors call by name (Table). Each is safe to retry: what it writes is either idempotent
// or superseded by its next attempt.
type Steps struct {
	d StepsDeps
}

// NewSteps checks d and builds the steps.
func NewSteps(d StepsDeps) (*Steps, error) {
	if d.Store == nil || d.Bus == nil || d.Model == nil || d.Tokens == nil || d.Recall == nil || d.Memory == nil ||
		d.Pictures == nil || d.Voices == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "chat steps: every dependency but Log is required")
	}
	if d.Log == nil {
		d.Log = zap.NewNop()
	}
	d.Limits = d.Limits.withDefaults()
	return &Steps{d: d}, nil
}

// Table lists the steps for executors.
func (s *Steps) Table() []Step {
	return []Step{
		bind(StepAnalyze, s.Analyze),
		bind(StepRecall, s.Recall),
		bind(StepPlan, s.Plan),
		bind(StepReply, s.Reply),
		bind(StepPersist, s.Persist),
		bind(StepExtract, s.Extract),
		bind(StepPicture, s.Picture),
		bind(StepSpeak, s.Speak),
		bind(StepFinish, s.Finish),
	}
}

// publish appends an event to the turn's stream.
func (s *Steps) publish(ctx context.Context, turnID domain.ID, attempt int, typ chat.EventType, data any) error {
	b, err := jsonBytes(data)
	if err != nil {
		return err
	}
	_, err = s.d.Bus.Publish(ctx, turnID, attempt, typ, b)
	return err
}

// running loads a turn that is still to run: one that ended (a reaper gave up on it: ErrTurnEnded)
// or that the person asked to stop (ErrCancelled) ends the step.
func (s *Steps) running(ctx context.Context, id domain.ID) (chat.Turn, error) {
	t, err := s.d.Store.Turns().Load(ctx, id)
	switch {
	case err != nil:
		return t, err
	case t.Status.Final():
		return t, ErrTurnEnded
	case t.CancelRequested:
		return t, ErrCancelled
	}
	return t, nil
}

// advance records where the turn is and tells the stream, as the steps that move it begin. It is
// for people watching: failing to record it stops nothing but a turn that ended or was asked to
// stop. Progress never goes back: when a step running in parallel got further, nothing is told.
func (s *Steps) advance(ctx context.Context, id domain.ID, status chat.Status, progress int) error {
	moved, err := s.d.Store.Turns().SetProgress(ctx, id, status, progress, s.d.Clock.Now())
	if err == nil && moved {
		err = s.publish(ctx, id, 0, chat.EventProgress, progressEvent{Status: status.String(), Progress: progress})
	}
	if err == nil || cancelled(err) || ctx.Err() != nil {
		return err
	}
	s.d.Log.Warn("turn progress not recorded", zap.String(logkey.TurnID, id.String()),
		zap.String(logkey.Status, status.String()), zap.Error(err))
	return nil
}

type progressEvent struct {
	Status   string `json:"status"`
	Progress int    `json:"progress"`
}

// turnContext is what the steps of one turn read before they call a model.
type turnContext struct {
	turn  chat.Turn
	comp  *companion.Companion
	user  chat.Message // the message being answered
	facts sceneFacts
}

// load reads the turn, its companion, the message it answers and its person, and the scene the
// reply starts from: the companion's, or for a regenerated reply the one before the reply it
// replaces.
func (s *Steps) load(ctx context.Context, turnID domain.ID) (turnContext, error) {
	t, err := s.running(ctx, turnID)
	if err != nil {
		return turnContext{}, err
	}
	c, err := s.d.Store.Companions().Get(ctx, t.OwnerID, t.CompanionID)
	if err != nil {
		return turnContext{}, err
	}
	u, err := s.d.Store.Messages().Get(ctx, t.OwnerID, t.UserMessageID)
	if err != nil {
		return turnContext{}, err
	}
	person, err := s.d.Store.People().DisplayName(ctx, t.OwnerID)
	if err != nil {
		return turnContext{}, err
	}
	scene, err := s.startingScene(ctx, s.d.Store, t, c, u)
	if err != nil {
		return turnContext{}, err
	}
	return turnContext{turn: t, comp: c, user: u, facts: sceneFacts{
		Profile: c.Profile(), Relationship: c.Relationship(), Person: person, Scene: scene,
		DeepThink: t.Options.DeepThink, Analysis: FailedAnalysis(),
		m: newMacros(c.Profile().Name(), person, seed(c.ID().String()), seed(t.ID.String())),
	}}, nil
}

// startingScene is the scene a reply starts from. A regenerated reply replaces the one that moved
// the companion to its current scene, so it starts from the scene of the reply before — or, when
// there is none, the scene the companion starts in.
func (s *Steps) startingScene(ctx context.Context, r Repos, t chat.Turn, c *companion.Companion, u chat.Message) (companion.Scene, error) {
	if !t.Regenerate {
		return c.Scene(), nil
	}
	return sceneBefore(ctx, r, c, domain.Cursor{At: u.CreatedAt, ID: u.ID})
}

// sceneLookback bounds how far back (in pages of historyPage) sceneBefore looks for a reply.
const sceneLookback = 16

// sceneBefore is the scene of the newest reply before the cursor (zero: now), the starting scene
// when the conversation before it has no reply, and the current scene when no reply is found
// within sceneLookback pages (a very long stretch without replies).
func sceneBefore(ctx context.Context, r Repos, c *companion.Companion, before domain.Cursor) (companion.Scene, error) {
	for range sceneLookback {
		page, err := r.Messages().Recent(ctx, c.ID(), before, historyPage)
		if err != nil {
			return companion.Scene{}, err
		}
		for _, m := range page {
			if m.Role == chat.RoleAssistant && m.Scene != nil {
				return *m.Scene, nil
			}
		}
		if len(page) < historyPage {
			return c.Profile().StartingScene(), nil
		}
		before = domain.Cursor{At: page[len(page)-1].CreatedAt, ID: page[len(page)-1].ID}
	}
	return c.Scene(), nil
}

func seed(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// analyzerHistory is how many messages before the one answered the analyser sees.
const analyzerHistory = 8

// Analyze reads the scene from the conversation (SPEC §3.3 steps 1 and 4). An answer it cannot
// read is not an error — it gives a failed analysis, which keeps the scene — but a model that does
// not answer is, so the executor retries it.
func (s *Steps) Analyze(ctx context.Context, in AnalyzeInput) (Analysis, error) {
	tc, err := s.load(ctx, in.TurnID)
	if err != nil {
		return Analysis{}, err
	}
	if in.Phase == BeforeReply {
		if err := s.advance(ctx, in.TurnID, chat.StatusAnalyzing, 10); err != nil {
			return Analysis{}, err
		}
	}
	recent, err := s.d.Store.Messages().Recent(ctx, tc.comp.ID(), domain.Cursor{At: tc.user.CreatedAt, ID: tc.user.ID}, analyzerHistory)
	if err != nil {
		return Analysis{}, err
	}
	zero := 0.2
	raw, _, err := s.d.Model.Complete(ctx, llm.Request{
		Messages:    analyzerPrompt(tc.facts, recent, tc.user.Text, in.ReplyText),
		MaxTokens:   500,
		Temperature: &zero,
		JSON:        true,
	})
	if err != nil {
		return Analysis{}, err
	}
	a := ParseAnalysis(raw)
	if a.Failed {
		s.d.Log.Info("scene analysis unreadable; keeping the scene", zap.String(logkey.TurnID, in.TurnID.String()),
			zap.String(logkey.Phase, string(in.Phase)))
	}
	return a, nil
}

// recallLimit is how many memories a reply is given.
const recallLimit = 8

// Recall finds the memories relevant to the message (SPEC §3.5).
func (s *Steps) Recall(ctx context.Context, in RecallInput) (RecallOutput, error) {
	t, err := s.running(ctx, in.TurnID)
	if err != nil {
		return RecallOutput{}, err
	}
	if err := s.advance(ctx, t.ID, chat.StatusRecalling, 25); err != nil {
		return RecallOutput{}, err
	}
	u, err := s.d.Store.Messages().Get(ctx, t.OwnerID, t.UserMessageID)
	if err != nil {
		return RecallOutput{}, err
	}
	mems, err := s.d.Recall.Recall(ctx, t.CompanionID, u.Text, recallLimit)
	if errors.Is(err, ErrNotConfigured) {
		return RecallOutput{}, nil
	}
	return RecallOutput{Memories: mems}, err
}

// maxPlan bounds DeepThink's plan (in bytes) before it goes into the reply prompt.
const maxPlan = 1500

// Plan is DeepThink's hidden planning call: a few lines on what the reply should do.
func (s *Steps) Plan(ctx context.Context, in PlanInput) (PlanOutput, error) {
	tc, err := s.load(ctx, in.TurnID)
	if err != nil {
		return PlanOutput{}, err
	}
	tc.facts.Analysis = in.Scene
	req, err := s.replyRequest(ctx, tc)
	if err != nil {
		return PlanOutput{}, err
	}
	last := &req.Messages[len(req.Messages)-1] // the message answered
	last.Content += "\n\n[" + planInstruction(tc.facts) + "]"
	req.MaxTokens = 250
	plan, _, err := s.d.Model.Complete(ctx, req)
	if err != nil {
		return PlanOutput{}, err
	}
	return PlanOutput{Plan: domain.Truncate(strings.TrimSpace(plan), maxPlan)}, nil
}

// replyRequest builds the model request of a reply: system prompt, the history that fits, the
// card's post-history instructions and the message answered — once.
func (s *Steps) replyRequest(ctx context.Context, tc turnContext) (llm.Request, error) {
	spec := tc.comp.Profile().Spec()
	p := spec.Persona
	params := replyParams(p.SpeechStyle, p.IntimacyPace, p.ConfidenceLevel, p.Archetype, tc.turn.Options.DeepThink)
	l := s.d.Limits
	sys := systemPrompt(tc.facts, "")
	user := llmMessage(tc.user, tc.facts)
	if post := postHistory(tc.facts); post != "" {
		user.Content += "\n\n[" + post + "]"
	}
	fixed := s.d.Tokens.Count(sys) + s.d.Tokens.Count(user.Content) + 2*perMessageTokens
	budget := l.ContextTokens - params.MaxTokens - fixed
	if !tc.turn.Options.DeepThink {
		budget = min(budget, l.HistoryTokens)
	}
	hist, err := fitHistory(ctx, s.d.Store.Messages(), s.d.Tokens, tc.comp.ID(),
		domain.Cursor{At: tc.user.CreatedAt, ID: tc.user.ID}, budget, tc.facts)
	if err != nil {
		return llm.Request{}, err
	}
	// The example dialogue and the greeting belong to the start of a conversation: they go in
	// while the whole conversation fits, and make room for it once it does not.
	if !hist.Omitted {
		left := budget - hist.Tokens
		if ex := tc.facts.m.expand(spec.ExampleDialogue); ex != "" && s.d.Tokens.Count(ex) <= left {
			sys = systemPrompt(tc.facts, ex)
			left -= s.d.Tokens.Count(ex)
		}
		if g := tc.facts.m.expand(spec.Greeting); g != "" && s.d.Tokens.Count(g)+perMessageTokens <= left {
			hist.Messages = append([]llm.Message{{Role: llm.Assistant, Content: g}}, hist.Messages...)
		}
	}
	msgs := make([]llm.Message, 0, len(hist.Messages)+2)
	msgs = append(msgs, llm.Message{Role: llm.System, Content: sys})
	msgs = append(msgs, hist.Messages...)
	msgs = append(msgs, user)
	temp := params.Temperature
	return llm.Request{Messages: mergeRoles(msgs), MaxTokens: params.MaxTokens, Temperature: &temp}, nil
}

// ErrEmptyReply is a reply that said nothing once stage directions were removed.
var ErrEmptyReply = domain.E(domain.KindUnavailable, "empty_reply", "the model returned an empty reply")

// maxEventText bounds the text of one token event so that its JSON stays under stream.MaxData even
// when every byte is escaped (a control character becomes \u00XX: six bytes for one).
const maxEventText = (stream.MaxData - len(`{"text":""}`)) / 6

// Reply streams the reply (SPEC §3.3 step 3): filtered of stage directions and scene blocks,
// published in small batches, and returned whole. A retried reply starts its events with reset,
// so followers drop the partial text of the failed attempt.
func (s *Steps) Reply(ctx context.Context, in ReplyInput) (ReplyOutput, error) {
	attempt := AttemptFrom(ctx)
	tc, err := s.load(ctx, in.TurnID)
	if err != nil {
		return ReplyOutput{}, err
	}
	if err := s.advance(ctx, in.TurnID, chat.StatusResponding, 35); err != nil {
		return ReplyOutput{}, err
	}
	tc.facts.Analysis, tc.facts.Memories, tc.facts.Plan = in.Scene, in.Memories, in.Plan
	if !in.Scene.Failed {
		tc.facts.Scene = tc.facts.Scene.Apply(in.Scene.Update)
	}
	req, err := s.replyRequest(ctx, tc)
	if err != nil {
		return ReplyOutput{}, err
	}
	if attempt > 1 {
		if err := s.publish(ctx, in.TurnID, attempt, chat.EventReset, resetEvent{Attempt: attempt}); err != nil {
			return ReplyOutput{}, err
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b := &batcher{s: s, ctx: ctx, turnID: in.TurnID, attempt: attempt, fail: cancel}
	defer b.stop()
	var text strings.Builder
	var filter Filter
	_, err = s.d.Model.Stream(ctx, req, func(piece string) error {
		out := filter.Write(piece)
		text.WriteString(out)
		if text.Len() > chat.MaxReplyText*4 { // runaway output: stop reading, keep what we have
			return errReplyFull
		}
		return b.add(out)
	})
	if err != nil && !errors.Is(err, errReplyFull) {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return ReplyOutput{}, cause // publishing failed: say why, not "context cancelled"
		}
		return ReplyOutput{}, err
	}
	rest := filter.Flush()
	text.WriteString(rest)
	if err := b.add(rest); err != nil {
		return ReplyOutput{}, err
	}
	if err := b.flush(); err != nil {
		return ReplyOutput{}, err
	}
	reply := domain.Truncate(strings.TrimSpace(text.String()), chat.MaxReplyText)
	if reply == "" {
		return ReplyOutput{}, ErrEmptyReply
	}
	return ReplyOutput{Text: reply}, nil
}

var errReplyFull = errors.New("reply too long")

type resetEvent struct {
	Attempt int `json:"attempt"`
}

type tokenEvent struct {
	Text string `json:"text"`
}

// batcher coalesces reply text into token events: published when BatchBytes have gathered, or
// BatchDelay after the first unpublished byte, whichever comes first, in order.
type batcher struct {
	s       *Steps
	ctx     context.Context
	turnID  domain.ID
	attempt int
	fail    context.CancelCauseFunc // stops the stream when a timed publish fails

	mu      sync.Mutex
	pending strings.Builder
	timer   *time.Timer
	started bool // the first batch went out
	err     error
}

func (b *batcher) add(text string) error {
	if text == "" {
		return b.errNow()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	b.pending.WriteString(text)
	if !b.started || b.pending.Len() >= b.s.d.Limits.BatchBytes {
		// The first words go out at once (time to first token is what a person feels); the
		// rest is coalesced.
		b.started = true
		return b.flushLocked()
	}
	if b.timer == nil {
		b.timer = time.AfterFunc(b.s.d.Limits.BatchDelay, b.tick)
	}
	return nil
}

func (b *batcher) errNow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *batcher) tick() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.timer = nil
	if b.err == nil {
		if err := b.flushLocked(); err != nil {
			b.fail(err)
		}
	}
}

func (b *batcher) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	return b.flushLocked()
}

func (b *batcher) flushLocked() error {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	text := b.pending.String()
	b.pending.Reset()
	for text != "" {
		n := len(text)
		if n > maxEventText {
			n = maxEventText
			for n > 0 && !utf8.RuneStart(text[n]) {
				n--
			}
		}
		if err := b.s.publish(b.ctx, b.turnID, b.attempt, chat.EventToken, tokenEvent{Text: text[:n]}); err != nil {
			b.err = err
			return err
		}
		text = text[n:]
	}
	return nil
}

func (b *batcher) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if b.err == nil {
		b.err = errors.New("reply stream closed")
	}
}

// Persist saves the reply exactly once (SPEC §3.3 step 4): the assistant message with its scene
// snapshot, the companion's new scene and the turn's reply, in one transaction. A retry after a
// commit finds the saved reply and returns it.
func (s *Steps) Persist(ctx context.Context, in PersistInput) (PersistOutput, error) {
	var saved chat.Message
	err := s.d.Store.InTx(ctx, func(r Repos) error {
		if m, err := r.Messages().ByTurn(ctx, in.TurnID); err == nil {
			saved = m
			return nil
		} else if !domain.IsKind(err, domain.KindNotFound) {
			return err
		}
		t, err := r.Turns().Load(ctx, in.TurnID)
		if err != nil {
			return err
		}
		if t.Status.Final() {
			return ErrTurnEnded
		}
		c, err := r.Companions().GetForUpdate(ctx, t.OwnerID, t.CompanionID)
		if err != nil {
			return err
		}
		u, err := r.Messages().Get(ctx, t.OwnerID, t.UserMessageID)
		if err != nil {
			return err
		}
		scene, err := s.startingScene(ctx, r, t, c, u)
		if err != nil {
			return err
		}
		if !in.Analysis.Failed {
			scene = scene.Apply(in.Analysis.Update)
		}
		now := s.d.Clock.Now()
		if !now.After(u.CreatedAt) { // the reply sorts after what it answers, whatever the clocks say
			now = u.CreatedAt.Add(time.Microsecond)
		}
		saved = chat.Message{ID: domain.NewID(now), CompanionID: c.ID(), Role: chat.RoleAssistant,
			Text: in.Text, ReplyTo: u.ID, TurnID: t.ID, Selected: true, Scene: &scene, CreatedAt: now}
		if err := r.Messages().Create(ctx, saved); err != nil {
			return err
		}
		if err := r.Messages().Select(ctx, u.ID, saved.ID); err != nil {
			return err
		}
		c.SetScene(scene, now)
		if err := r.Companions().Update(ctx, c); err != nil {
			return err
		}
		t.ReplyID, t.UpdatedAt = saved.ID, now
		return r.Turns().Update(ctx, t)
	})
	if err != nil {
		return PersistOutput{}, err
	}
	if saved.Scene != nil {
		if err := s.publish(ctx, in.TurnID, 0, chat.EventState, stateEvent{MessageID: saved.ID.String(), Scene: SceneJSON(*saved.Scene)}); err != nil {
			return PersistOutput{}, err
		}
	}
	return PersistOutput{MessageID: saved.ID}, nil
}

// SceneView is a scene as the API shows it.
type SceneView struct {
	Outfit   []string `json:"outfit"`
	Location string   `json:"location"`
	Action   string   `json:"action"`
	Mood     string   `json:"mood"`
}

// SceneJSON is the API's view of a scene.
func SceneJSON(s companion.Scene) SceneView {
	outfit := s.Outfit
	if outfit == nil {
		outfit = []string{}
	}
	return SceneView{Outfit: outfit, Location: s.Location, Action: s.Action, Mood: s.Mood.String()}
}

type stateEvent struct {
	MessageID string    `json:"message_id"`
	Scene     SceneView `json:"scene"`
}

// exchange loads what side steps learn from: the message answered and the saved reply.
func (s *Steps) exchange(ctx context.Context, in SideInput) (Exchange, *companion.Companion, error) {
	t, err := s.d.Store.Turns().Load(ctx, in.TurnID)
	if err != nil {
		return Exchange{}, nil, err
	}
	c, err := s.d.Store.Companions().Get(ctx, t.OwnerID, t.CompanionID)
	if err != nil {
		return Exchange{}, nil, err
	}
	u, err := s.d.Store.Messages().Get(ctx, t.OwnerID, t.UserMessageID)
	if err != nil {
		return Exchange{}, nil, err
	}
	r, err := s.d.Store.Messages().Get(ctx, t.OwnerID, in.MessageID)
	if err != nil {
		return Exchange{}, nil, err
	}
	return Exchange{OwnerID: t.OwnerID, CompanionID: t.CompanionID, UserMessage: u, Reply: r}, c, nil
}

// Extract learns memories and relationship changes from the exchange (SPEC §3.3 step 5). Its
// failure never fails the turn.
func (s *Steps) Extract(ctx context.Context, in SideInput) (Empty, error) {
	ex, _, err := s.exchange(ctx, in)
	if err != nil {
		return Empty{}, err
	}
	res, err := s.d.Memory.Extract(ctx, ex)
	if errors.Is(err, ErrNotConfigured) {
		return Empty{}, nil
	}
	if err != nil {
		return Empty{}, err
	}
	da, dt := ClampDelta(res.AffectionDelta), ClampDelta(res.TrustDelta)
	if da == 0 && dt == 0 {
		return Empty{}, nil
	}
	return Empty{}, s.d.Store.InTx(ctx, func(r Repos) error {
		c, err := r.Companions().GetForUpdate(ctx, ex.OwnerID, ex.CompanionID)
		if err != nil {
			return err
		}
		c.AdjustRelationship(da, dt, s.d.Clock.Now())
		return r.Companions().Update(ctx, c)
	})
}

type mediaEvent struct {
	MessageID string `json:"message_id"`
	URL       string `json:"url,omitempty"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Error     string `json:"error,omitempty"`
	Code      string `json:"code,omitempty"`
}

// sideFailed tells the stream a side step gave up, once: on its last attempt, or on an error no
// attempt can fix.
func (s *Steps) sideFailed(ctx context.Context, step StepName, in SideInput, typ chat.EventType, err error) error {
	if domain.KindOf(err).Retryable() && AttemptFrom(ctx) < Policies[step].Attempts {
		return err
	}
	msg, code := "the picture could not be made", "failed"
	if typ == chat.EventAudio {
		msg = "the voice could not be made"
	}
	if e := domain.AsError(err); e != nil && (errors.Is(err, ErrNotConfigured) || errors.Is(err, ErrNoVoice)) {
		msg, code = e.Message, e.Reason
	}
	if perr := s.publish(ctx, in.TurnID, 0, typ, mediaEvent{MessageID: in.MessageID.String(), Error: msg, Code: code}); perr != nil {
		return errors.Join(err, perr)
	}
	return err
}

// Picture draws the scene of the reply and attaches it (SPEC §3.3 step 6); a failure leaves the
// reply as it is and says so on the stream.
func (s *Steps) Picture(ctx context.Context, in SideInput) (Empty, error) {
	ex, c, err := s.exchange(ctx, in)
	if err != nil {
		return Empty{}, err
	}
	if err := s.advance(ctx, in.TurnID, chat.StatusImaging, 70); err != nil {
		return Empty{}, err
	}
	img, err := s.d.Pictures.Picture(ctx, ex, in.Analysis, c.Profile().LockedIdentity())
	if err == nil {
		err = s.d.Store.Messages().SetImage(ctx, in.MessageID, img)
	}
	if err != nil {
		return Empty{}, s.sideFailed(ctx, StepPicture, in, chat.EventImage, err)
	}
	return Empty{}, s.publish(ctx, in.TurnID, 0, chat.EventImage, mediaEvent{MessageID: in.MessageID.String(),
		URL: MediaURL(img.Key.String()), Width: img.Width, Height: img.Height})
}

// Speak voices the reply (SPEC §3.3 step 7); a failure leaves the reply as it is.
func (s *Steps) Speak(ctx context.Context, in SideInput) (Empty, error) {
	ex, c, err := s.exchange(ctx, in)
	if err != nil {
		return Empty{}, err
	}
	if err := s.advance(ctx, in.TurnID, chat.StatusSpeaking, 80); err != nil {
		return Empty{}, err
	}
	voice := c.Profile().Spec().Voice
	if !voice.Enabled || voice.VoiceID == "" {
		return Empty{}, s.sideFailed(ctx, StepSpeak, in, chat.EventAudio, ErrNoVoice)
	}
	key, err := s.d.Voices.Speak(ctx, ex, voice.VoiceID)
	if err == nil {
		err = s.d.Store.Messages().SetAudio(ctx, in.MessageID, key)
	}
	if err != nil {
		return Empty{}, s.sideFailed(ctx, StepSpeak, in, chat.EventAudio, err)
	}
	return Empty{}, s.publish(ctx, in.TurnID, 0, chat.EventAudio, mediaEvent{MessageID: in.MessageID.String(), URL: MediaURL(key.String())})
}

// ErrNoVoice is a spoken reply asked of a companion without a voice.
var ErrNoVoice = domain.E(domain.KindInvalid, "no_voice", "this companion has no voice; give it one in its profile")

// MediaURL is where a stored blob is served.
func MediaURL(key string) string { return "/media/" + key }

type completeEvent struct {
	MessageID string `json:"message_id"`
	Text      string `json:"text"`
	// TextOmitted says the reply is too long for one event: the client has it from the token
	// events, and the message holds it.
	TextOmitted bool `json:"text_omitted,omitempty"`
}

// completeFor is the complete event of the saved reply m: with its text when the event can carry it.
func completeFor(m chat.Message) completeEvent {
	ev := completeEvent{MessageID: m.ID.String(), Text: m.Text}
	if b, err := jsonBytes(ev); err != nil || len(b) > stream.MaxData {
		ev.Text, ev.TextOmitted = "", true
	}
	return ev
}

type errorEvent struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Finish records how the turn ended and tells the stream, once. It runs even for cancelled turns
// (its policy is detached). The record comes first, so a client that hears the end and then asks
// finds the turn ended; a retry after a failed publish finds the turn ended and tells the stream
// again (followers stop at the first terminal event, so a repeat is harmless). A turn that ended
// before its first attempt — a reaper finished it — is left as it is.
func (s *Steps) Finish(ctx context.Context, in FinishInput) (Empty, error) {
	t, err := s.d.Store.Turns().Load(ctx, in.TurnID)
	if err != nil {
		return Empty{}, err
	}
	if t.Status.Final() && AttemptFrom(ctx) == 1 {
		return Empty{}, nil
	}
	if !t.Status.Final() {
		recorded, err := s.record(ctx, t, in)
		if errors.Is(err, ErrTurnHasReply) { // the reply was saved meanwhile: the turn completed
			if t, err = s.d.Store.Turns().Load(ctx, in.TurnID); err != nil {
				return Empty{}, err
			}
			recorded, err = s.record(ctx, t, in)
		}
		if errors.Is(err, ErrTurnEnded) {
			return Empty{}, nil // another outcome was recorded meanwhile, and told by whoever did
		}
		if err != nil {
			return Empty{}, err
		}
		t = recorded
	}
	// Tell what was recorded (a retry may find another outcome recorded first).
	if t.Status == chat.StatusCompleted {
		m, err := s.d.Store.Messages().Get(ctx, t.OwnerID, t.ReplyID)
		if err != nil {
			return Empty{}, err
		}
		err = s.publish(ctx, t.ID, 0, chat.EventComplete, completeFor(m))
		if err != nil {
			return Empty{}, err
		}
	} else if err := s.publish(ctx, t.ID, 0, chat.EventError, errorEvent{Code: t.ErrorCode, Message: t.ErrorMessage}); err != nil {
		return Empty{}, err
	}
	if err := s.d.Bus.Expire(ctx, t.ID, s.d.Limits.EventTTL); err != nil {
		s.d.Log.Warn("stream not expired", zap.String(logkey.TurnID, t.ID.String()), zap.Error(err))
	}
	return Empty{}, nil
}

// record writes a turn's outcome. A turn whose reply was saved completed, whatever went wrong
// after (a cancel that came too late, a lost state event): its reply is in the conversation.
func (s *Steps) record(ctx context.Context, t chat.Turn, in FinishInput) (chat.Turn, error) {
	switch {
	case !t.ReplyID.IsZero():
		t.Status, t.Progress, t.ErrorCode, t.ErrorMessage = chat.StatusCompleted, 100, "", ""
	case in.Status == chat.StatusCompleted:
		t.Status, t.Progress, t.ReplyID, t.ErrorCode, t.ErrorMessage = chat.StatusCompleted, 100, in.MessageID, "", ""
	default:
		t.Status, t.ErrorCode, t.ErrorMessage = in.Status, in.ErrorCode, in.ErrorMessage
	}
	t.UpdatedAt = s.d.Clock.Now()
	return t, s.d.Store.Turns().Update(ctx, t)
}

// Reap finishes the turns whose lease ran out, in batches of limit (0: 100) until none is left:
// their runner is gone (a crash, a restart). A turn whose reply was saved completes; the others
// fail as interrupted, and their followers hear so. Turns skip says are still held (nil: none) are
// left alone. Runners call it when they start and then now and then; it returns how many it
// finished.
func (s *Steps) Reap(ctx context.Context, limit int, skip func(domain.ID) bool) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	total := 0
	for {
		turns, err := s.d.Store.Turns().Expired(ctx, s.d.Clock.Now(), limit)
		if err != nil {
			return total, err
		}
		n, err := s.reapBatch(ctx, turns, skip)
		total += n
		if err != nil || len(turns) < limit || n == 0 {
			return total, err
		}
	}
}

func (s *Steps) reapBatch(ctx context.Context, turns []chat.Turn, skip func(domain.ID) bool) (int, error) {
	n := 0
	var errs []error
	for _, t := range turns {
		if skip != nil && skip(t.ID) {
			continue
		}
		fin := failure(t.ID, ErrInterrupted)
		if m, err := s.d.Store.Messages().ByTurn(ctx, t.ID); err == nil {
			fin = FinishInput{TurnID: t.ID, MessageID: m.ID, Status: chat.StatusCompleted}
		} else if !domain.IsKind(err, domain.KindNotFound) {
			errs = append(errs, err)
			continue
		}
		if _, err := s.Finish(ctx, fin); err != nil {
			errs = append(errs, err)
			continue
		}
		s.d.Log.Warn("turn lost its runner", zap.String(logkey.TurnID, t.ID.String()), zap.String(logkey.Status, fin.Status.String()))
		n++
	}
	return n, errors.Join(errs...)
}
