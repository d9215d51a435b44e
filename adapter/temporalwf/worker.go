package temporalwf

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/companionhub/companionhub/usecase/chat"
)

// heartbeatEvery is how often a long step tells Temporal it is alive. A heartbeat's answer is
// also how a running step learns that its turn was cancelled, so this bounds how long a cancel
// takes to stop a streaming reply.
const heartbeatEvery = 2 * time.Second

// WorkerOptions tune a worker beyond Config.
type WorkerOptions struct {
	// MaxHeartbeat caps the steps' heartbeat timeouts: how long a worker that died mid-step goes
	// unnoticed. Zero keeps the policies' (tests shorten it).
	MaxHeartbeat time.Duration
	// StopTimeout is how long Stop lets running steps finish; zero is Temporal's default.
	StopTimeout time.Duration
	// BackoffScale multiplies the pauses between a step's attempts, for tests; 0 or 1 keeps the
	// policies' pauses. A scaled pause is a millisecond at least (local steps retry that fast; the
	// server still spaces a remote activity's attempts about a second apart), and a pause a failed
	// step asked for (a provider's Retry-After, chat.RetryAfter) is never scaled: that is the
	// provider's limit, not ours. Like MaxHeartbeat, it must be the same on every worker of a
	// task queue.
	BackoffScale float64
}

// NewWorker returns a worker (not yet started) of the task queue that runs chat turns: the turn
// workflow and every step of steps as an activity under its step name.
func NewWorker(c client.Client, cfg Config, steps []chat.Step, o WorkerOptions) worker.Worker {
	w := worker.New(c, cfg.TaskQueue, worker.Options{
		WorkerStopTimeout:            o.StopTimeout,
		MaxHeartbeatThrottleInterval: heartbeatEvery,
		Interceptors:                 []interceptor.WorkerInterceptor{&stepInterceptor{}},
	})
	Register(w, steps, o)
	return w
}

// Register registers the turn workflow and the steps on a worker (or a test environment).
func Register(r worker.Registry, steps []chat.Step, o WorkerOptions) {
	r.RegisterWorkflowWithOptions(turnWorkflow(workflowOptions{MaxHeartbeat: o.MaxHeartbeat, BackoffScale: o.BackoffScale}),
		workflow.RegisterOptions{Name: TurnWorkflowName})
	for _, s := range steps {
		r.RegisterActivityWithOptions(s.Fn, activity.RegisterOptions{Name: string(s.Name)})
	}
}

// stepInterceptor runs every activity as a step expects: told its attempt, heartbeating while it
// runs when its policy has a heartbeat timeout, and its error translated for Temporal.
type stepInterceptor struct {
	interceptor.WorkerInterceptorBase
}

func (i *stepInterceptor) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	a := &stepInbound{}
	a.Next = next
	return a
}

type stepInbound struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *stepInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	info := activity.GetInfo(ctx)
	ctx = chat.WithAttempt(ctx, int(info.Attempt))
	if info.HeartbeatTimeout > 0 {
		stop := heartbeat(ctx, min(heartbeatEvery, info.HeartbeatTimeout/2))
		defer stop()
	}
	out, err := a.Next.ExecuteActivity(ctx, in)
	return out, toTemporal(ctx, err)
}

// heartbeat records a heartbeat at once and then every interval until stop is called.
func heartbeat(ctx context.Context, every time.Duration) (stop func()) {
	activity.RecordHeartbeat(ctx)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
