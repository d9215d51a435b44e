package elevenlabs

import "time"

// SetClock replaces the clock the voices cache reads.
func SetClock(s *Synthesizer, now func() time.Time) { s.now = now }

// MP3Duration is mp3Duration, for the tests of the fake's frames.
var MP3Duration = mp3Duration
