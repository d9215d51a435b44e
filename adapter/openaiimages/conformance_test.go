package openaiimages_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaiimages"
	"github.com/companionhub/companionhub/test/contract/imagegentest"
	"github.com/companionhub/companionhub/test/fakes/imagesfake"
	"github.com/companionhub/companionhub/usecase/picture"
)

// newGenerator returns a Generator talking to s with the key s demands (when it demands one),
// model and the changes of edit. The fake's file host is on loopback, which url answers reach only
// when allowed: it is (see TestURLAnswersReachOnlyPublicAddresses for the default).
func newGenerator(t *testing.T, s *imagesfake.Server, model string, edit ...func(*openaiimages.Config)) *openaiimages.Generator {
	t.Helper()
	c := openaiimages.DefaultConfig()
	c.BaseURL, c.APIKey, c.Model, c.FetchAllow = s.URL(), testKey, model, loopback
	for _, e := range edit {
		e(&c)
	}
	g, err := openaiimages.New(c, s.Client())
	require.NoError(t, err)
	return g
}

// loopback are the addresses of the tests' file hosts.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// testKey is the key the tests' fakes demand.
const testKey = "sk-test-0123456789abcdef"

// The API has no seed: the fake draws from the prompt, so the same request gives the same bytes
// but another seed could not give others — hence not Deterministic. Nor does it report progress.

// TestConformance runs the suite against a GPT image model, which draws only its three sizes and
// answers b64_json: every picture is fitted to the requested size.
func TestConformance(t *testing.T) {
	t.Parallel()
	imagegentest.Run(t, imagegentest.Harness{
		New: func(t *testing.T) picture.Generator {
			return newGenerator(t, imagesfake.New(t, imagesfake.WithAPIKey(testKey)), imagesfake.GPTImage1Mini)
		},
	})
}

// TestConformanceOtherServers runs the suite against another server's model, which draws the
// exact size and answers with URLs on another host.
func TestConformanceOtherServers(t *testing.T) {
	t.Parallel()
	imagegentest.Run(t, imagegentest.Harness{
		New: func(t *testing.T) picture.Generator {
			fake := imagesfake.New(t, imagesfake.WithAPIKey(testKey), imagesfake.WithSeparateFileHost(),
				imagesfake.WithBehaviour(imagesfake.ForceURL()))
			return newGenerator(t, fake, imagesfake.CustomModel)
		},
	})
}
