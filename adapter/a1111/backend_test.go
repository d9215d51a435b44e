package a1111

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/test/fakes/a1111fake"
)

func TestBackendDescriptor(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	g := backendtest.Open(t, "image", Backend(), backend.Settings{Provider: "a1111", BaseURL: fake.URL() + "/",
		Model: "sd_xl_base_1.0"})
	res, err := g.Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	assert.NotEmpty(t, res.Data)
	assert.Equal(t, "sd_xl_base_1.0.safetensors [31e35c80fc]", fake.Requests()[0].Checkpoint)
}

func TestBackendChecksItsSettings(t *testing.T) {
	t.Parallel()
	cat := backend.NewCatalog("image", Backend())
	for _, tc := range []struct{ url, key, want string }{
		{"", "", "IMAGE.BaseURL"},
		{"127.0.0.1:7860", "", "IMAGE.BaseURL"},
		{"http://user:hunter2@127.0.0.1:7860", "", "IMAGE.BaseURL"},
		{"http://127.0.0.1:7860/sdapi/v1", "", "IMAGE.BaseURL"},
		{"http://127.0.0.1:7860", "user:hunter2\n", "IMAGE.APIKey"},
	} {
		var cs backend.Configs
		cat.Defaults(&cs)
		err := cat.Check(backend.Settings{Provider: "a1111", BaseURL: tc.url, APIKey: secret.String(tc.key), Timeout: 1}, cs, "IMAGE", "Backends")
		require.Error(t, err, tc.url)
		assert.Contains(t, err.Error(), tc.want, tc.url)
		assert.NotContains(t, err.Error(), "hunter2", "credentials are never quoted")
	}

	var cs backend.Configs
	cat.Defaults(&cs)
	own, ok := cs.Get("image", "a1111").(*Options)
	require.True(t, ok)
	own.Steps = 0
	err := cat.Check(backend.Settings{Provider: "a1111", BaseURL: "http://127.0.0.1:7860"}, cs, "IMAGE", "Backends")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Backends.image-a1111.Steps")
	assert.Equal(t, 1, strings.Count(err.Error(), "IMAGE.Timeout"), "a bad timeout is reported once: %v", err)
}
