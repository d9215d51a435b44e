package espeak

import (
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Options are the backend's own settings; espeak-ng reads none of the speech feature's (URL, key,
// model), and the feature's timeout bounds each call through its context.
type Options struct {
	Path  string `env:"TTS_ESPEAK_PATH" help:"the espeak-ng program the espeak speech backend runs: a name looked up in PATH, or a path"`
	Voice string `env:"TTS_ESPEAK_VOICE" help:"the espeak speech backend's voice when a companion names none (espeak-ng --voices lists them; a variant as en-us+f3)"`
	Speed int    `env:"TTS_ESPEAK_SPEED" help:"the espeak speech backend's speed, in words per minute (80–450)"`
	Pitch int    `env:"TTS_ESPEAK_PITCH" help:"the espeak speech backend's pitch (1–99)"`
}

// DefaultOptions are espeak-ng from PATH, en-us, at espeak-ng's own speed and pitch.
func DefaultOptions() *Options {
	c := DefaultConfig()
	return &Options{Path: c.Path, Voice: c.Voice, Speed: c.Speed, Pitch: c.Pitch}
}

// Validate checks the speed, the pitch and the shape of the voice id (whether espeak-ng has the
// voice is checked when the backend opens).
func (o *Options) Validate() error {
	c := o.config()
	switch {
	case c.Speed < MinSpeed || c.Speed > MaxSpeed:
		return envflag.Fieldf("Speed", "must be %d–%d words per minute, got %d", MinSpeed, MaxSpeed, c.Speed)
	case c.Pitch < 1 || c.Pitch > MaxPitch:
		return envflag.Fieldf("Pitch", "must be 1–%d, got %d", MaxPitch, c.Pitch)
	case !voicePattern.MatchString(c.withDefaults().Voice):
		return envflag.Fieldf("Voice", "%q is not a voice id (such as en-us, or en-us+f3)", c.Voice)
	}
	return nil
}

func (o *Options) config() Config {
	return Config{Path: o.Path, Voice: o.Voice, Speed: o.Speed, Pitch: o.Pitch}
}

// Backend describes the espeak-ng synthesizer to a hub's speech catalogue as "espeak". Opening it
// fails (KindInternal, saying what to install) when the program is missing, and when its
// configured voice is not one espeak-ng has.
func Backend() backend.Backend[voice.Synthesizer] {
	return backend.Local("espeak", DefaultOptions, func(o *Options) (voice.Synthesizer, error) {
		s, err := New(o.config())
		if err != nil {
			return nil, err
		}
		return s, nil
	})
}
