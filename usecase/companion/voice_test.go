package companion_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// voiceList knows some voices and records what it was asked.
type voiceList struct {
	mu    sync.Mutex
	known map[string]bool
	asked []string
}

func (v *voiceList) CheckVoice(_ context.Context, id string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.asked = append(v.asked, id)
	if !v.known[id] {
		return domain.E(domain.KindNotFound, "voice_not_found", "no such voice")
	}
	return nil
}

func (v *voiceList) calls() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.asked...)
}

// A companion's new voice is checked against the speech backend's; one it had already, or a
// voice switched off, is not asked about again.
func TestAVoiceIsCheckedWhenItIsGiven(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	voices := &voiceList{known: map[string]bool{"EXAVITQu4vr4xnSDxMaL": true}}
	e := newEnv(t, func(d *companionuc.Deps) { d.Voices = voices })
	owner := e.user(t)
	c := e.create(t, owner)
	require.Equal(t, []string{"EXAVITQu4vr4xnSDxMaL"}, voices.calls())

	spec := fullSpec()
	spec.Voice.VoiceID = "no-such-voice"
	_, err := e.app.Create.Handle(ctx, companionuc.Create{OwnerID: owner, Profile: spec, Meta: meta})
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
	require.Contains(t, err.Error(), "voice.voice_id")

	rename := func(s companion.ProfileSpec) (companion.ProfileSpec, error) { s.Name = "Mira"; return s, nil }
	_, err = e.app.Update.Handle(ctx, companionuc.Update{OwnerID: owner, ID: c.ID(), Meta: meta, Change: rename})
	require.NoError(t, err)
	require.Len(t, voices.calls(), 2, "the voice it had is not asked about again")

	other := func(s companion.ProfileSpec) (companion.ProfileSpec, error) {
		s.Voice.VoiceID = "unknown-id"
		return s, nil
	}
	_, err = e.app.Update.Handle(ctx, companionuc.Update{OwnerID: owner, ID: c.ID(), Meta: meta, Change: other})
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
	got, err := e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, "EXAVITQu4vr4xnSDxMaL", got.Profile().Spec().Voice.VoiceID, "the refused change changed nothing")

	off := func(s companion.ProfileSpec) (companion.ProfileSpec, error) {
		s.Voice = companion.Voice{Provider: "elevenlabs", VoiceID: "whatever", Enabled: false}
		return s, nil
	}
	_, err = e.app.Update.Handle(ctx, companionuc.Update{OwnerID: owner, ID: c.ID(), Meta: meta, Change: off})
	require.NoError(t, err, "a voice switched off is not checked")
	require.Len(t, voices.calls(), 3)
}
