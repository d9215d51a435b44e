package temporalwf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/encoding/protojson"

	domainchat "github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/chat"
)

// recordedHistory is a turn with every option, recorded from a real server. Replaying it catches
// a change to the workflow that would break turns running during a deployment. After an
// intended, versioned change, record it again: COMPANIONHUB_RECORD_HISTORY=1 go test -run Replay.
const recordedHistory = "testdata/turn-every-option.json"

// maxHistoryEvents bounds a turn's history with every option — a marker per local step, three
// events per activity (reply, picture, voice, extraction), the workflow tasks between them —
// whatever the length of the reply. About 31 today.
const maxHistoryEvents = 45

// serverRunner runs a worker of s on the shared dev server on a queue of t's own.
func serverRunner(t *testing.T, s *steps) *Runner {
	t.Helper()
	r, _ := startWorker(t, s.table(), WorkerOptions{StopTimeout: time.Second})
	return r
}

// runToEnd starts a turn and returns, once it ended, the size of its history: all its events,
// and those that are not workflow tasks (how many of those a turn takes depends on how its
// parallel steps' completions happen to be batched).
func runToEnd(t *testing.T, r *Runner, opts domainchat.Options) (in chat.TurnInput, events, steps int) {
	t.Helper()
	in = turnInput(opts)
	require.NoError(t, r.Start(t.Context(), in))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := r.Wait(ctx, in.TurnID)
	require.NoError(t, err)
	h, err := r.History(ctx, in.TurnID)
	require.NoError(t, err)
	for _, ev := range h.Events {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED,
			enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
			enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED:
		default:
			steps++
		}
	}
	return in, len(h.Events), steps
}

// Tokens never go through Temporal: a 2 000-token reply makes the same history as a 50-token one.
func TestHistoryDoesNotGrowWithTheReply(t *testing.T) {
	t.Parallel()
	var events, steps []int
	for _, words := range []int{50, 2000} {
		s := newSteps()
		s.replyWords = words
		_, n, st := runToEnd(t, serverRunner(t, s), domainchat.Options{Image: true, Voice: true, DeepThink: true})
		events, steps = append(events, n), append(steps, st)
	}
	t.Logf("history events: %d (%d besides workflow tasks) for a 50-word reply, %d (%d) for a 2000-word one",
		events[0], steps[0], events[1], steps[1])
	assert.Equal(t, steps[0], steps[1], "the same steps, whatever the reply's length")
	for _, n := range events {
		assert.LessOrEqual(t, n, maxHistoryEvents)
	}
}

func TestReplayRecordedHistory(t *testing.T) {
	t.Parallel()
	if os.Getenv("COMPANIONHUB_RECORD_HISTORY") != "" {
		r := serverRunner(t, newSteps())
		in, _, _ := runToEnd(t, r, domainchat.Options{Image: true, Voice: true, DeepThink: true})
		h, err := r.History(t.Context(), in.TurnID)
		require.NoError(t, err)
		b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(h)
		require.NoError(t, err)
		// Worker identities and sticky queues name the machine; the file is committed.
		if host, err := os.Hostname(); err == nil && host != "" {
			b = []byte(strings.NewReplacer("@"+host+"@", "@worker@", `"`+host+":", `"worker:`).Replace(string(b)))
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(recordedHistory), 0o755))
		require.NoError(t, os.WriteFile(recordedHistory, b, 0o644))
		t.Logf("recorded %s (%d events)", recordedHistory, len(h.Events))
	}
	f, err := os.Open(recordedHistory)
	require.NoError(t, err, "record it: COMPANIONHUB_RECORD_HISTORY=1 go test -run Replay ./adapter/temporalwf/")
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)

	replay := func(wf func(workflow.Context, chat.TurnInput) (chat.TurnResult, error)) error {
		rp := worker.NewWorkflowReplayer()
		rp.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: TurnWorkflowName})
		return rp.ReplayWorkflowHistory(NewLogger(zaptest.NewLogger(t)), h)
	}
	require.NoError(t, replay(turnWorkflow(workflowOptions{})), "the workflow no longer replays its recorded "+
		"history: version the change (workflow.GetVersion), or record again if no turn can be running")

	// The check can fail: a pipeline that stops after the recall does not replay.
	require.Error(t, replay(func(ctx workflow.Context, in chat.TurnInput) (chat.TurnResult, error) {
		x := &executor{ctx: ctx}
		var out chat.RecallOutput
		err := x.Run(chat.StepRecall, chat.Policies[chat.StepRecall], chat.RecallInput{TurnID: in.TurnID}, &out)
		return chat.TurnResult{}, err
	}))
}
