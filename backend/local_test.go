package backend_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
)

func TestLocalBackends(t *testing.T) {
	t.Parallel()
	s := backend.Settings{Provider: "offline", Timeout: time.Second}

	plain := backend.Local("offline", nil, func(backend.NoConfig) (*port, error) { return &port{backend: "plain"}, nil })
	assert.Nil(t, plain.Config, "no settings of its own")
	p, _, err := plain.Open(t.Context(), s, nil, backend.Deps{})
	require.NoError(t, err)
	assert.Equal(t, "plain", p.backend)

	var opened *comfyConfig
	tuned := backend.Local("offline", func() *comfyConfig { return &comfyConfig{Workflow: "default.json"} },
		func(c *comfyConfig) (*port, error) { opened = c; return &port{backend: "tuned"}, nil })
	require.NotNil(t, tuned.Config)
	assert.Equal(t, &comfyConfig{Workflow: "default.json"}, tuned.Config())
	_, _, err = tuned.Open(t.Context(), s, &comfyConfig{Workflow: "mine.json"}, backend.Deps{})
	require.NoError(t, err)
	assert.Equal(t, "mine.json", opened.Workflow, "the settings given, not the defaults")

	_, _, err = tuned.Open(t.Context(), s, &swappedCfg{}, backend.Deps{})
	assert.Equal(t, domain.KindInternal, domain.KindOf(err), "settings of another backend")
	_, _, err = tuned.Open(t.Context(), s, &comfyConfig{Workflow: "not-json"}, backend.Deps{})
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "settings the catalogue would have refused")

	broken := backend.Local("offline", nil, func(backend.NoConfig) (*port, error) { return nil, errors.New("no") })
	_, _, err = broken.Open(t.Context(), s, nil, backend.Deps{})
	require.ErrorContains(t, err, "offline backend: no")
}
