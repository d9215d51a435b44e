// Package picture is the pictures feature (SPEC §3.4): the image-generation port every backend sits
// behind, and the use cases that do, once for every backend, what a picture needs besides pixels —
// the prompt, validation and re-encoding, storage.
package picture

import (
	"context"

	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
)

// Request is one picture to render, as the use cases build it (their sizes are fixed: see
// IllustrateReply). A backend passes its values on (or maps them to its nearest equivalent), never
// second-guesses the prompt, and refuses what it cannot render with an error rather than a panic.
type Request struct {
	Prompt         string
	NegativePrompt string
	Width, Height  int // pixels, multiples of 64 within 256–2048
	Steps          int // sampling steps (0: the backend's default)
	CFGScale       float64
	Sampler        string // the backend's sampler name ("": its default)
	// Seed makes a render repeatable; negative lets the backend choose (Result.Seed says which).
	Seed int64
	// Model is the checkpoint or model name ("": the backend's configured one).
	Model string
	// Rating is the companion's content rating, for backends with safety settings of their own.
	Rating companion.ContentRating
	// CharacterAvatar and UserAvatar are reference pictures (the companion's header image, the
	// person's), JPEG, PNG or WebP bytes, for backends whose workflows draw from them (ComfyUI's
	// %char_avatar% and %user_avatar%); nil when there is none. Other backends ignore them.
	CharacterAvatar, UserAvatar []byte
}

// Progress is how far a render is, for backends that can tell: Done of Total steps, with
// Total > 0 and 0 ≤ Done ≤ Total, Done never going back. A backend whose render has stages (a
// second high-resolution pass) reports them as one rising count.
type Progress struct {
	Done, Total int
}

// Result is a rendered picture, as the backend made it: the use case validates and re-encodes it
// before anything stores it.
type Result struct {
	Data []byte
	// Format is what the backend says it sent (zero when it does not say); the use case recognises
	// the format by content anyway.
	Format media.ContentType
	// Seed is the seed the backend used (the requested one, or the one it chose), never negative.
	Seed int64
}

// Generator is the image-generation port: one backend (offline, AUTOMATIC1111/Forge, ComfyUI, an
// OpenAI-compatible images API…) turning a request into image bytes. Implementations:
// adapter/placeholder (offline); conformance: test/contract/imagegentest.
//
// Generate renders req. progress, when not nil, may be called with the render's progress (in
// order, from the calling goroutine or another, never after Generate returns).
//
// Errors carry kinds that decide retries: KindUnavailable (unreachable, 5xx, timeouts, and a
// cancelled or expired context, wrapping its error) and KindRateLimited (busy; RetryAfter when the
// backend says) are retryable; KindInvalid (a size outside 64–2048 or a request or content the
// backend refuses — checked before any call) and KindInternal (misconfiguration: bad key, unknown
// model) are not. Backend text never reaches the error message.
type Generator interface {
	Generate(ctx context.Context, req Request, progress func(Progress)) (Result, error)
}
