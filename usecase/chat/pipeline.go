package chat

import (
	"errors"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// TurnInput starts a turn. It carries ids only: steps load what they need, so it fits any payload.
type TurnInput struct {
	TurnID      domain.ID
	OwnerID     domain.ID
	CompanionID domain.ID
	Options     chat.Options
}

// TurnResult is what a completed turn produced.
type TurnResult struct {
	MessageID domain.ID
}

// Step inputs and outputs: single structs of ids and small values, never images.
type (
	// The reply's text never travels in these: the reply step keeps it as the turn's draft
	// (TurnRepository.SaveDraft), which the analysis reads and the persist step saves, so a
	// workflow's history does not grow with the reply.
	AnalyzeInput struct {
		TurnID domain.ID
	}
	RecallInput struct {
		TurnID domain.ID
	}
	RecallOutput struct {
		Memories []string
	}
	PlanInput struct {
		TurnID domain.ID
	}
	PlanOutput struct {
		Plan string
	}
	ReplyInput struct {
		TurnID   domain.ID
		Memories []string
		Plan     string
	}
	ReplyOutput struct {
		Chars int // the reply's length in characters
	}
	PersistInput struct {
		TurnID   domain.ID
		Analysis Analysis
	}
	PersistOutput struct {
		MessageID domain.ID
	}
	SideInput struct {
		TurnID    domain.ID
		MessageID domain.ID
	}
	FinishInput struct {
		TurnID    domain.ID
		MessageID domain.ID // set when the turn completed
		// Outcome when it did not: failed or cancelled, and the client-safe words why.
		Status       chat.Status
		ErrorCode    string
		ErrorMessage string
	}
	Empty struct{}
)

// RunTurn is the pipeline of SPEC §3.3, written once for every executor: recall memories (within
// their budget), (DeepThink: plan), stream the reply, analyse the scene over the exchange, save the
// reply with the new scene exactly once, then in parallel extract memories, draw a picture and
// speak — none of which can lose the reply — and finish. Whatever fails, the last step records the
// outcome and tells the stream, so no turn is left "running".
//
// Nothing but the model stands between the person and the first word: the reply is written in the
// stored scene, with the person's message in its prompt (so the model writes the scene change it
// asks for), and the one scene analysis — a whole non-streamed model call, seconds on a real model
// — reads the exchange after the reply. Only DeepThink's plan, which the person asked for, comes
// before it.
//
// RunTurn must stay deterministic (it runs inside a Temporal workflow): no goroutines but x.Go, no
// clock but x.Now, no I/O but steps.
func RunTurn(x Executor, in TurnInput) (TurnResult, error) {
	res, err := runSteps(x, in)
	fin := FinishInput{TurnID: in.TurnID, MessageID: res.MessageID, Status: chat.StatusCompleted}
	if err != nil {
		fin = failure(in.TurnID, err)
	}
	if ferr := x.Run(StepFinish, Policies[StepFinish], fin, &Empty{}); ferr != nil {
		return res, errors.Join(err, ferr)
	}
	return res, err
}

func runSteps(x Executor, in TurnInput) (TurnResult, error) {
	// A recall that fails or outlives its budget gives no memories: a reply without them beats a
	// reply later (the step cuts itself off and says so).
	var recalled RecallOutput
	if err := x.Run(StepRecall, Policies[StepRecall], RecallInput{TurnID: in.TurnID}, &recalled); err != nil {
		if cancelled(err) {
			return TurnResult{}, err
		}
		recalled = RecallOutput{}
	}
	var plan PlanOutput
	if in.Options.DeepThink {
		if err := x.Run(StepPlan, Policies[StepPlan], PlanInput{TurnID: in.TurnID}, &plan); err != nil && cancelled(err) {
			return TurnResult{}, err
		}
	}
	var reply ReplyOutput
	if err := x.Run(StepReply, Policies[StepReply], ReplyInput{TurnID: in.TurnID, Memories: recalled.Memories,
		Plan: plan.Plan}, &reply); err != nil {
		return TurnResult{}, err
	}
	var scene Analysis
	if err := x.Run(StepAnalyze, Policies[StepAnalyze], AnalyzeInput{TurnID: in.TurnID}, &scene); err != nil {
		if cancelled(err) {
			return TurnResult{}, err
		}
		scene = FailedAnalysis() // the scene stays as it was
	}
	var saved PersistOutput
	if err := x.Run(StepPersist, Policies[StepPersist], PersistInput{TurnID: in.TurnID, Analysis: scene}, &saved); err != nil {
		return TurnResult{}, err
	}
	res := TurnResult{MessageID: saved.MessageID}

	// The reply is saved: what follows can add to it but never lose it, so its failures are not
	// the turn's (each step reports its own on the stream).
	side := SideInput{TurnID: in.TurnID, MessageID: saved.MessageID}
	waiters := []Waiter{x.Go(func(x Executor) error {
		return x.Run(StepExtract, Policies[StepExtract], side, &Empty{})
	})}
	if in.Options.Image {
		waiters = append(waiters, x.Go(func(x Executor) error {
			return x.Run(StepPicture, Policies[StepPicture], side, &Empty{})
		}))
	}
	if in.Options.Voice {
		waiters = append(waiters, x.Go(func(x Executor) error {
			return x.Run(StepSpeak, Policies[StepSpeak], side, &Empty{})
		}))
	}
	for _, w := range waiters {
		_ = w.Wait()
	}
	return res, nil
}

// ErrCancelled is what a cancelled turn's steps fail with.
var ErrCancelled = domain.E(domain.KindConflict, "turn_cancelled", "the turn was cancelled")

// ErrInterrupted is what a turn's steps fail with when its runner stops (the hub shuts down, or
// it crashed and another runner finds the turn abandoned).
var ErrInterrupted = domain.E(domain.KindUnavailable, "turn_interrupted", "the hub restarted while writing the reply; regenerate it")

// cancelled reports whether err stops the turn at once, without fallbacks: it was cancelled, its
// runner is stopping, or it already ended elsewhere.
func cancelled(err error) bool {
	return errors.Is(err, ErrCancelled) || errors.Is(err, ErrInterrupted) || errors.Is(err, chat.ErrTurnEnded)
}

// failure turns a fatal error into the outcome the last step records: cancelled, or failed with
// the client-safe part of the error (never a provider's or driver's text).
func failure(turnID domain.ID, err error) FinishInput {
	switch {
	case errors.Is(err, ErrCancelled):
		return FinishInput{TurnID: turnID, Status: chat.StatusCancelled, ErrorCode: "cancelled", ErrorMessage: ErrCancelled.Message}
	case errors.Is(err, ErrInterrupted):
		return FinishInput{TurnID: turnID, Status: chat.StatusFailed, ErrorCode: "interrupted", ErrorMessage: ErrInterrupted.Message}
	}
	kind := domain.KindOf(err)
	msg := "the reply could not be written; try again"
	switch kind {
	case domain.KindRateLimited:
		msg = "the model is busy; try again shortly"
	case domain.KindUnavailable:
		msg = "the model did not answer; try again shortly"
	case domain.KindNotFound:
		msg = "the companion or message is gone"
	case domain.KindInvalid:
		if e := domain.AsError(err); e != nil && e.Message != "" {
			msg = e.Message
		}
	}
	return FinishInput{TurnID: turnID, Status: chat.StatusFailed, ErrorCode: kind.String(), ErrorMessage: msg}
}
