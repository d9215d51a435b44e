package chat

import (
	"fmt"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
)

// Sampling is what a client asks of the reply's generation (the OpenAI-compatible endpoint's
// max_tokens, temperature, top_p and stop); a zero field leaves it to the companion. The reply
// still follows the companion's persona: these only bound or tune how the model writes it.
type Sampling struct {
	// MaxTokens bounds the reply (0: the companion's own bound); at most MaxSampledTokens.
	MaxTokens   int
	Temperature *float64
	TopP        *float64
	// Stop are sequences at which the model stops writing (at most MaxStops).
	Stop []string
}

// Limits of what a client may ask.
const (
	MaxSampledTokens = 1024
	MaxStops         = 4
	MaxStopLen       = 32
)

// IsZero reports whether the client asked nothing.
func (s Sampling) IsZero() bool {
	return s.MaxTokens == 0 && s.Temperature == nil && s.TopP == nil && len(s.Stop) == 0
}

// Validate refuses what no model should be asked, naming the fields as OpenAI's API does. A
// MaxTokens above MaxSampledTokens is not refused (clients send large defaults): Bounded lowers it.
func (s Sampling) Validate() error {
	var bad []domain.FieldViolation
	if s.MaxTokens < 0 {
		bad = append(bad, domain.Violation("max_tokens", "out_of_range", "max_tokens must be positive"))
	}
	if t := s.Temperature; t != nil && (*t < 0 || *t > 2) {
		bad = append(bad, domain.Violation("temperature", "out_of_range", "temperature is 0 to 2"))
	}
	if p := s.TopP; p != nil && (*p <= 0 || *p > 1) {
		bad = append(bad, domain.Violation("top_p", "out_of_range", "top_p is more than 0, at most 1"))
	}
	if len(s.Stop) > MaxStops {
		bad = append(bad, domain.Violation("stop", "too_many", fmt.Sprintf("at most %d stop sequences", MaxStops)))
	}
	for _, st := range s.Stop {
		if st == "" || utf8.RuneCountInString(st) > MaxStopLen {
			bad = append(bad, domain.Violation("stop", "invalid", fmt.Sprintf("a stop sequence is 1 to %d characters", MaxStopLen)))
			break
		}
	}
	if len(bad) > 0 {
		return domain.Invalid(bad...)
	}
	return nil
}

// Bounded is s with MaxTokens at most MaxSampledTokens.
func (s Sampling) Bounded() Sampling {
	s.MaxTokens = min(s.MaxTokens, MaxSampledTokens)
	return s
}
