// Package memory is the memory feature (SPEC §3.5): what a companion remembers of its person and
// how the relationship moves, and the embedding port that lets recall find memories by meaning.
package memory

import "context"

// Vector is one text's embedding.
type Vector []float32

// Embedder is the embeddings port: texts in, one vector per text out, in order. Implementations:
// adapter/hashembed (offline); conformance: test/contract/embeddertest.
//
// Every vector of one embedder has the same length; similar texts have vectors with a high cosine
// similarity. No texts give no vectors and no error; a blank text is KindInvalid. A backend splits
// batches larger than its API takes by itself. Errors carry kinds that decide retries:
// KindUnavailable (including a cancelled or expired context, wrapping its error) and
// KindRateLimited are retryable; KindInvalid (input refused) and KindInternal (misconfiguration)
// are not.
//
// Vectors of different embedders (another provider, model or size) are not comparable: whatever
// stores them must know which embedder made them (the memory store records it when it lands).
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([]Vector, error)
}
