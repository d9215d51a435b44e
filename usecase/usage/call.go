package usage

import (
	"context"
	"time"
)

// Call is one call to a provider, as the hub's instruments see it: which feature, which backend,
// what it did. It never holds the text, prompt or audio of the call.
type Call struct {
	// Feature is "llm", "pictures", "speech", "transcription" or "embeddings".
	Feature string
	// Provider is the backend's name ("offline", "openai", "a1111", …; "custom" for an embedder's own).
	Provider string
	// Operation is what was asked: "stream" or "complete" (llm), "generate", "synthesize",
	// "transcribe", "embed".
	Operation string
	// Model is the model the call named, when there is one ("" otherwise).
	Model string
}

// CallObserver hears about every provider call: Begin is told as it starts and returns the context
// the call runs in (a tracer's span, say) and the function that is told how it ended — once, with
// its duration and error (nil when it succeeded). Prometheus's provider metrics and OpenTelemetry's
// spans implement it.
type CallObserver interface {
	Begin(ctx context.Context, call Call) (context.Context, func(took time.Duration, err error))
}
