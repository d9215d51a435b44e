package temporalwf_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/chat"
)

// unanswered is a Temporal client whose starts get no answer: they end with their context. Whether
// the workflow exists afterwards is what reached says (a start Temporal took while its answer was
// lost).
type unanswered struct {
	client.Client
	deadline chan time.Time
	reached  bool
}

func (u *unanswered) ExecuteWorkflow(ctx context.Context, _ client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	d, _ := ctx.Deadline()
	u.deadline <- d
	<-ctx.Done()
	return nil, ctx.Err()
}

func (u *unanswered) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	if u.reached {
		return &workflowservice.DescribeWorkflowExecutionResponse{}, nil
	}
	return nil, serviceerror.NewNotFound("no such workflow")
}

// TestStartIsBoundedWhileTemporalDoesNotAnswer: a start that Temporal does not answer is given up
// after Config.StartTimeout, whatever the caller's own deadline, and reported as unavailable — the
// send is refused (and can be sent again) rather than left waiting for the client's retries; unless
// the workflow turns out to exist after all, when the turn is started.
func TestStartIsBoundedWhileTemporalDoesNotAnswer(t *testing.T) {
	t.Parallel()
	for _, reached := range []bool{false, true} {
		u := &unanswered{deadline: make(chan time.Time, 1), reached: reached}
		cfg := temporalwf.DefaultConfig()
		cfg.StartTimeout = 50 * time.Millisecond
		r := temporalwf.NewRunner(u, cfg)
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		before := time.Now()
		err := r.Start(ctx, chat.TurnInput{TurnID: domain.NewID(before)})
		cancel()
		deadline := <-u.deadline
		require.False(t, deadline.IsZero(), "the start has a deadline of its own")
		require.True(t, deadline.Before(before.Add(time.Minute)), "the start's bound, not the caller's hour: %s", deadline.Sub(before))
		if reached {
			require.NoError(t, err, "the workflow exists: the turn was started")
			continue
		}
		require.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	}
	require.Error(t, func() error { c := temporalwf.DefaultConfig(); c.StartTimeout = 0; return c.Validate() }())
}
