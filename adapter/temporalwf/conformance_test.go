package temporalwf_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/runnertest"
	"github.com/companionhub/companionhub/usecase/chat"
)

func TestMain(m *testing.M) { containers.Main(m) }

var queues atomic.Int64

// newQueue is a task queue of the test's own: tests share one dev server.
func newQueue(t *testing.T) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return fmt.Sprintf("%s-%d-%d", name, time.Now().UnixNano(), queues.Add(1))
}

// startWorker dials the shared dev server and runs a worker of steps on a queue of t's own until t
// ends; it returns the client and the configuration.
func startWorker(t *testing.T, steps []chat.Step, o temporalwf.WorkerOptions) (*temporalwf.Runner, temporalwf.Config) {
	t.Helper()
	cfg := temporalwf.DefaultConfig()
	cfg.Address = containers.NewTemporal(t)
	cfg.TaskQueue = newQueue(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := temporalwf.Dial(ctx, cfg, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	w := temporalwf.NewWorker(c, cfg, steps, o)
	require.NoError(t, w.Start())
	t.Cleanup(func() {
		w.Stop()
		c.Close()
	})
	return temporalwf.NewRunner(c, cfg), cfg
}

func TestConformance(t *testing.T) {
	runnertest.Run(t, runnertest.Harness{NewRunner: func(t *testing.T, steps []chat.Step) chat.Runner {
		r, _ := startWorker(t, steps, temporalwf.WorkerOptions{StopTimeout: time.Second})
		return r
	}})
}
