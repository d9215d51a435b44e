package companionhub_test

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	companionhub "github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
)

// bound is a configuration read from env and flags as the binary reads it.
type bound struct {
	cfg     companionhub.Config
	binding *envflag.Binding
}

// bindConfig binds DefaultConfig to a fresh flag set, with env as the whole environment, and
// applies it.
func bindConfig(t *testing.T, env map[string]string, args ...string) *bound {
	t.Helper()
	b := &bound{cfg: companionhub.DefaultConfig()}
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	binding, err := envflag.Bind(fs, companionhub.EnvPrefix, &b.cfg, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	require.NoError(t, err)
	require.NoError(t, fs.Parse(args))
	require.NoError(t, binding.Apply())
	b.binding = binding
	return b
}

func varNames(b *envflag.Binding) []string {
	var names []string
	for _, v := range b.Vars() {
		names = append(names, v.Name)
	}
	return names
}

func TestDefaultConfigIsValid(t *testing.T) {
	t.Parallel()
	require.NoError(t, companionhub.DefaultConfig().Validate(), "the embedded profile starts with no settings at all")

	b := bindConfig(t, nil)
	require.NoError(t, b.cfg.Validate())
	assert.Equal(t, companionhub.DefaultConfig(), b.cfg, "an empty environment changes nothing")
}

func TestDefaultConfigOffersTheSettingsOfEveryLinkedBackend(t *testing.T) {
	t.Parallel()
	hub := varNames(bindConfig(t, nil).binding)

	// openai's own setting and the offline model's, both under their backend's names.
	assert.Contains(t, hub, "COMPANIONHUB_LLM_FIRST_BYTE_TIMEOUT")
	assert.Contains(t, hub, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND")
	for _, name := range []string{"COMPANIONHUB_REDIS_URL", "COMPANIONHUB_TEMPORAL_ADDRESS", "COMPANIONHUB_WORKER_HTTP_ADDR",
		"COMPANIONHUB_RATE_LIMIT_STORE", "COMPANIONHUB_STREAM_BUS", "COMPANIONHUB_TURN_RUNNER"} {
		assert.Contains(t, hub, name)
	}

	// The core alone links no SDK, so it has no openai settings to offer.
	coreCfg := core.DefaultConfig()
	cb, err := envflag.Bind(flag.NewFlagSet("core", flag.ContinueOnError), core.EnvPrefix, &coreCfg, func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	assert.NotContains(t, varNames(cb), "COMPANIONHUB_LLM_FIRST_BYTE_TIMEOUT")
	assert.Contains(t, varNames(cb), "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND")

	provider, ok := bindConfig(t, nil).binding.Lookup("LLM.Provider")
	require.True(t, ok)
	assert.Equal(t, "COMPANIONHUB_LLM_PROVIDER", provider.Name)
	assert.Contains(t, provider.Help, "offline, openai", "the help names the choices of this build")
}

func TestCatalogs(t *testing.T) {
	t.Parallel()
	cs, builtin := companionhub.Catalogs(), core.Builtin()

	assert.ElementsMatch(t, []string{"offline", "openai"}, cs.Models.Names())
	assert.Equal(t, []string{"offline"}, builtin.Models.Names(), "the core links no SDK")
	assert.ElementsMatch(t, []string{"offline", "a1111", "comfyui", "openai"}, cs.Images.Names())
	assert.Equal(t, []string{"offline"}, builtin.Images.Names())
	assert.ElementsMatch(t, []string{"offline", "openai"}, cs.Embeddings.Names())
	assert.Equal(t, []string{"offline"}, builtin.Embeddings.Names())
	assert.ElementsMatch(t, []string{"offline", "espeak", "elevenlabs", "openai"}, cs.Speech.Names())
	assert.Equal(t, []string{"offline"}, builtin.Speech.Names())
	assert.ElementsMatch(t, []string{"openai"}, cs.Transcription.Names())
	assert.Empty(t, builtin.Transcription.Names(), "no offline transcriber: voice notes need a service")
}

func TestValidateNamesTheVariables(t *testing.T) {
	t.Parallel()
	const redisURL = "redis://localhost:6379/0"
	const postgresURL = "postgres://hub:secret@localhost:5432/hub"
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		paths []string // of the field errors; none: valid
		vars  []string // the variables the explained error names, in order
	}{
		{name: "rate limits in redis without redis",
			env:   map[string]string{"COMPANIONHUB_RATE_LIMIT_STORE": "redis"},
			paths: []string{"RateLimitStore"}, vars: []string{"COMPANIONHUB_RATE_LIMIT_STORE (--rate-limit-store): is redis but COMPANIONHUB_REDIS_URL is not set"}},
		{name: "stream bus in redis without redis",
			env:   map[string]string{"COMPANIONHUB_STREAM_BUS": "redis"},
			paths: []string{"StreamBus"}, vars: []string{"COMPANIONHUB_STREAM_BUS (--stream-bus): is redis but COMPANIONHUB_REDIS_URL is not set"}},
		{name: "both in redis without redis",
			env:   map[string]string{"COMPANIONHUB_STREAM_BUS": "redis", "COMPANIONHUB_RATE_LIMIT_STORE": "redis"},
			paths: []string{"RateLimitStore", "StreamBus"},
			vars: []string{"COMPANIONHUB_RATE_LIMIT_STORE (--rate-limit-store): is redis but COMPANIONHUB_REDIS_URL is not set",
				"COMPANIONHUB_STREAM_BUS (--stream-bus): is redis but COMPANIONHUB_REDIS_URL is not set"}},
		{name: "both in redis with redis",
			env: map[string]string{"COMPANIONHUB_STREAM_BUS": "redis", "COMPANIONHUB_RATE_LIMIT_STORE": "redis", "COMPANIONHUB_REDIS_URL": redisURL}},
		{name: "a redis URL that is not one",
			env:   map[string]string{"COMPANIONHUB_REDIS_URL": "http://localhost:6379"},
			paths: []string{"Redis.URL"}},
		// Turns on Temporal run in worker processes, which cannot publish to this one's memory.
		{name: "temporal with the default stream bus",
			env:   map[string]string{"COMPANIONHUB_TURN_RUNNER": "temporal"},
			paths: []string{"StreamBus"}},
		{name: "temporal with a memory stream bus despite redis",
			env:   map[string]string{"COMPANIONHUB_TURN_RUNNER": "temporal", "COMPANIONHUB_STREAM_BUS": "memory", "COMPANIONHUB_REDIS_URL": redisURL},
			paths: []string{"StreamBus"}},
		{name: "temporal with redis",
			env: map[string]string{"COMPANIONHUB_TURN_RUNNER": "temporal", "COMPANIONHUB_REDIS_URL": redisURL}},
		{name: "temporal with postgres",
			env: map[string]string{"COMPANIONHUB_TURN_RUNNER": "temporal", "COMPANIONHUB_DATABASE_URL": postgresURL}},
		{name: "temporal without an address",
			env:  map[string]string{"COMPANIONHUB_TURN_RUNNER": "temporal", "COMPANIONHUB_REDIS_URL": redisURL},
			args: []string{"--temporal-address="}, paths: []string{"Temporal.Address"},
			vars: []string{"COMPANIONHUB_TEMPORAL_ADDRESS (--temporal-address): must not be empty"}},
		// Temporal's settings matter only to turns that run there.
		{name: "local turns without a temporal address",
			args: []string{"--temporal-address="}},
		// openai is this package's: the core's own catalogue would not know it.
		{name: "an openai model",
			env: map[string]string{"COMPANIONHUB_LLM_BASE_URL": "http://localhost:11434/v1", "COMPANIONHUB_LLM_MODEL": "llama3.1"}},
		{name: "an openai model without a model name",
			env:  map[string]string{"COMPANIONHUB_LLM_BASE_URL": "http://localhost:11434/v1"},
			vars: []string{"COMPANIONHUB_LLM_MODEL (--llm-model): is empty; name the model to use, e.g. gpt-4o-mini or llama3.1:8b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := bindConfig(t, tc.env, tc.args...)

			err := b.cfg.Validate()

			if tc.paths == nil && tc.vars == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			if tc.paths != nil {
				assert.Equal(t, tc.paths, companionhub.FieldPaths(err))
			}
			explained := b.binding.Explain(err)
			require.Error(t, explained)
			var names []string
			for _, e := range explained.(interface{ Unwrap() []error }).Unwrap() {
				var ve *envflag.VarError
				require.ErrorAs(t, e, &ve, "every problem is pinned on a variable: %v", e)
				assert.Regexp(t, `^COMPANIONHUB_[A-Z0-9_]+$`, ve.Name)
				names = append(names, e.Error())
			}
			if tc.vars != nil {
				assert.Equal(t, tc.vars, names)
			}
		})
	}
}

func TestValidateWorker(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		paths []string
	}{
		{name: "the embedded profile", paths: []string{"StreamBus"}},
		{name: "redis", env: map[string]string{"COMPANIONHUB_REDIS_URL": "redis://localhost:6379"}},
		{name: "postgres", env: map[string]string{"COMPANIONHUB_DATABASE_URL": "postgres://hub:secret@localhost:5432/hub"}},
		{name: "postgres with a memory stream bus", paths: []string{"StreamBus"},
			env: map[string]string{"COMPANIONHUB_DATABASE_URL": "postgres://hub:secret@localhost:5432/hub", "COMPANIONHUB_STREAM_BUS": "memory"}},
		{name: "no task queue", paths: []string{"Temporal.TaskQueue"},
			env: map[string]string{"COMPANIONHUB_REDIS_URL": "redis://localhost:6379"}, args: []string{"--temporal-task-queue="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := bindConfig(t, tc.env, tc.args...)

			err := b.cfg.ValidateWorker()

			if tc.paths == nil {
				require.NoError(t, err)
				return
			}
			assert.Equal(t, tc.paths, companionhub.FieldPaths(err))
			assert.Contains(t, b.binding.Explain(err).Error(), "COMPANIONHUB_", "the operator is told which variable")
		})
	}
}

// closedPort is an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestNewRefusesAnInvalidConfigBeforeOpeningAnything(t *testing.T) {
	t.Parallel()
	cfg := companionhub.DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "hub")
	cfg.AutoMigrate = "sometimes"
	// Redis would be dialled first, and answer "connection refused" instead of the real problem.
	cfg.Redis.URL = secret.String("redis://" + closedPort(t))

	hub, err := companionhub.New(context.Background(), cfg, zap.NewNop())

	require.Error(t, err)
	assert.Nil(t, hub)
	assert.Equal(t, []string{"AutoMigrate"}, companionhub.FieldPaths(err), "%v", err)
	_, statErr := os.Stat(cfg.DataDir)
	assert.ErrorIs(t, statErr, os.ErrNotExist, "no database was created")
}

func TestNewEmbedded(t *testing.T) {
	t.Parallel()
	cfg := companionhub.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Blobs.URL = secret.String("mem://")
	closed := 0

	hub, err := companionhub.New(context.Background(), cfg, zap.NewNop(), companionhub.WithOnClose(func() { closed++ }))
	require.NoError(t, err)
	t.Cleanup(hub.Close)

	srv := httptest.NewServer(hub.Handler())
	defer srv.Close()
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := srv.Client().Get(srv.URL + path)
		require.NoError(t, err)
		var body struct{ Status string }
		require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
		require.NoError(t, res.Body.Close())
		assert.Equal(t, http.StatusOK, res.StatusCode, path)
		assert.Equal(t, "ok", body.Status, path)
	}

	hub.Close()
	assert.Equal(t, 1, closed)
	require.NotPanics(t, hub.Close, "Close is safe to call again")
	assert.Equal(t, 1, closed, "what was opened is released once")
}

// The settings of a feature whose port an embedder brings are not checked (they are not used), and
// what the embedder handed over is released when New fails before building anything.
func TestNewHonoursTheEmbeddersPorts(t *testing.T) {
	t.Parallel()
	cfg := companionhub.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Blobs.URL = secret.String("mem://")
	cfg.LLM.Provider = "nope"
	hub, err := companionhub.New(context.Background(), cfg, zap.NewNop(), companionhub.WithModel(offline.New(offline.Config{})))
	require.NoError(t, err, "an unknown model provider is no problem when the embedder brings the model")
	hub.Close()

	released := 0
	cfg.AutoMigrate = "sometimes"
	_, err = companionhub.New(context.Background(), cfg, zap.NewNop(), companionhub.WithOnClose(func() { released++ }))
	require.Error(t, err)
	assert.Equal(t, 1, released, "a failed New releases what the embedder handed over")
	_, err = companionhub.NewWorker(context.Background(), cfg, zap.NewNop(), companionhub.WithOnClose(func() { released++ }))
	require.Error(t, err)
	assert.Equal(t, 2, released)
}
