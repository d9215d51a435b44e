// Package picture is a generated picture as the gallery keeps it (SPEC §3.4): the image and its
// thumbnail, what it was rendered from, and where it came from — a chat reply or the standalone
// generator.
package picture

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

// Bounds of a render's parameters (SPEC §3.4).
const (
	MinSide, MaxSide, SideStep = 256, 2048, 64
	MinSteps, MaxSteps         = 1, 150
	MinCFG, MaxCFG             = 1.0, 30.0
	MaxPromptChars             = 2000
	// MaxSeed is the largest seed: 2^32-1, what every backend (A1111's, ComfyUI's samplers, the
	// offline one) takes; -1 asks the backend to choose.
	MaxSeed = 1<<32 - 1
	// PageLimit is the gallery's page size.
	PageLimit = 24
)

// Params are what a picture is rendered from. Zero Steps, CFGScale and Sampler mean the backend's
// defaults; Seed -1 lets the backend choose (the stored picture holds the seed it used).
type Params struct {
	Prompt         string
	NegativePrompt string
	Width, Height  int
	Steps          int
	CFGScale       float64
	Sampler        string
	Seed           int64
}

// ErrNotFound answers for a picture that does not exist or is another user's.
var ErrNotFound = domain.E(domain.KindNotFound, "picture_not_found", "no such picture")

// Validate checks a person's request to the standalone generator, naming every field that is
// wrong. Samplers are the backend's to check (its list is not the domain's).
func (p Params) Validate() error {
	var v []domain.FieldViolation
	switch {
	case strings.TrimSpace(p.Prompt) == "":
		v = append(v, domain.Violation("prompt", "required", "describe the picture"))
	case utf8.RuneCountInString(p.Prompt) > MaxPromptChars:
		v = append(v, domain.Violation("prompt", "too_long", fmt.Sprintf("at most %d characters", MaxPromptChars)))
	}
	if utf8.RuneCountInString(p.NegativePrompt) > MaxPromptChars {
		v = append(v, domain.Violation("negative_prompt", "too_long", fmt.Sprintf("at most %d characters", MaxPromptChars)))
	}
	for _, side := range []struct {
		name string
		n    int
	}{{"width", p.Width}, {"height", p.Height}} {
		if side.n < MinSide || side.n > MaxSide || side.n%SideStep != 0 {
			v = append(v, domain.Violation(side.name, "out_of_range",
				fmt.Sprintf("%s must be a multiple of %d from %d to %d", side.name, SideStep, MinSide, MaxSide)))
		}
	}
	if p.Steps != 0 && (p.Steps < MinSteps || p.Steps > MaxSteps) {
		v = append(v, domain.Violation("steps", "out_of_range", fmt.Sprintf("steps must be from %d to %d", MinSteps, MaxSteps)))
	}
	if p.CFGScale != 0 && (p.CFGScale < MinCFG || p.CFGScale > MaxCFG) {
		v = append(v, domain.Violation("cfg_scale", "out_of_range", fmt.Sprintf("cfg_scale must be from %g to %g", MinCFG, MaxCFG)))
	}
	if utf8.RuneCountInString(p.Sampler) > 100 {
		v = append(v, domain.Violation("sampler", "too_long", "at most 100 characters"))
	}
	if p.Seed < -1 || p.Seed > MaxSeed {
		v = append(v, domain.Violation("seed", "out_of_range", fmt.Sprintf("seed must be -1 (random) or from 0 to %d", int64(MaxSeed))))
	}
	if len(v) > 0 {
		return domain.Invalid(v...)
	}
	return nil
}

// Picture is one generated picture in its owner's gallery.
type Picture struct {
	ID          domain.ID
	OwnerID     domain.ID
	CompanionID domain.ID // zero: not of a companion (standalone, without one)
	MessageID   domain.ID // zero: not shown in a chat (standalone)
	Image       media.Image
	Thumb       media.Image // a small copy for grids
	Params      Params      // as rendered: Seed is the seed the backend used
	Backend     string      // the image backend's name ("offline", "a1111", …)
	Model       string      // the checkpoint or model, when known
	CreatedAt   time.Time
}

// Cursor is the picture's position in its gallery (newest first).
func (p Picture) Cursor() domain.Cursor { return domain.Cursor{At: p.CreatedAt, ID: p.ID} }

// Filter narrows a gallery to one companion's pictures (zero: all of the owner's).
type Filter struct {
	OwnerID     domain.ID
	CompanionID domain.ID
}

// IsZero reports whether p is no picture.
func (p Picture) IsZero() bool { return p.ID.IsZero() }
