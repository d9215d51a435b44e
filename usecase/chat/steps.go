package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/eventjson"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/stream"
)

// StepsDeps are what the pipeline's steps use; NewSteps gives each step only its part.
type StepsDeps struct {
	Store  Store
	Bus    stream.Bus
	Model  llm.Model
	Tokens TokenCounter
	Recall Recaller
	// Memory says whether Recall can find anything (nil: ask it every turn); a turn on a hub that
	// cannot remember skips recalling, and its progress, at once.
	Memory     Feature
	Learn      Learner
	Illustrate Illustrator
	Speak      Speaker
	// Summaries and Summarize keep long conversations whole: the summary of what left the history
	// window goes into the reply's prompt, and is brought up to date after the reply. Both nil: a
	// conversation's oldest messages are just left out.
	Summaries SummaryReader
	Summarize Summarizer
	Clock     usecase.Clock
	// Observer hears what the steps carry on past (nil: nobody).
	Observer Observer
	// Watch hear of every step's run, as the use case "step.<name>": the error reporter's observer
	// (incident.Observer) reports the internal failures of steps on every executor.
	Watch []decorator.Observer
	// Ended hears of every turn whose outcome a step or the reaper recorded, once (nil: nobody):
	// the business metrics count turns by outcome.
	Ended func(ctx context.Context, outcome chat.Status)
	// RoomGoesOn hears of every room answer that was saved, and of every one that ended (nil:
	// nobody): the room decides who speaks next (usecase/room's Advance) — the next answer need not
	// wait for this one's picture and voice. It may hear of one answer more than once; an error it
	// returns at the end is the finish step's, which is retried.
	RoomGoesOn func(ctx context.Context, roomID domain.ID) error
	Limits     Limits
}

// Steps are the pipeline's steps: ordinary use-case functions with one input and one output
// struct, which executors call by name (Table). Each is safe to retry: what it writes is either
// idempotent or superseded by its next attempt.
type Steps struct {
	watch   []decorator.Observer
	analyze analyzeStep
	recall  recallStep
	plan    planStep
	reply   replyStep
	persist persistStep
	extract extractStep
	picture pictureStep
	speak   speakStep
	finish  finishStep
}

// NewSteps checks d and builds the steps.
func NewSteps(d StepsDeps) (*Steps, error) {
	if d.Store == nil || d.Bus == nil || d.Model == nil || d.Tokens == nil || d.Recall == nil || d.Learn == nil ||
		d.Illustrate == nil || d.Speak == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "chat steps: every dependency but Observer is required")
	}
	if d.Observer == nil {
		d.Observer = NopObserver{}
	}
	l := d.Limits.withDefaults()
	t := turns{store: d.Store, bus: d.Bus, clock: d.Clock, obs: d.Observer}
	p := prompter{tokens: d.Tokens, limits: l, summaries: d.Summaries}
	return &Steps{
		watch:   d.Watch,
		analyze: analyzeStep{turns: t, model: d.Model},
		recall:  recallStep{turns: t, recall: d.Recall, memory: d.Memory, budget: l.RecallBudget},
		plan:    planStep{turns: t, prompts: p, model: d.Model},
		reply:   replyStep{turns: t, prompts: p, model: d.Model, batchDelay: l.BatchDelay, batchBytes: l.BatchBytes},
		persist: persistStep{turns: t, roomGoesOn: d.RoomGoesOn},
		extract: extractStep{turns: t, learn: d.Learn, summarize: d.Summarize},
		picture: pictureStep{turns: t, illustrate: d.Illustrate},
		speak:   speakStep{turns: t, speak: d.Speak},
		finish:  finishStep{turns: t, eventTTL: l.EventTTL, ended: d.Ended, roomGoesOn: d.RoomGoesOn},
	}, nil
}

// Table lists the steps for executors.
func (s *Steps) Table() []Step {
	return []Step{
		bind(StepAnalyze, s.analyze.run, s.watch),
		bind(StepRecall, s.recall.run, s.watch),
		bind(StepPlan, s.plan.run, s.watch),
		bind(StepReply, s.reply.run, s.watch),
		bind(StepPersist, s.persist.run, s.watch),
		bind(StepExtract, s.extract.run, s.watch),
		bind(StepPicture, s.picture.run, s.watch),
		bind(StepSpeak, s.speak.run, s.watch),
		bind(StepFinish, s.finish.run, s.watch),
	}
}

// Persist saves a reply as the persist step does (for tools and tests that drive a turn by hand).
func (s *Steps) Persist(ctx context.Context, in PersistInput) (PersistOutput, error) {
	return s.persist.run(ctx, in)
}

// Fail ends a turn that could not be started (its runner refused it) as failed, saying why in
// client-safe words, as the last step would: its followers hear so at once, rather than when its
// lease runs out.
func (s *Steps) Fail(ctx context.Context, turnID domain.ID, why error) error {
	_, err := s.finish.run(ctx, failure(turnID, why))
	return err
}

// Finish records how a turn ended and tells its stream, as the last step does.
func (s *Steps) Finish(ctx context.Context, in FinishInput) (Empty, error) {
	return s.finish.run(ctx, in)
}

// turns is what every step shares: reading the turn and its conversation, recording its progress,
// telling its stream, and the clock.
type turns struct {
	store Store
	bus   stream.Bus
	clock usecase.Clock
	obs   Observer
}

// publish appends p to the turn's stream, as attempt attempt (0 for events outside the reply).
func (t turns) publish(ctx context.Context, turnID domain.ID, attempt int, p chat.Payload) error {
	b, err := eventjson.Encode(p)
	if err != nil {
		return err
	}
	_, err = t.bus.Publish(ctx, turnID, attempt, p.EventType(), b)
	return err
}

// running loads a turn that is still to run: one that ended (a reaper gave up on it:
// chat.ErrTurnEnded) or that the person asked to stop (ErrCancelled) ends the step.
func (t turns) running(ctx context.Context, id domain.ID) (chat.Turn, error) {
	turn, err := t.store.Turns().Load(ctx, id)
	switch {
	case err != nil:
		return turn, err
	case turn.Ended():
		return turn, chat.ErrTurnEnded
	case turn.CancelRequested():
		return turn, ErrCancelled
	}
	return turn, nil
}

// advance records where the turn is and tells the stream, as the steps that move it begin. It is
// for people watching: failing to record it stops nothing but a turn that ended or was asked to
// stop. Progress never goes back: when a step running in parallel got further, nothing is told.
func (t turns) advance(ctx context.Context, id domain.ID, status chat.Status, percent int) error {
	p := chat.Progress{Status: status, Percent: percent}
	moved, err := t.store.Turns().SetProgress(ctx, id, p, t.clock.Now())
	if err == nil && moved {
		err = t.publish(ctx, id, 0, p)
	}
	if err == nil || cancelled(err) || ctx.Err() != nil {
		return err
	}
	t.obs.ProgressNotRecorded(ctx, id, p, err)
	return nil
}

// forTurn is ctx doing its work for the turn's person and companion: what the providers a step
// calls cost is counted against them.
func forTurn(ctx context.Context, t chat.Turn) context.Context {
	return correlation.WithSubject(ctx, correlation.Subject{UserID: t.OwnerID().String(), CompanionID: t.CompanionID().String()})
}
