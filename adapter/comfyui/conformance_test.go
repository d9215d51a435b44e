package comfyui

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/contract/imagegentest"
	"github.com/companionhub/companionhub/test/fakes/comfyfake"
	"github.com/companionhub/companionhub/usecase/picture"
)

// testConfig is a configuration for fake, with a poll fast enough for tests.
func testConfig(fake *comfyfake.Server) Config {
	c := DefaultConfig()
	c.BaseURL, c.Model, c.Timeout, c.PollInterval = fake.URL(), comfyfake.DefaultCheckpoint, time.Minute, 5*time.Millisecond
	return c
}

// newClient starts a fake with opts and returns a client of it, built from testConfig changed by
// edit (which may be nil).
func newClient(t *testing.T, edit func(*Config), opts ...comfyfake.Option) (*Client, *comfyfake.Server) {
	t.Helper()
	fake := comfyfake.New(t, opts...)
	cfg := testConfig(fake)
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg, fake.Client())
	require.NoError(t, err)
	return c, fake
}

// The client passes the port's suite against the fake, with its WebSocket reporting progress.
func TestConformance(t *testing.T) {
	t.Parallel()
	imagegentest.Run(t, imagegentest.Harness{
		New: func(t *testing.T) picture.Generator {
			c, _ := newClient(t, nil)
			return c
		},
		Deterministic: true, ReportsProgress: true,
	})
}

// Behind a proxy that does not forward WebSockets, the client follows renders by polling the
// history alone: everything but progress still holds.
func TestConformanceWithoutWebSocket(t *testing.T) {
	t.Parallel()
	imagegentest.Run(t, imagegentest.Harness{
		New: func(t *testing.T) picture.Generator {
			c, _ := newClient(t, nil, comfyfake.WithoutWebSocket())
			return c
		},
		Deterministic: true,
	})
}
