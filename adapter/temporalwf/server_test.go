package temporalwf

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/usecase/chat"
)

var queues atomic.Int64

// newQueue is a task queue of the test's own: tests share one dev server.
func newQueue(t *testing.T) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return fmt.Sprintf("%s-%d-%d", name, time.Now().UnixNano(), queues.Add(1))
}

// startWorker dials the shared dev server and runs a worker of steps on a queue of t's own until t
// ends; it returns a runner of that queue and the configuration.
func startWorker(t *testing.T, steps []chat.Step, o WorkerOptions) (*Runner, Config) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Address = containers.NewTemporal(t)
	cfg.TaskQueue = newQueue(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, cfg, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	w := NewWorker(c, cfg, steps, o)
	require.NoError(t, w.Start())
	t.Cleanup(func() {
		w.Stop()
		c.Close()
	})
	return NewRunner(c, cfg), cfg
}
