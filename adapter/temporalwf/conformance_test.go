package temporalwf_test

import (
	"testing"
	"time"

	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/runnertest"
	"github.com/companionhub/companionhub/usecase/chat"
)

func TestMain(m *testing.M) { containers.Main(m) }

// newQueue and startWorker are the internal test package's (server_test.go).
var (
	newQueue    = temporalwf.NewQueue
	startWorker = temporalwf.StartWorker
)

// fastBackoff shortens the pauses between attempts a thousandfold (the reply step's 2 s become
// 2 ms), so the suite's scenarios that exhaust a step's attempts run too.
const fastBackoff = 0.001

func TestConformance(t *testing.T) {
	runnertest.Run(t, runnertest.Harness{
		NewRunner: func(t *testing.T, steps []chat.Step) chat.Runner {
			r, _ := startWorker(t, steps, temporalwf.WorkerOptions{StopTimeout: time.Second, BackoffScale: fastBackoff})
			return r
		},
		FastRetries: true,
	})
}
