package a1111

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/contract/imagegentest"
	"github.com/companionhub/companionhub/test/fakes/a1111fake"
	"github.com/companionhub/companionhub/usecase/picture"
)

// testConfig points a client at a fake URL, polling progress often so that short renders report
// some.
func testConfig(url string) Config {
	c := DefaultConfig()
	c.BaseURL = url
	c.Timeout = time.Minute
	c.ProgressInterval = time.Millisecond
	return c
}

// newClient returns a client of the fake with c's settings.
func newClient(t *testing.T, fake *a1111fake.Server, c Config) *Client {
	t.Helper()
	if c.BaseURL == "" {
		c.BaseURL = fake.URL()
	}
	var hc *http.Client
	if fake != nil {
		hc = fake.Client()
	}
	client, err := New(c, hc)
	require.NoError(t, err)
	return client
}

// TestConformance runs the port's suite against the fake, whose sampling steps take a few
// milliseconds so that progress is polled while a render runs, with a checkpoint configured so
// every picture goes through the checkpoint lookup.
func TestConformance(t *testing.T) {
	t.Parallel()
	imagegentest.Run(t, imagegentest.Harness{
		New: func(t *testing.T) picture.Generator {
			fake := a1111fake.New(t, a1111fake.WithStepDuration(2*time.Millisecond))
			c := testConfig(fake.URL())
			c.Model = "sd_xl_base_1.0"
			return newClient(t, fake, c)
		},
		Deterministic:   true,
		ReportsProgress: true,
	})
}
