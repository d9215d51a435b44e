// Package hashembed is an embedder that needs no model and no network: the embedded profile's
// embeddings backend and a deterministic one for tests. It implements memory.Embedder and passes
// the same conformance suite (test/contract/embeddertest) as the network backends.
//
// It embeds by feature hashing, the bag-of-words technique of the 2000s spam filters: the words
// of a text (Unicode letters, digits and marks, NFKC-normalised and lower-cased) and its pairs of
// neighbouring words are hashed into a fixed number of dimensions, each with a hash-chosen sign so
// that collisions cancel out on average instead of piling up. A feature's weight grows with the
// logarithm of its count, so a repeated word does not drown the rest; a pair weighs half a word,
// enough to tell "dog bites man" from "man bites dog" without letting phrasing outweigh content.
// Vectors have unit length, so a dot product is their cosine.
//
// Texts that share words are close; texts that mean the same in other words are not. That is
// enough for recall in tests and for a hub without an embeddings service, and nothing more.
package hashembed

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase/memory"
)

var _ memory.Embedder = (*Embedder)(nil)

// The bounds of Config.Dimensions: below 16 nearly every text collides with every other; above
// 4096 vectors only cost storage, since short memories have a few dozen features at most.
const (
	minDimensions = 16
	maxDimensions = 4096
)

// Config sizes the vectors.
type Config struct {
	// Dimensions is the length of every vector. Stored vectors are only comparable with vectors
	// of the same length, so changing it means embedding the stored memories again.
	Dimensions int `env:"OFFLINE_EMBEDDING_DIMENSIONS" help:"length of the offline embedder's vectors"`
}

// DefaultConfig makes vectors of 256 dimensions: few collisions for texts of a few sentences, and
// a kilobyte a vector.
func DefaultConfig() Config { return Config{Dimensions: 256} }

// Validate checks that Dimensions is within 16–4096.
func (c Config) Validate() error {
	if c.Dimensions < minDimensions || c.Dimensions > maxDimensions {
		return envflag.Fieldf("Dimensions", "must be between %d and %d, not %d", minDimensions, maxDimensions, c.Dimensions)
	}
	return nil
}

// bigramWeight is the weight of a pair of words relative to a word.
const bigramWeight = 0.5

var (
	errNoWords   = domain.E(domain.KindInvalid, "embedding_text_empty", "a text to embed has no words")
	errCancelled = domain.E(domain.KindUnavailable, "embedding_cancelled", "the embedding was cancelled")
	errTimedOut  = domain.E(domain.KindUnavailable, "embedding_timeout", "the embedding took too long")
)

// ctxError is the error of a call stopped by its context.
func ctxError(ctx context.Context) error { return domain.ContextError(ctx, errCancelled, errTimedOut) }

// Embedder embeds texts by feature hashing. It is safe for concurrent use.
type Embedder struct {
	dims int
}

// Name identifies the embedder's vectors: the hashing is fixed, so its size is all that tells
// them apart.
func (e *Embedder) Name() string { return "offline:hash" + strconv.Itoa(e.dims) }

// New returns an embedder. It panics if c is invalid: configuration is validated once at
// start-up, so an invalid one here is a programming error.
func New(c Config) *Embedder {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return &Embedder{dims: c.Dimensions}
}

// Embed returns one unit vector of Config.Dimensions per text, in order; no texts give none. A
// text without a word (empty, blank, only punctuation or emoji) is KindInvalid
// (embedding_text_empty, the cause naming its index); if ctx ends first the error is
// KindUnavailable wrapping ctx.Err().
func (e *Embedder) Embed(ctx context.Context, texts []string) ([]memory.Vector, error) {
	if ctx.Err() != nil {
		return nil, ctxError(ctx)
	}
	out := make([]memory.Vector, len(texts))
	for i, text := range texts {
		if ctx.Err() != nil {
			return nil, ctxError(ctx)
		}
		words := tokenize(text)
		if len(words) == 0 {
			return nil, errNoWords.Wrap(fmt.Errorf("text %d of %d", i, len(texts)))
		}
		out[i] = e.vector(words)
	}
	return out, nil
}

// tokenize splits text into lower-cased words. NFKC first, so that a composed "é" and an "e"
// followed by a combining accent, or a ligature and its letters, are the same word.
func tokenize(text string) []string {
	return strings.FieldsFunc(strings.ToLower(norm.NFKC.String(text)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r)
	})
}

// vector hashes the words and their neighbouring pairs into a unit vector.
func (e *Embedder) vector(words []string) memory.Vector {
	counts := make(map[uint64]int, 2*len(words))
	for i, w := range words {
		counts[unigram(w)]++
		if i > 0 {
			counts[bigram(words[i-1], w)]++
		}
	}
	acc := make([]float64, e.dims)
	for h, n := range counts {
		weight := 1 + math.Log(float64(n))
		if h&bigramBit != 0 {
			weight *= bigramWeight
		}
		if h>>63 != 0 {
			weight = -weight
		}
		acc[dimension(h, e.dims)] += weight
	}
	var sum float64
	for _, x := range acc {
		sum += x * x
	}
	if sum == 0 {
		// Every feature cancelled another out: vanishingly rare, but a zero vector has no
		// direction, so fall back to the first word's dimension.
		acc[dimension(unigram(words[0]), e.dims)], sum = 1, 1
	}
	length := math.Sqrt(sum)
	v := make(memory.Vector, e.dims)
	for i, x := range acc {
		v[i] = float32(x / length)
	}
	return v
}
