package chat

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/decorator"
)

// StepName names a step of the pipeline; executors register steps under these names (a Temporal
// worker registers them as activities), so they are stable.
type StepName string

const (
	StepAnalyze StepName = "chat.analyze"
	StepRecall  StepName = "chat.recall"
	StepPlan    StepName = "chat.plan"
	StepReply   StepName = "chat.reply"
	StepPersist StepName = "chat.persist"
	StepExtract StepName = "chat.extract"
	StepPicture StepName = "chat.picture"
	StepSpeak   StepName = "chat.speak"
	StepFinish  StepName = "chat.finish"
)

// Backoff spaces retries: Initial, then ×Multiplier each time, at most Max (plus jitter).
type Backoff struct {
	Initial    time.Duration
	Max        time.Duration
	Multiplier float64
}

// Policy is how one step runs: its timeout per attempt, how often it must show signs of life
// (Heartbeat, for long steps), how many attempts in all, how they are spaced, and whether it must
// run even once the turn was cancelled (Detached: the step that records the outcome). Whether a
// step's failure fails the turn is RunTurn's to decide, not the executor's: only reply and persist
// do.
type Policy struct {
	Timeout   time.Duration
	Heartbeat time.Duration
	Attempts  int
	Backoff   Backoff
	Detached  bool
	// Local marks a step that needs no machine of its own: an executor that dispatches steps to
	// workers (Temporal) may run it in the process that orchestrates the turn instead (a local
	// activity), sparing the round trips that stand between a message and its reply.
	Local bool
}

// Executor runs steps. It hides whether a step is a local call (adapter/local) or a Temporal
// activity (adapter/temporalwf); RunTurn is written against it once.
//
// Run executes step with policy p on input in and decodes its result into out (a pointer). It
// retries errors whose kind is retryable (domain.Kind.Retryable) up to p.Attempts, and returns the
// last error otherwise.
type Executor interface {
	Run(step StepName, p Policy, in, out any) error
	// Go starts fn concurrently with the caller and returns a handle to wait on.
	Go(fn func(Executor) error) Waiter
	// Now is the executor's (deterministic, where it must be) time.
	Now() time.Time
}

// Waiter waits for a Go to finish.
type Waiter interface{ Wait() error }

// Policies are the steps' policies, defined once for every executor (SPEC §3.3: each step with its
// own timeout and retry policy).
var Policies = map[StepName]Policy{
	StepAnalyze: {Timeout: 60 * time.Second, Attempts: 2, Local: true, Backoff: Backoff{Initial: time.Second, Max: 5 * time.Second, Multiplier: 2}},
	// The recall cuts itself off at its budget (Limits.RecallBudget); a failed one is not retried —
	// the reply goes ahead without memories rather than wait for a second try.
	StepRecall: {Timeout: 10 * time.Second, Attempts: 1, Local: true},
	StepPlan:   {Timeout: 60 * time.Second, Attempts: 2, Local: true, Backoff: Backoff{Initial: time.Second, Max: 5 * time.Second, Multiplier: 2}},
	StepReply: {Timeout: 3 * time.Minute, Heartbeat: 10 * time.Second, Attempts: 3,
		Backoff: Backoff{Initial: 2 * time.Second, Max: 15 * time.Second, Multiplier: 2}},
	StepPersist: {Timeout: 30 * time.Second, Attempts: 5, Local: true, Backoff: Backoff{Initial: 500 * time.Millisecond, Max: 10 * time.Second, Multiplier: 2}},
	StepExtract: {Timeout: 2 * time.Minute, Attempts: 1},
	StepPicture: {Timeout: 4 * time.Minute, Heartbeat: 30 * time.Second, Attempts: 2, Backoff: Backoff{Initial: 5 * time.Second, Max: 30 * time.Second, Multiplier: 2}},
	StepSpeak:   {Timeout: 60 * time.Second, Attempts: 2, Backoff: Backoff{Initial: 2 * time.Second, Max: 10 * time.Second, Multiplier: 2}},
	StepFinish:  {Timeout: 30 * time.Second, Attempts: 10, Local: true, Detached: true, Backoff: Backoff{Initial: 500 * time.Millisecond, Max: 10 * time.Second, Multiplier: 2}},
}

// ErrStepTimeout is what an attempt that outlived its policy fails with, on every executor (its
// Timeout, or on Temporal a worker that stopped heartbeating). It is retryable: a slow provider
// may answer the next time.
var ErrStepTimeout = domain.E(domain.KindUnavailable, "step_timeout", "a step of the reply took too long")

// MaxRetryAfter caps how long a step waits because an error asked it to (a provider's
// Retry-After): beyond it the turn would look stuck, and a failed step serves the person better.
const MaxRetryAfter = time.Minute

// RetryAfter is the pause err asks for before a retry: the first RetryAfter in its chain, capped
// at MaxRetryAfter; 0 when none.
func RetryAfter(err error) time.Duration {
	for e := domain.AsError(err); e != nil; e = domain.AsError(e.Err) {
		if e.RetryAfter > 0 {
			return min(e.RetryAfter, MaxRetryAfter)
		}
	}
	return 0
}

type attemptKey struct{}

// WithAttempt tells a step which attempt it runs as (1 for the first); executors set it.
func WithAttempt(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, attemptKey{}, n)
}

// AttemptFrom is the attempt ctx runs as (1 when unknown).
func AttemptFrom(ctx context.Context) int {
	if n, ok := ctx.Value(attemptKey{}).(int); ok && n > 0 {
		return n
	}
	return 1
}

// Step is one step as executors register it: Fn is the typed method (func(context.Context, I) (O,
// error), what a Temporal worker registers as an activity), Call the same behind any-typed values
// (what an in-process executor calls).
type Step struct {
	Name StepName
	Fn   any
	Call func(ctx context.Context, in any) (any, error)
}

// bind makes a Step of a typed step function; every observer hears of each run as the use case
// "step.<name>" (a panic as an internal error, which then goes on up to the executor).
func bind[I, O any](name StepName, fn func(context.Context, I) (O, error), obs []decorator.Observer) Step {
	if len(obs) > 0 {
		inner := fn
		fn = func(ctx context.Context, in I) (out O, err error) {
			start := time.Now()
			defer func() {
				p := recover()
				if p != nil {
					err = domain.Errorf(domain.KindInternal, "panic: %v", p)
				}
				for _, o := range obs {
					o.Observe(ctx, "step."+string(name), time.Since(start), err)
				}
				if p != nil {
					panic(p)
				}
			}()
			return inner(ctx, in)
		}
	}
	return Step{Name: name, Fn: fn, Call: func(ctx context.Context, in any) (any, error) {
		v, ok := in.(I)
		if !ok {
			var want I
			return nil, domain.Errorf(domain.KindInternal, "step %s: input %T, want %T", name, in, want)
		}
		return fn(ctx, v)
	}}
}
