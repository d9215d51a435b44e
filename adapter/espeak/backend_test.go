package espeak

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/usecase/voice"
)

func TestBackendOpensOnItsDefaults(t *testing.T) {
	t.Parallel()
	requireProgram(t)
	b := Backend()
	assert.Equal(t, "espeak", b.Name)
	syn := backendtest.Open(t, "voice", b, backend.Settings{Provider: "espeak"})
	a, err := syn.Synthesize(t.Context(), voice.Request{Text: "hello"})
	require.NoError(t, err)
	require.NoError(t, voice.CheckAudio(a))
}

func TestBackendWithoutTheProgramSaysWhatToInstall(t *testing.T) {
	t.Parallel()
	cat := backend.NewCatalog("voice", Backend())
	var cs backend.Configs
	cat.Defaults(&cs)
	own, ok := cs.Get("voice", "espeak").(*Options)
	require.True(t, ok)
	own.Path = "/nonexistent/espeak-ng"
	_, _, err := cat.Open(t.Context(), backend.Settings{Provider: "espeak"}, cs, backend.Deps{})
	require.Error(t, err)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))
	assert.Contains(t, err.Error(), "apt-get install espeak-ng")
}

func TestBackendOpensTheConfiguredProgram(t *testing.T) {
	t.Parallel()
	o := DefaultOptions()
	o.Path, o.Voice = filepath.Join(fakes, "ok"), "fr-fr"
	syn, cleanup, err := Backend().Open(t.Context(), backend.Settings{Provider: "espeak"}, o, backend.Deps{})
	require.NoError(t, err)
	if cleanup != nil {
		t.Cleanup(cleanup)
	}
	s, ok := syn.(*Synthesizer)
	require.True(t, ok)
	assert.Equal(t, "fr-fr", s.cfg.Voice)
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, DefaultOptions().Validate())
	for field, o := range map[string]Options{
		"Speed": {Voice: "en-us", Speed: 10, Pitch: 50},
		"Pitch": {Voice: "en-us", Speed: 175, Pitch: 100},
		"Voice": {Voice: "-w /tmp/x", Speed: 175, Pitch: 50},
	} {
		err := o.Validate()
		var fe *envflag.FieldError
		require.True(t, errors.As(err, &fe), "%s: %v", field, err)
		assert.Equal(t, field, fe.Path)
	}
}
