// Package decorator wraps use-case handlers with cross-cutting concerns — logging, metrics — so that
// the handlers themselves contain only the use case.
package decorator

import (
	"context"
	"time"
)

// Handler is the shape of every use case: one input struct in, one result out.
type Handler[In, Out any] interface {
	Handle(ctx context.Context, in In) (Out, error)
}

// Func adapts a function to Handler.
type Func[In, Out any] func(ctx context.Context, in In) (Out, error)

func (f Func[In, Out]) Handle(ctx context.Context, in In) (Out, error) { return f(ctx, in) }

// Observer hears about every handled call once it finishes. Logging and metrics implement it.
type Observer interface {
	Observe(ctx context.Context, useCase string, took time.Duration, err error)
}

// Decorate wraps h so that every observer hears about each call under the use case's name
// (area.verb, e.g. "account.register").
func Decorate[In, Out any](useCase string, h Handler[In, Out], obs ...Observer) Handler[In, Out] {
	if len(obs) == 0 {
		return h
	}
	return Func[In, Out](func(ctx context.Context, in In) (Out, error) {
		start := time.Now()
		out, err := h.Handle(ctx, in)
		took := time.Since(start)
		for _, o := range obs {
			o.Observe(ctx, useCase, took, err)
		}
		return out, err
	})
}

// Fail is a handler that answers every call with err (or with its context's error, once that has
// ended): what a feature without a provider offers in place of its use cases.
func Fail[In, Out any](err error) Handler[In, Out] {
	return Func[In, Out](func(ctx context.Context, _ In) (Out, error) {
		var zero Out
		if cerr := ctx.Err(); cerr != nil {
			return zero, cerr
		}
		return zero, err
	})
}
