package temporalwf

import (
	"cmp"
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/chat"
)

// Runner is the chat use cases' Runner on Temporal: a turn is a workflow whose id is the turn's,
// so Temporal itself refuses to run a turn twice, and cancelling a turn cancels its workflow.
type Runner struct {
	c            client.Client
	taskQueue    string
	startTimeout time.Duration
}

var _ chat.Runner = (*Runner)(nil)

// NewRunner returns a runner that starts turns on cfg's task queue through c.
func NewRunner(c client.Client, cfg Config) *Runner {
	return &Runner{c: c, taskQueue: cfg.TaskQueue, startTimeout: cmp.Or(cfg.StartTimeout, DefaultConfig().StartTimeout)}
}

// Start starts the turn's workflow, within Config.StartTimeout: Temporal answers a start in
// milliseconds, while it is unreachable its client would retry for its own ten seconds as the person
// waits for the send's answer — refused sooner, the send is taken back and can be sent again. A
// start that ran out of that time may still have reached Temporal: the workflow is looked for
// before the start is called failed. A turn already started (running or ended) is not an error:
// Start is called again by retried sends.
func (r *Runner) Start(ctx context.Context, in chat.TurnInput) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, r.startTimeout)
	defer cancel()
	_, err := r.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       in.TurnID.String(),
		TaskQueue:                                r.taskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, TurnWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case err == nil, errors.As(err, &started):
		return nil
	case parent.Err() == nil && ctx.Err() != nil && r.exists(parent, in.TurnID):
		return nil
	}
	return unavailable("start the turn's workflow", err)
}

// exists reports whether Temporal knows the turn's workflow, asking within a second; false when it
// cannot tell.
func (r *Runner) exists(ctx context.Context, turnID domain.ID) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := r.c.DescribeWorkflowExecution(ctx, turnID.String(), "")
	return err == nil
}

// Cancel asks the turn's workflow to stop: its running step is cancelled (a streaming reply at
// its next heartbeat) and its last step records the turn as cancelled. A turn that ended, or
// that Temporal never saw, is left alone.
func (r *Runner) Cancel(ctx context.Context, turnID domain.ID) error {
	err := r.c.CancelWorkflow(ctx, turnID.String(), "")
	var notFound *serviceerror.NotFound
	switch {
	case err == nil, errors.As(err, &notFound):
		return nil
	}
	return unavailable("cancel the turn's workflow", err)
}

// unavailable reports a failed call to Temporal: the caller may retry.
func unavailable(op string, err error) error {
	return domain.Errorf(domain.KindUnavailable, "%s: %w", op, err)
}

// History returns the recorded history of the turn's workflow (its latest run), as Temporal
// keeps it: what replays and size checks read.
func (r *Runner) History(ctx context.Context, turnID domain.ID) (*historypb.History, error) {
	it := r.c.GetWorkflowHistory(ctx, turnID.String(), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, unavailable("read the turn's workflow history", err)
		}
		h.Events = append(h.Events, ev)
	}
	return h, nil
}

// Wait waits for the turn's workflow to end and returns its result.
func (r *Runner) Wait(ctx context.Context, turnID domain.ID) (chat.TurnResult, error) {
	var res chat.TurnResult
	err := r.c.GetWorkflow(ctx, turnID.String(), "").Get(ctx, &res)
	return res, err
}

// Running reports whether the turn's workflow is still running. A workflow Temporal does not know
// (never started, or gone past retention) is not.
func (r *Runner) Running(ctx context.Context, turnID domain.ID) (bool, error) {
	d, err := r.c.DescribeWorkflowExecution(ctx, turnID.String(), "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return false, nil
	case err != nil:
		return false, unavailable("describe the turn's workflow", err)
	}
	return d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}
