package companion

import "time"

// Settings are how the owner wants conversations with the companion to go: what every reply comes
// with, and whether the companion remembers. The original app kept such toggles in the browser
// (reference §2.14: per browser, not per person); the hub keeps them with the companion, so every
// client and every device sees the same. Any combination is valid.
type Settings struct {
	// AutoImage gives every reply a picture — when the hub draws pictures and the person's hourly
	// picture allowance is not used up; otherwise the reply simply comes without one. A send can
	// still ask for a picture, or decline one, itself.
	AutoImage bool
	// Voice speaks every reply, when the hub has a voice; a send can say otherwise.
	Voice bool
	// Memory lets the companion remember and recall (SPEC §3.5). Off, a turn neither recalls nor
	// learns — and, since the relationship moves with what is learnt, it stays where it is.
	Memory bool
	// DeepThink is whether a reply plans before it writes when the send does not say.
	DeepThink bool
}

// DefaultSettings are a new companion's: it remembers; pictures, voice and DeepThink wait to be
// asked for (the original's defaults: RAG on, DeepThink off).
func DefaultSettings() Settings { return Settings{Memory: true} }

// SettingsChange is a partial change of settings: a nil field stays as it is.
type SettingsChange struct {
	AutoImage *bool
	Voice     *bool
	Memory    *bool
	DeepThink *bool
}

// Apply returns s with the fields ch sets.
func (s Settings) Apply(ch SettingsChange) Settings {
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.AutoImage, ch.AutoImage)
	set(&s.Voice, ch.Voice)
	set(&s.Memory, ch.Memory)
	set(&s.DeepThink, ch.DeepThink)
	return s
}

// Settings are the companion's settings.
func (c *Companion) Settings() Settings { return c.settings }

// ChangeSettings applies ch and reports whether anything changed; only a change moves UpdatedAt.
// A companion in the trash keeps its settings (ErrTrashed), as it keeps everything else.
func (c *Companion) ChangeSettings(ch SettingsChange, now time.Time) (changed bool, err error) {
	if err := c.Writable(); err != nil {
		return false, err
	}
	next := c.settings.Apply(ch)
	if next == c.settings {
		return false, nil
	}
	c.settings = next
	c.updatedAt = now
	return true, nil
}
