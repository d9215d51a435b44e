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

// Phase says which analysis a step runs: before the reply (the scene it is written in) or after
// (the scene it leaves behind).
type Phase string

const (
	BeforeReply Phase = "before"
	AfterReply  Phase = "after"
)

// Step inputs and outputs: single structs of ids and small values, never images.
type (
	AnalyzeInput struct {
		TurnID    domain.ID
		Phase     Phase
		ReplyText string // the reply, after it was written
	}
	RecallInput struct {
		TurnID domain.ID
	}
	RecallOutput struct {
		Memories []string
	}
	PlanInput struct {
		TurnID domain.ID
		Scene  Analysis
	}
	PlanOutput struct {
		Plan string
	}
	ReplyInput struct {
		TurnID   domain.ID
		Scene    Analysis
		Memories []string
		Plan     string
	}
	ReplyOutput struct {
		Text string
	}
	PersistInput struct {
		TurnID   domain.ID
		Text     string
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

// RunTurn is the pipeline of SPEC §3.3, written once for every executor: analyse the scene, recall
// memories, (DeepThink: plan), stream the reply, analyse again, save the reply with the new scene
// exactly once, then in parallel extract memories, draw a picture and speak — none of which can
// lose the reply — and finish. Whatever fails, the last step records the outcome and tells the
// stream, so no turn is left "running".
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
	// Memories are recalled while the scene is read: neither needs the other, and both stand
	// between the person and the first word of the reply.
	var recalled RecallOutput
	recall := x.Go(func(x Executor) error {
		return x.Run(StepRecall, Policies[StepRecall], RecallInput{TurnID: in.TurnID}, &recalled)
	})
	var before Analysis
	err := x.Run(StepAnalyze, Policies[StepAnalyze], AnalyzeInput{TurnID: in.TurnID, Phase: BeforeReply}, &before)
	rerr := recall.Wait()
	switch {
	case cancelled(err):
		return TurnResult{}, err
	case cancelled(rerr):
		return TurnResult{}, rerr
	case err != nil:
		before = FailedAnalysis() // the reply is written in the stored scene
	}
	if rerr != nil {
		recalled = RecallOutput{} // a reply without memories beats no reply
	}
	var plan PlanOutput
	if in.Options.DeepThink {
		if err := x.Run(StepPlan, Policies[StepPlan], PlanInput{TurnID: in.TurnID, Scene: before}, &plan); err != nil && cancelled(err) {
			return TurnResult{}, err
		}
	}
	var reply ReplyOutput
	if err := x.Run(StepReply, Policies[StepReply], ReplyInput{TurnID: in.TurnID, Scene: before,
		Memories: recalled.Memories, Plan: plan.Plan}, &reply); err != nil {
		return TurnResult{}, err
	}
	var after Analysis
	if err := x.Run(StepAnalyze, Policies[StepAnalyze], AnalyzeInput{TurnID: in.TurnID, Phase: AfterReply,
		ReplyText: reply.Text}, &after); err != nil {
		if cancelled(err) {
			return TurnResult{}, err
		}
		after = FailedAnalysis() // the scene stays as it was
	}
	var saved PersistOutput
	if err := x.Run(StepPersist, Policies[StepPersist], PersistInput{TurnID: in.TurnID, Text: reply.Text,
		Analysis: after}, &saved); err != nil {
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
