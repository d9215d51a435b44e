package elevenlabs

import (
	"time"

	"github.com/companionhub/companionhub/domain/media"
)

// SetClock replaces the clock the voices cache reads.
func SetClock(s *Synthesizer, now func() time.Time) { s.now = now }

// MP3Duration is how the adapter reads an MP3's length, for the tests of the fake's frames.
func MP3Duration(b []byte) time.Duration { return media.AudioDuration(media.MP3, b) }
