// Package embeddertest is the conformance suite of the memory.Embedder port. Every embeddings
// backend runs it — adapter/hashembed as it is, network backends against a faithful local fake of
// their API — so recall tested with the offline embedder is trusted for what the others do:
//
//	func TestConformance(t *testing.T) {
//		t.Parallel()
//		embeddertest.Run(t, embeddertest.Harness{
//			New: func(t *testing.T) memory.Embedder { return hashembed.New(hashembed.DefaultConfig()) },
//		})
//	}
//
// What it checks, in port terms:
//   - one vector per text, in the texts' order, all of one length, finite and not all zero (a zero
//     vector has no direction: every cosine with it is undefined);
//   - the same text twice gives the same direction;
//   - a text sharing its subject with another is closer to it than to an unrelated one — the least
//     that recall by meaning needs, and what even a bag-of-words embedder gives;
//   - no texts give no vectors and no error, without a call to the backend being required;
//   - a batch of 100 texts works (backends with smaller request limits split it themselves);
//   - a cancelled context fails.
package embeddertest

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/usecase/memory"
)

// Harness builds the embedder under test.
type Harness struct {
	// New returns an embedder ready to use; it is called once per subtest (cleanup goes through
	// t). The embedder must be safe for concurrent use.
	New func(t *testing.T) memory.Embedder
}

// Run runs the suite. Subtests run in parallel.
func Run(t *testing.T, h Harness) {
	require.NotNil(t, h.New, "Harness.New is required")
	tests := []struct {
		name string
		fn   func(t *testing.T, e memory.Embedder)
	}{
		{"OneVectorPerTextInOrder", testOrder},
		{"SameTextSameDirection", testSameText},
		{"RelatedTextsAreCloser", testRelated},
		{"NoTextsNoVectors", testNoTexts},
		{"BatchOf100", testBatch},
		{"CancelledContextFails", testCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h.New(t))
		})
	}
}

// embed embeds texts and checks what every result must satisfy: one vector per text, all of one
// non-zero length, finite, and none all zero. It returns the vectors.
func embed(t *testing.T, e memory.Embedder, texts ...string) []memory.Vector {
	t.Helper()
	vs, err := e.Embed(t.Context(), texts)
	require.NoError(t, err)
	require.Len(t, vs, len(texts), "one vector per text")
	for i, v := range vs {
		require.NotEmpty(t, v, "vector %d is empty", i)
		require.Len(t, v, len(vs[0]), "vector %d has another length than vector 0", i)
		zero := true
		for j, x := range v {
			require.False(t, math.IsNaN(float64(x)) || math.IsInf(float64(x), 0), "vector %d[%d] is %v", i, j, x)
			zero = zero && x == 0
		}
		require.False(t, zero, "vector %d is all zero", i)
	}
	return vs
}

// cosine is the cosine similarity of a and b, computed in float64.
func cosine(a, b memory.Vector) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}
