// Package placeholder is an image generator that needs no GPU and no network: the embedded
// profile's picture backend and a deterministic one for tests. It implements picture.Generator
// and passes the same conformance suite (test/contract/imagegentest) as the network backends.
//
// Its pictures are drawn in Go, and meant to be recognised at a glance as stand-ins: a calm
// diagonal gradient whose two colours come from a hash of the seed and the prompt, a frame, and a
// large "OFFLINE PICTURE" label with the seed beneath it. Nobody mistakes one for a render, yet
// every picture of a chat looks different, so a UI or an end-to-end test can tell them apart.
//
// Output depends only on the request: the same prompt, seed and size always give the same PNG
// bytes. A negative seed (the backend chooses) becomes one derived from the prompt, so even a
// chosen seed is reproducible.
package placeholder

import (
	"bytes"
	"context"
	"hash/fnv"
	"image"
	"image/png"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/picture"
)

var _ picture.Generator = (*Generator)(nil)

// The sizes the placeholder draws. The port's callers ask for 256–2048; the lower bound here is
// looser so tests can draw small pictures cheaply, and the upper one is the hub's (a larger
// picture would only be refused by the use case after costing the memory to draw it).
const (
	minSide = 64
	maxSide = 2048
)

// defaultSteps is the Total of progress reports when the request leaves steps to the backend:
// what a typical diffusion sampler runs, so progress in a UI looks like a real render's.
const defaultSteps = 20

// bands is how many horizontal bands the background is drawn in; the context is checked and
// progress reported between them, so a cancelled render stops within a fraction of its time.
const bands = 4

var (
	errCancelled = domain.E(domain.KindUnavailable, "image_cancelled", "the picture was cancelled")
	errTimedOut  = domain.E(domain.KindUnavailable, "image_timeout", "the picture took too long")
)

// ctxError is the error of a call stopped by its context.
func ctxError(ctx context.Context) error { return domain.ContextError(ctx, errCancelled, errTimedOut) }

// Generator draws placeholder pictures. It holds no state and is safe for concurrent use.
type Generator struct{}

// New returns the placeholder generator.
func New() *Generator { return &Generator{} }

// Generate draws the placeholder for req as a PNG. Progress, when not nil, is reported from the
// calling goroutine a few times while drawing, with Total req.Steps (20 when 0), the last one
// Done == Total. Sizes outside 64–2048 and negative steps are KindInvalid; if ctx ends first the
// error is KindUnavailable wrapping ctx.Err().
func (g *Generator) Generate(ctx context.Context, req picture.Request, progress func(picture.Progress)) (picture.Result, error) {
	if err := validate(req); err != nil {
		return picture.Result{}, err
	}
	if ctx.Err() != nil {
		return picture.Result{}, ctxError(ctx)
	}
	seed := req.Seed
	if seed < 0 {
		seed = promptSeed(req.Prompt)
	}
	steps := req.Steps
	if steps == 0 {
		steps = defaultSteps
	}
	report := func(done int) {
		if progress != nil {
			progress(picture.Progress{Done: done, Total: steps})
		}
	}

	pal := paletteFor(seed, req.Prompt)
	img := image.NewRGBA(image.Rect(0, 0, req.Width, req.Height))
	for b := range bands {
		if ctx.Err() != nil {
			return picture.Result{}, ctxError(ctx)
		}
		pal.gradient(img, req.Height*b/bands, req.Height*(b+1)/bands)
		// The bands are most of the work but not all of it: Done reaches Total only once the
		// picture is encoded.
		report(steps * (b + 1) / (bands + 1))
	}
	if ctx.Err() != nil {
		return picture.Result{}, ctxError(ctx)
	}
	pal.decorate(img, seed)

	var buf bytes.Buffer
	// BestSpeed: a gradient compresses well at any level, and the use case re-encodes the
	// picture anyway, so time spent squeezing bytes here is wasted.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return picture.Result{}, domain.Errorf(domain.KindInternal, "encode the placeholder picture: %w", err)
	}
	report(steps)
	return picture.Result{Data: buf.Bytes(), Format: media.PNG, Seed: seed}, nil
}

// validate refuses what the placeholder cannot draw. The use cases ask for fixed sizes, so this
// only catches another caller's mistake — but a panic or a gigapixel allocation is a worse answer
// to that than an error.
func validate(req picture.Request) error {
	var vs []domain.FieldViolation
	if req.Width < minSide || req.Width > maxSide {
		vs = append(vs, domain.Violation("width", "out_of_range", "the width must be 64–2048 pixels"))
	}
	if req.Height < minSide || req.Height > maxSide {
		vs = append(vs, domain.Violation("height", "out_of_range", "the height must be 64–2048 pixels"))
	}
	if req.Steps < 0 {
		vs = append(vs, domain.Violation("steps", "out_of_range", "the number of steps must not be negative"))
	}
	return domain.Invalid(vs...)
}

// promptSeed is the seed chosen for a request that leaves it to the backend: a hash of the
// prompt, so that asking again chooses the same. It fits 32 bits, as the seeds of the diffusion
// backends do, so a person can carry it over to one of them.
func promptSeed(prompt string) int64 {
	h := fnv.New64a()
	h.Write([]byte(prompt))
	return int64(h.Sum64() & 0xffffffff)
}
