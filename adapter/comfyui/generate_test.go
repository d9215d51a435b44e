package comfyui

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/contract/porttest"
	"github.com/companionhub/companionhub/test/fakes/comfyfake"
	"github.com/companionhub/companionhub/usecase/picture"
)

// Without a WebSocket the render is followed through /history alone: the picture comes, and
// no progress is reported rather than a made-up one.
func TestWithoutWebSocketThePictureComesWithoutProgress(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, nil, comfyfake.WithoutWebSocket(), comfyfake.WithStepDuration(time.Millisecond))
	calls := 0
	res, err := c.Generate(t.Context(), request(), func(picture.Progress) { calls++ })
	require.NoError(t, err)
	assert.NotEmpty(t, res.Data)
	assert.Zero(t, calls)
}

// A WebSocket that breaks midway is not the render failing: the client goes on polling.
func TestBrokenWebSocketFallsBackToPolling(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, nil, comfyfake.WithBehaviour(comfyfake.DropSocket()))
	res, err := c.Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	assert.NotEmpty(t, res.Data)
}

// A bearer token reaches every route, the WebSocket's included (else the fake would refuse it
// and the render would report no progress).
func TestAPIKeyIsSentAsBearer(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t, func(c *Config) { c.APIKey = "proxy-key" }, comfyfake.WithAPIKey("proxy-key"))
	progressed := false
	_, err := c.Generate(t.Context(), request(), func(picture.Progress) { progressed = true })
	require.NoError(t, err)
	assert.True(t, progressed, "progress came over the authenticated WebSocket")
	assert.Equal(t, "Bearer proxy-key", fake.Prompts()[0].Header.Get("Authorization"))
}

// A render the caller gives up on once it has started is removed from the queue and interrupted,
// by its id, before Generate returns; the error says the call was cancelled.
func TestCancelledRenderIsInterrupted(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t, nil, comfyfake.WithBehaviour(comfyfake.Hang()))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := c.Generate(ctx, request(), func(picture.Progress) { cancel() })
	porttest.RequireCancelled(t, err)
	assert.ErrorIs(t, err, errCancelled)
	id := fake.Prompts()[0].ID
	assert.Equal(t, []string{id}, fake.Deleted())
	assert.Equal(t, []string{id}, fake.Interrupts(), "the interrupt names the prompt")
}

// The adapter's own timeout ends a render that never finishes, as a retryable timeout. (Whether
// the prompt was queued and started by then depends on the machine's speed, so what the server
// was told is TestCancelledRenderIsInterrupted's to check.)
func TestTimeoutEndsAHangingRender(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, func(c *Config) { c.Timeout = 300 * time.Millisecond },
		comfyfake.WithBehaviour(comfyfake.Hang()))
	_, err := c.Generate(t.Context(), request(), nil)
	require.ErrorIs(t, err, errTimedOut)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
}

// The caller's deadline is reported as a timeout too, polling or not.
func TestCallerDeadline(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, nil, comfyfake.WithoutWebSocket(), comfyfake.WithBehaviour(comfyfake.Hang()))
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := c.Generate(ctx, request(), nil)
	require.ErrorIs(t, err, errTimedOut)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// Progress from several sampling stages adds up to one rising count.
func TestStagesAddUp(t *testing.T) {
	t.Parallel()
	var s stages
	var got []picture.Progress
	for _, r := range []struct {
		node       string
		value, max int
	}{{"5", 1, 20}, {"5", 20, 20}, {"9", 0, 10}, {"9", 5, 10}, {"9", 3, 10}, {"9", 10, 10}, {"9", 1, 0}} {
		if p, ok := s.update(r.node, r.value, r.max); ok {
			got = append(got, p)
		}
	}
	assert.Equal(t, []picture.Progress{{Done: 1, Total: 20}, {Done: 20, Total: 20}, {Done: 20, Total: 30},
		{Done: 25, Total: 30}, {Done: 25, Total: 30}, {Done: 30, Total: 30}}, got)
}

// The socket's messages are read as the render's events; the others are skipped.
func TestDecodeEvent(t *testing.T) {
	t.Parallel()
	cases := map[string]event{
		`{"type":"progress","data":{"value":3,"max":20,"prompt_id":"p","node":"5"}}`: {kind: evProgress, promptID: "p", node: "5", value: 3, max: 20},
		`{"type":"executing","data":{"node":"5","prompt_id":"p"}}`:                   {kind: evStarted, promptID: "p", node: "5"},
		`{"type":"executing","data":{"node":null,"prompt_id":"p"}}`:                  {kind: evFinished, promptID: "p"},
		`{"type":"execution_success","data":{"prompt_id":"p"}}`:                      {kind: evFinished, promptID: "p"},
		`{"type":"execution_error","data":{"prompt_id":"p","exception_type":"E"}}`:   {kind: evFailed, promptID: "p", excType: "E"},
		`{"type":"execution_interrupted","data":{"prompt_id":"p"}}`:                  {kind: evInterrupted, promptID: "p"},
	}
	for msg, want := range cases {
		got, ok := decodeEvent([]byte(msg))
		assert.True(t, ok, msg)
		assert.Equal(t, want, got, msg)
	}
	for _, msg := range []string{`{"type":"status","data":{"status":{}}}`, `{"type":"execution_cached","data":{}}`,
		`{"type":"progress_state","data":{}}`, `not json`} {
		_, ok := decodeEvent([]byte(msg))
		assert.False(t, ok, msg)
	}
}

// Samplers lists the server's sampler names, in either shape ComfyUI describes them.
func TestSamplers(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, nil, comfyfake.WithSamplers("euler", "lcm"))
	names, err := c.Samplers(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"euler", "lcm"}, names)

	names, err = samplerNames([]byte(`{"KSampler":{"input":{"required":{"sampler_name":["COMBO",{"options":["a","b"]}]}}}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, names)
	_, err = samplerNames([]byte(`{}`))
	require.Error(t, err)

	unreachable, err := New(Config{BaseURL: "http://127.0.0.1:1", Model: "m", Timeout: time.Minute,
		Scheduler: "normal", PollInterval: time.Second}, nil)
	require.NoError(t, err)
	_, err = unreachable.Samplers(t.Context())
	require.True(t, errors.Is(err, errUnavailable), "%v", err)
}
