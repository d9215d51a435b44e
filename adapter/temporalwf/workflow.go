package temporalwf

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/companionhub/companionhub/usecase/chat"
)

// TurnWorkflowName is the chat turn's workflow type; its id is the turn's id.
const TurnWorkflowName = "chat.turn"

// turnWorkflow runs the chat pipeline (chat.RunTurn) with its steps as activities. It only
// orchestrates: every read, write, model call and event is an activity's, so the history holds
// step results and never a token.
func turnWorkflow(opts workflowOptions) func(workflow.Context, chat.TurnInput) (chat.TurnResult, error) {
	return func(ctx workflow.Context, in chat.TurnInput) (chat.TurnResult, error) {
		return chat.RunTurn(&executor{ctx: ctx, opts: opts}, in)
	}
}

// workflowOptions are the worker's settings that shape activity options. They must be the same on
// every worker of a task queue; changing them changes no workflow decision, so histories replay.
type workflowOptions struct {
	// MaxHeartbeat caps policies' heartbeat timeouts (tests shorten how long a lost worker takes
	// to notice); zero keeps them.
	MaxHeartbeat time.Duration
	// BackoffScale multiplies the retry policies' intervals (tests shorten them); 0 or 1 keeps
	// them. A constant of the registration, so the workflow stays deterministic.
	BackoffScale float64
}

// executor is a chat.Executor inside a workflow: steps are activities named after them, with the
// policy's timeout, heartbeat and retries; Go is a workflow coroutine; Now is workflow time.
type executor struct {
	ctx  workflow.Context
	opts workflowOptions
}

var _ chat.Executor = (*executor)(nil)

// Run executes step as an activity — a local one, run by this worker without a trip through the
// task queue, when the policy says the step is Local — and decodes its result into out. Temporal
// retries it by the policy (errors carry their retryability, see toTemporal), and the error that
// comes back is the step's own domain error. A detached step (finish) runs even once the
// workflow is cancelled.
func (x *executor) Run(step chat.StepName, p chat.Policy, in, out any) error {
	ctx := x.ctx
	if p.Detached {
		ctx, _ = workflow.NewDisconnectedContext(ctx)
	}
	if p.Local {
		o := x.activityOptions(p)
		ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: o.StartToCloseTimeout, RetryPolicy: o.RetryPolicy})
		return fromTemporal(workflow.ExecuteLocalActivity(ctx, string(step), in).Get(ctx, out))
	}
	ctx = workflow.WithActivityOptions(ctx, x.activityOptions(p))
	return fromTemporal(workflow.ExecuteActivity(ctx, string(step), in).Get(ctx, out))
}

func (x *executor) activityOptions(p chat.Policy) workflow.ActivityOptions {
	attempts := max(p.Attempts, 1)
	rp := &temporal.RetryPolicy{MaximumAttempts: int32(attempts), InitialInterval: p.Backoff.Initial,
		MaximumInterval: p.Backoff.Max, BackoffCoefficient: p.Backoff.Multiplier}
	if rp.InitialInterval <= 0 {
		rp.InitialInterval = time.Second
	}
	if rp.BackoffCoefficient < 1 {
		rp.BackoffCoefficient = 2
	}
	if s := x.opts.BackoffScale; s > 0 && s != 1 {
		// A pause a failed step asked for (its Retry-After) is the activity error's
		// NextRetryDelay (toTemporal), which overrides these intervals: the scale never
		// shortens a provider's limit.
		rp.InitialInterval = scaleInterval(rp.InitialInterval, s)
		rp.MaximumInterval = scaleInterval(rp.MaximumInterval, s)
	}
	if rp.MaximumInterval < rp.InitialInterval {
		rp.MaximumInterval = rp.InitialInterval
	}
	hb := p.Heartbeat
	if x.opts.MaxHeartbeat > 0 && hb > x.opts.MaxHeartbeat {
		hb = x.opts.MaxHeartbeat
	}
	return workflow.ActivityOptions{StartToCloseTimeout: p.Timeout, HeartbeatTimeout: hb, RetryPolicy: rp,
		WaitForCancellation: true}
}

// minInterval is the shortest retry interval a scaled policy gets: Temporal wants it positive,
// and a millisecond keeps a scaled retry from spinning.
const minInterval = time.Millisecond

// scaleInterval multiplies d by s, no shorter than minInterval.
func scaleInterval(d time.Duration, s float64) time.Duration {
	return max(time.Duration(float64(d)*s), minInterval)
}

// Go runs fn on a workflow coroutine.
func (x *executor) Go(fn func(chat.Executor) error) chat.Waiter {
	f, set := workflow.NewFuture(x.ctx)
	workflow.Go(x.ctx, func(ctx workflow.Context) {
		set.SetError(fn(&executor{ctx: ctx, opts: x.opts}))
	})
	return waiter{ctx: x.ctx, f: f}
}

// Now is the workflow's deterministic time.
func (x *executor) Now() time.Time { return workflow.Now(x.ctx) }

type waiter struct {
	ctx workflow.Context
	f   workflow.Future
}

// Wait waits on a disconnected context: a cancelled workflow still waits for its coroutines
// (which end quickly, their activities being cancelled too).
func (w waiter) Wait() error {
	ctx, _ := workflow.NewDisconnectedContext(w.ctx)
	return w.f.Get(ctx, nil)
}
