package core_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/hashembed"
	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/picture"
)

// config is the embedded profile in a directory of the test's own, with files in memory.
func config(t *testing.T) core.Config {
	t.Helper()
	cfg := core.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Blobs.URL = "mem://"
	return cfg
}

// explain validates cfg as the binary does and returns the message naming the variables.
func explain(t *testing.T, cfg core.Config) string {
	t.Helper()
	b, err := envflag.Bind(flag.NewFlagSet("t", flag.ContinueOnError), core.EnvPrefix, &cfg,
		func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	err = b.Explain(cfg.Validate())
	require.Error(t, err)
	return err.Error()
}

func TestDefaultConfigIsValid(t *testing.T) {
	t.Parallel()
	require.NoError(t, core.DefaultConfig().Validate())
}

// A provider the build does not have stops start-up naming the variable and the choices; so does
// a bad own setting of the chosen backend.
func TestChoicesAreValidatedByTheirVariables(t *testing.T) {
	t.Parallel()
	cfg := config(t)
	cfg.Images.Provider = "comfyui"
	msg := explain(t, cfg)
	assert.Contains(t, msg, "COMPANIONHUB_IMAGE_PROVIDER")
	assert.Contains(t, msg, "offline", "the choices this build has")

	cfg = config(t)
	cfg.LLM.BaseURL = "http://localhost:11434/v1"
	msg = explain(t, cfg)
	assert.Contains(t, msg, "COMPANIONHUB_LLM_PROVIDER", "a base URL means the OpenAI-compatible model, which the core lacks")

	cfg = config(t)
	cfg.Embeddings.Provider = "offline"
	cfg.Backends.Set("embeddings", "offline", &hashembed.Config{Dimensions: 3})
	assert.Contains(t, explain(t, cfg), "COMPANIONHUB_OFFLINE_EMBEDDING_DIMENSIONS", "the chosen backend's own settings")

	cfg = config(t)
	cfg.RateLimits.FailOpen = []string{"nope"}
	cfg.Speech.Provider = "offline"
	cfg.Speech.Timeout = 0
	msg = explain(t, cfg)
	assert.Contains(t, msg, "COMPANIONHUB_RATE_LIMIT_FAIL_OPEN")
	assert.Contains(t, msg, "COMPANIONHUB_TTS_TIMEOUT", "a chosen feature needs a positive timeout")
}

// Infrastructure the core does not link is refused at build time with what to do instead.
func TestBatteriesAreNotInTheCore(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(*core.Config){
		"stream bus":   func(c *core.Config) { c.StreamBus = "redis" },
		"limiter":      func(c *core.Config) { c.RateLimitStore = "redis" },
		"turn runner":  func(c *core.Config) { c.TurnRunner = "temporal" },
		"blobs on S3:": func(c *core.Config) { c.Blobs.URL = "s3://bucket?region=eu-west-1" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := config(t)
			edit(&cfg)
			_, err := core.New(t.Context(), cfg, zap.NewNop())
			require.Error(t, err)
			require.Regexp(t, "not part of this build|not built into this program", err.Error(), "refused for the battery, not for something else")
		})
	}
}

// countingGenerator draws nothing and says how often it was asked.
type countingGenerator struct{ calls chan picture.Request }

func (g countingGenerator) Generate(_ context.Context, req picture.Request, _ func(picture.Progress)) (picture.Result, error) {
	g.calls <- req
	return picture.Result{}, domain.E(domain.KindInvalid, "refused", "the test refuses every picture")
}

// The settings choose a feature's backend; an option replaces it; with neither (the provider set
// empty) the feature is off.
func TestFeaturesComeFromSettingsOrOptions(t *testing.T) {
	t.Parallel()
	in := picture.IllustrateReply{OwnerID: domain.NewID(time.Now()), CompanionID: domain.NewID(time.Now()),
		Profile: mustProfile(t), Scene: companion.Scene{Location: "harbour"}}

	none := config(t)
	none.Images.Provider = ""
	off, err := core.New(t.Context(), none, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(off.Close)
	_, err = off.Pictures.IllustrateReply.Handle(t.Context(), in)
	require.ErrorIs(t, err, usecase.ErrNotConfigured)

	g := countingGenerator{calls: make(chan picture.Request, 1)}
	cfg := config(t)
	cfg.Images.Provider = "offline" // the option wins over the settings
	given, err := core.New(t.Context(), cfg, zap.NewNop(), core.WithImageGenerator(g))
	require.NoError(t, err)
	t.Cleanup(given.Close)
	_, err = given.Pictures.IllustrateReply.Handle(t.Context(), in)
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
	req := awaittest.Recv(t, g.calls, "the generator's call")
	assert.Contains(t, req.Prompt, "harbour", "the feature built the prompt, not the backend")
}

func mustProfile(t *testing.T) companion.Profile {
	t.Helper()
	p, err := companion.NewProfile(companion.ProfileSpec{Name: "Mika", Age: 24})
	require.NoError(t, err)
	return p
}

// Ports an embedder brings are the embedder's to close; WithOnClose runs once the hub released
// its own, and when New fails.
func TestClosingLeavesTheEmbeddersPortsToIt(t *testing.T) {
	t.Parallel()
	bus := memory.NewStreamBus(usecase.SystemClock{})
	t.Cleanup(func() { _ = bus.Close() })
	closed := 0
	h, err := core.New(t.Context(), config(t), zap.NewNop(), core.WithStreamBus(bus),
		core.WithModel(offline.New(offline.Config{})), core.WithOnClose(func() { closed++ }))
	require.NoError(t, err)
	h.Close()
	h.Close()
	assert.Equal(t, 1, closed)
	_, err = bus.Last(t.Context(), domain.NewID(time.Now()))
	require.NoError(t, err, "the bus the embedder brought is still open")

	bad := config(t)
	bad.AutoMigrate = "sometimes"
	_, err = core.New(t.Context(), bad, zap.NewNop(), core.WithOnClose(func() { closed++ }))
	require.Error(t, err)
	assert.Equal(t, 2, closed, "a failed New releases what the embedder handed over")
}

func TestMostSharedPrefersWhatReplicasShare(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		chosen          string
		redis, postgres bool
		want            string
	}{
		{"memory", true, true, "memory"}, // a choice is a choice
		{"", true, true, "redis"},
		{"", false, true, "postgres"},
		{"", false, false, "memory"},
	} {
		assert.Equal(t, tc.want, core.MostShared(tc.chosen, tc.redis, tc.postgres), "%+v", tc)
	}
}
