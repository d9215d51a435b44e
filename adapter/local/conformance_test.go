package local_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/contract/runnertest"
	"github.com/companionhub/companionhub/usecase/chat"
)

func TestConformance(t *testing.T) {
	// runAll starts a runner with Run, as the hub does, and shuts it down when the test ends.
	runAll := func(delay func(time.Duration) time.Duration) func(*testing.T, []chat.Step) chat.Runner {
		return func(t *testing.T, steps []chat.Step) chat.Runner {
			r := local.NewRunner(local.Config{ShutdownGrace: 100 * time.Millisecond},
				local.Deps{Steps: steps, Log: zaptest.NewLogger(t), RetryDelay: delay})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }()
			t.Cleanup(func() {
				cancel()
				require.NoError(t, awaittest.Recv(t, done, "Run's return"))
			})
			return r
		}
	}
	t.Run("RealBackoff", func(t *testing.T) {
		runnertest.Run(t, runnertest.Harness{NewRunner: runAll(nil)})
	})
	t.Run("FastRetries", func(t *testing.T) {
		runnertest.Run(t, runnertest.Harness{
			NewRunner:   runAll(func(d time.Duration) time.Duration { return d / 1000 }),
			FastRetries: true,
		})
	})
}
