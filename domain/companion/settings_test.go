package companion

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
)

func newTestCompanion(t *testing.T, now time.Time) *Companion {
	t.Helper()
	p, err := NewProfile(ProfileSpec{Name: "Mira", Age: 26})
	require.NoError(t, err)
	return New(domain.NewID(now), domain.NewID(now), p, now)
}

func TestANewCompanionHasTheDefaultSettings(t *testing.T) {
	t.Parallel()
	c := newTestCompanion(t, time.Now())
	require.Equal(t, Settings{Memory: true}, c.Settings(), "it remembers; pictures, voice and DeepThink wait to be asked for")
	require.Equal(t, DefaultSettings(), c.Settings())
}

func TestSettingsApplyChangesOnlyWhatIsGiven(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	s := DefaultSettings()
	require.Equal(t, s, s.Apply(SettingsChange{}), "an empty change changes nothing")
	require.Equal(t, Settings{AutoImage: true, Memory: true}, s.Apply(SettingsChange{AutoImage: &yes}))
	require.Equal(t, Settings{Voice: true, DeepThink: true}, s.Apply(SettingsChange{Voice: &yes, Memory: &no, DeepThink: &yes}))
	require.Equal(t, Settings{}, Settings{AutoImage: true, Voice: true, Memory: true, DeepThink: true}.Apply(
		SettingsChange{AutoImage: &no, Voice: &no, Memory: &no, DeepThink: &no}))
}

func TestChangeSettingsMovesUpdatedAtOnlyOnAChange(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	c := newTestCompanion(t, t0)
	yes := true

	changed, err := c.ChangeSettings(SettingsChange{Memory: &yes}, t0.Add(time.Minute))
	require.NoError(t, err)
	require.False(t, changed, "memory was on already")
	require.Equal(t, t0, c.UpdatedAt())

	changed, err = c.ChangeSettings(SettingsChange{AutoImage: &yes}, t0.Add(time.Hour))
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, Settings{AutoImage: true, Memory: true}, c.Settings())
	require.Equal(t, t0.Add(time.Hour), c.UpdatedAt())
}

func TestATrashedCompanionsSettingsAreReadOnly(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	c := newTestCompanion(t, t0)
	c.Delete(t0.Add(time.Minute))
	yes := true
	changed, err := c.ChangeSettings(SettingsChange{Voice: &yes}, t0.Add(time.Hour))
	require.ErrorIs(t, err, ErrTrashed)
	require.False(t, changed)
	require.Equal(t, DefaultSettings(), c.Settings(), "still readable, unchanged")
	require.Equal(t, t0.Add(time.Minute), c.UpdatedAt())

	_, err = c.ChangeSettings(SettingsChange{}, t0.Add(time.Hour))
	require.ErrorIs(t, err, ErrTrashed, "even a change of nothing is a write")

	c.Restore(t0.Add(2 * time.Hour))
	changed, err = c.ChangeSettings(SettingsChange{Voice: &yes}, t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.True(t, changed)
}
