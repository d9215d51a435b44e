package temporalwf

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/usecase/chat"
)

// Both kinds of activity (Run's ExecuteActivity and ExecuteLocalActivity) take the retry policy
// of activityOptions, so checking it checks both.

func TestBackoffScaleShortensThePolicies(t *testing.T) {
	x := &executor{opts: workflowOptions{BackoffScale: 0.001}}
	for _, tc := range []struct {
		step         chat.StepName
		initial, max time.Duration
	}{
		{chat.StepReply, 2 * time.Millisecond, 15 * time.Millisecond},
		{chat.StepPersist, time.Millisecond, 10 * time.Millisecond}, // 0.5 ms is raised to the minimum
		{chat.StepExtract, time.Millisecond, time.Millisecond},      // no backoff: a second, scaled
	} {
		p := chat.Policies[tc.step]
		rp := x.activityOptions(p).RetryPolicy
		assert.Equal(t, tc.initial, rp.InitialInterval, "%s: initial interval", tc.step)
		assert.Equal(t, tc.max, rp.MaximumInterval, "%s: maximum interval", tc.step)
		assert.Equal(t, int32(max(p.Attempts, 1)), rp.MaximumAttempts, "%s: the scale leaves the attempts alone", tc.step)
	}
}

func TestBackoffScaleZeroOrOneKeepsThePolicies(t *testing.T) {
	plain := &executor{}
	for _, scale := range []float64{0, 1} {
		x := &executor{opts: workflowOptions{BackoffScale: scale}}
		for step, p := range chat.Policies {
			assert.Equal(t, plain.activityOptions(p), x.activityOptions(p), "%s with scale %v", step, scale)
		}
	}
	rp := plain.activityOptions(chat.Policies[chat.StepReply]).RetryPolicy
	assert.Equal(t, 2*time.Second, rp.InitialInterval)
	assert.Equal(t, 15*time.Second, rp.MaximumInterval)
}

func TestScaledIntervalsStayValid(t *testing.T) {
	for _, scale := range []float64{1e-9, 0.001, 0.5, 3} {
		x := &executor{opts: workflowOptions{BackoffScale: scale}}
		for step, p := range chat.Policies {
			rp := x.activityOptions(p).RetryPolicy
			assert.GreaterOrEqual(t, rp.InitialInterval, time.Millisecond, "%s with scale %v", step, scale)
			assert.GreaterOrEqual(t, rp.MaximumInterval, rp.InitialInterval, "%s with scale %v", step, scale)
		}
	}
}
