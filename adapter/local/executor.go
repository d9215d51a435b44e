package local

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/spans"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// Options tune an Executor. The zero value is production's.
type Options struct {
	// Delay maps the pause the policy asks for before a retry (its backoff with jitter, raised to
	// the error's RetryAfter) to the pause taken. Nil takes it as is; tests record the requested
	// pauses and return zero, so retries cost no time.
	Delay func(requested time.Duration) time.Duration
	// BackoffScale multiplies the policies' backoff (tests shorten it); 0 or 1 keeps it. A pause
	// the error asks for (RetryAfter) is not scaled: that is a provider's limit, not ours.
	BackoffScale float64
	// Log receives the panics steps recover from. Nil discards them.
	Log *zap.Logger
	// Tracer makes a span of each attempt of a step (nil: none).
	Tracer trace.Tracer
}

// Executor is a chat.Executor that runs one turn's steps as plain function calls in this process:
// each attempt under its policy's timeout, retryable failures retried with exponential backoff
// and jitter, Go on a goroutine.
//
// The turn stops when its context is cancelled: steps then fail at once with chat.ErrCancelled if
// the cause is chat.ErrCancelled and with chat.ErrInterrupted otherwise — except Detached steps,
// which run (and retry) on a context without the turn's cancellation, so a cancelled turn still
// records how it ended. Steps must honour their context: the executor does not abandon a call
// that ignores it.
type Executor struct {
	ctx   context.Context
	steps map[chat.StepName]chat.Step
	clock usecase.Clock
	opts  Options
}

var _ chat.Executor = (*Executor)(nil)

// NewExecutor returns an executor for the turn whose context is ctx (cancel it with
// context.WithCancelCause to stop the turn), running the steps of the table.
func NewExecutor(ctx context.Context, steps map[chat.StepName]chat.Step, clock usecase.Clock, opts Options) *Executor {
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	return &Executor{ctx: ctx, steps: steps, clock: clock, opts: opts}
}

// Now is the executor's clock.
func (x *Executor) Now() time.Time { return x.clock.Now() }

// Run executes the step named name with policy p on in, decoding its result into out (a pointer
// to the step's output type, or nil to discard it). See Executor for retries and stopping. The
// last error is returned as the step gave it (or as chat.ErrStepTimeout wrapping it), so its kind and
// sentinel survive.
func (x *Executor) Run(name chat.StepName, p chat.Policy, in, out any) error {
	step, ok := x.steps[name]
	if !ok || step.Call == nil {
		return domain.Errorf(domain.KindInternal, "step %s is not registered", name)
	}
	if out != nil {
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return domain.Errorf(domain.KindInternal, "step %s: output %T is not a non-nil pointer", name, out)
		}
	}
	attempts := max(p.Attempts, 1)
	for n := 1; ; n++ {
		if err := x.stopped(p); err != nil {
			return err
		}
		res, err := x.attempt(step, p, n, in)
		if err == nil {
			return assign(name, out, res)
		}
		if serr := x.stopped(p); serr != nil {
			return serr
		}
		if n >= attempts || !domain.KindOf(err).Retryable() {
			return err
		}
		if werr := x.wait(p, x.delay(p.Backoff, n, err)); werr != nil {
			return werr
		}
	}
}

// attempt makes attempt n of step, turning a panic into a KindInternal error.
func (x *Executor) attempt(step chat.Step, p chat.Policy, n int, in any) (res any, err error) {
	base := x.ctx
	if p.Detached {
		base = context.WithoutCancel(base)
	}
	ctx := chat.WithAttempt(base, n)
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, p.Timeout, chat.ErrStepTimeout)
		defer cancel()
	}
	ctx, span := startStep(ctx, x.opts.Tracer, step.Name, n)
	defer func() {
		if r := recover(); r != nil {
			x.opts.Log.Error("step panicked", append([]zap.Field{zap.String(logkey.Step, string(step.Name)), zap.Int(logkey.Attempt, n),
				zap.String(logkey.Panic, fmt.Sprint(r)), zap.ByteString(logkey.Stack, debug.Stack())}, spans.LogFields(ctx)...)...)
			res, err = nil, domain.Errorf(domain.KindInternal, "step %s panicked: %v", step.Name, r)
		}
		endSpan(span, err)
	}()
	res, err = step.Call(ctx, in)
	if err != nil && errors.Is(context.Cause(ctx), chat.ErrStepTimeout) {
		err = chat.ErrStepTimeout.Wrap(err)
	}
	return res, err
}

// stopped is the error a step of a stopped turn fails with, or nil if it may go on.
func (x *Executor) stopped(p chat.Policy) error {
	if p.Detached || x.ctx.Err() == nil {
		return nil
	}
	return stopError(x.ctx)
}

// stopError tells why the turn whose context is ctx was stopped: the person cancelled it, or
// anything else (the runner is shutting down, the caller gave up) interrupted it.
func stopError(ctx context.Context) error {
	if errors.Is(context.Cause(ctx), chat.ErrCancelled) {
		return chat.ErrCancelled
	}
	return chat.ErrInterrupted
}

// delay is the pause before attempt n+1 after err: backoff with jitter, at least what err asks
// for, mapped through Options.Delay.
func (x *Executor) delay(b chat.Backoff, n int, err error) time.Duration {
	d := BackoffDelay(b, n)
	if s := x.opts.BackoffScale; s > 0 && s != 1 {
		d = time.Duration(float64(d) * s)
	}
	if ra := chat.RetryAfter(err); ra > d {
		d = ra
	}
	if x.opts.Delay != nil {
		d = x.opts.Delay(d)
	}
	return d
}

// wait pauses for d, or until the turn stops unless the step is detached.
func (x *Executor) wait(p chat.Policy, d time.Duration) error {
	if d <= 0 {
		return x.stopped(p)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	var done <-chan struct{} // nil: a detached step's wait cannot be cut short
	if !p.Detached {
		done = x.ctx.Done()
	}
	select {
	case <-t.C:
		return nil
	case <-done:
		return stopError(x.ctx)
	}
}

// BackoffDelay is the pause before attempt n+1 (n ≥ 1) that b asks for: Initial×Multiplier^(n-1), at
// most Max, with full-half jitter (uniform in [d/2, d]) so that steps failing together do not
// retry together.
func BackoffDelay(b chat.Backoff, n int) time.Duration {
	mult := b.Multiplier
	if mult < 1 {
		mult = 1
	}
	d := float64(b.Initial) * math.Pow(mult, float64(max(n-1, 0)))
	if b.Max > 0 && d > float64(b.Max) {
		d = float64(b.Max)
	}
	switch {
	case math.IsNaN(d) || d <= 0: // NaN: no Initial and an overflowing power
		return 0
	case d > float64(time.Hour): // no Max and many attempts; also catches +Inf
		d = float64(time.Hour)
	case d < 2:
		return time.Duration(d)
	}
	half := int64(d / 2)
	return time.Duration(half + rand.Int64N(int64(d)-half+1))
}

// assign stores a step's result in out.
func assign(name chat.StepName, out, res any) error {
	if out == nil {
		return nil
	}
	dst := reflect.ValueOf(out).Elem()
	if res == nil {
		dst.SetZero()
		return nil
	}
	v := reflect.ValueOf(res)
	switch {
	case v.Type().AssignableTo(dst.Type()):
		dst.Set(v)
	case v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Type().AssignableTo(dst.Type()):
		dst.Set(v.Elem())
	default:
		return domain.Errorf(domain.KindInternal, "step %s returned %T, want %s", name, res, dst.Type())
	}
	return nil
}

// Go runs fn with this executor on a goroutine. A panic in fn becomes a KindInternal error of the
// returned Waiter (and is logged with its stack).
func (x *Executor) Go(fn func(chat.Executor) error) chat.Waiter {
	w := &waiter{done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer func() {
			if r := recover(); r != nil {
				x.opts.Log.Error("concurrent steps panicked",
					zap.String(logkey.Panic, fmt.Sprint(r)), zap.ByteString(logkey.Stack, debug.Stack()))
				w.err = domain.Errorf(domain.KindInternal, "panic: %v", r)
			}
		}()
		w.err = fn(x)
	}()
	return w
}

type waiter struct {
	done chan struct{}
	err  error
}

func (w *waiter) Wait() error {
	<-w.done
	return w.err
}
