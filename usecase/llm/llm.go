// Package llm is the port every language model sits behind: a chat completion, streamed or whole.
package llm

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Role of a chat message sent to a model.
type Role string

const (
	System    Role = "system"
	User      Role = "user"
	Assistant Role = "assistant"
)

// Message is one chat message of a request.
type Message struct {
	Role    Role
	Content string
}

// Request is one chat completion.
type Request struct {
	Messages []Message
	// Model overrides the adapter's configured model (empty: the configured one).
	Model string
	// MaxTokens bounds the reply (0: the adapter's default).
	MaxTokens int
	// Temperature is used when set (a nil pointer leaves the provider's default).
	Temperature *float64
	// TopP is nucleus sampling's mass, used when set.
	TopP *float64
	// Stop are sequences at which the model stops writing; the reply does not contain them.
	Stop []string
	// JSON asks for a single JSON object (providers' JSON mode where they have one).
	JSON bool
}

// Usage is what a completion cost, when the provider says.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
}

// Model is the port. Implementations: adapter/openai (any OpenAI-compatible server: OpenAI, Ollama,
// vLLM, llama.cpp, OpenRouter, Novita…) and adapter/offline (deterministic, no network);
// conformance: test/contract/llmtest.
//
// Stream calls onText with each piece of the reply as it arrives (never empty, always whole UTF-8
// characters) and returns the usage; an error from onText stops the stream and is returned.
// Complete returns the whole reply.
//
// Errors carry kinds that decide retries: KindRateLimited (429; RetryAfter when the provider says)
// and KindUnavailable (5xx, timeouts, refused connections, a stream cut off midway) are retryable;
// KindInvalid (the request or its content was refused) and KindInternal (misconfiguration such as
// a rejected API key or unknown model) are not. Provider text never reaches the error message.
type Model interface {
	Stream(ctx context.Context, req Request, onText func(string) error) (Usage, error)
	Complete(ctx context.Context, req Request) (string, Usage, error)
}

// ErrStreamCut is returned when a stream ends before the provider said it was done.
var ErrStreamCut = domain.E(domain.KindUnavailable, "llm_stream_cut", "the model's reply was cut off")

// RateLimited builds the error of a provider that asked to slow down.
func RateLimited(retryAfter time.Duration, cause error) error {
	return domain.E(domain.KindRateLimited, "llm_rate_limited", "the model provider is busy").Wrap(cause).WithRetryAfter(retryAfter)
}
