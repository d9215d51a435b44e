package temporalwf_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/chat"
)

// unreachable is a Temporal client whose starts never get an answer: they end with their context.
type unreachable struct {
	client.Client
	deadline chan time.Time
}

func (u unreachable) ExecuteWorkflow(ctx context.Context, _ client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	d, _ := ctx.Deadline()
	u.deadline <- d
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestStartIsBoundedWhileTemporalIsUnreachable: a start that Temporal does not answer is given up
// within a few seconds, whatever the caller's own deadline, and reported as unavailable — the send
// is refused (and can be sent again) rather than left waiting for the client's retries.
func TestStartIsBoundedWhileTemporalIsUnreachable(t *testing.T) {
	t.Parallel()
	u := unreachable{deadline: make(chan time.Time, 1)}
	r := temporalwf.NewRunner(u, temporalwf.DefaultConfig())
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	before := time.Now()
	err := r.Start(ctx, chat.TurnInput{TurnID: domain.NewID(before)})
	require.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	deadline := <-u.deadline
	require.False(t, deadline.IsZero(), "the start has a deadline of its own")
	require.True(t, deadline.Before(before.Add(time.Minute)), "within seconds, not the caller's hour: %s", deadline.Sub(before))
}
