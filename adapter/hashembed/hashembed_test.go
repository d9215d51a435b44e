package hashembed

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/test/contract/embeddertest"
	"github.com/companionhub/companionhub/usecase/memory"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	for name, dims := range map[string]int{"default": DefaultConfig().Dimensions, "smallest": minDimensions, "largest": maxDimensions} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			embeddertest.Run(t, embeddertest.Harness{
				New: func(*testing.T) memory.Embedder { return New(Config{Dimensions: dims}) },
			})
		})
	}
}

func TestConfigBounds(t *testing.T) {
	t.Parallel()
	require.NoError(t, DefaultConfig().Validate())
	for _, n := range []int{16, 4096} {
		assert.NoError(t, Config{Dimensions: n}.Validate(), n)
	}
	for _, n := range []int{-1, 0, 15, 4097} {
		err := Config{Dimensions: n}.Validate()
		var fe *envflag.FieldError
		require.ErrorAs(t, err, &fe, n)
		assert.Equal(t, "Dimensions", fe.Path)
		assert.Panics(t, func() { New(Config{Dimensions: n}) })
	}
}

func embed(t *testing.T, texts ...string) []memory.Vector {
	t.Helper()
	vs, err := New(DefaultConfig()).Embed(t.Context(), texts)
	require.NoError(t, err)
	return vs
}

func dot(a, b memory.Vector) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestVectorsHaveUnitLength(t *testing.T) {
	t.Parallel()
	for _, v := range embed(t, "a", "The user's dog is called Biscuit.", "cat cat cat cat cat") {
		assert.Len(t, v, 256)
		assert.InDelta(t, 1, math.Sqrt(dot(v, v)), 1e-6)
	}
}

// TestSameWordsSameVector: case, punctuation, spacing and Unicode normal form are not words.
func TestSameWordsSameVector(t *testing.T) {
	t.Parallel()
	vs := embed(t,
		"Zoë loves  CAFÉ crème!",
		"zoë loves café crème",
		"Zoe\u0308 loves cafe\u0301 cre\u0300me", // decomposed accents
	)
	assert.InDelta(t, 1, dot(vs[0], vs[1]), 1e-6)
	assert.InDelta(t, 1, dot(vs[0], vs[2]), 1e-6)
}

// TestWordOrderCountsALittle: the pairs of words tell "dog bites man" from "man bites dog", but
// the shared words keep them close.
func TestWordOrderCountsALittle(t *testing.T) {
	t.Parallel()
	vs := embed(t, "dog bites man", "man bites dog")
	sim := dot(vs[0], vs[1])
	assert.Less(t, sim, 0.99)
	assert.Greater(t, sim, 0.5)
}

// TestWeightsAreSublinear embeds "cat cat cat": the word counts 3 (weight 1+ln 3) and the pair
// "cat cat" 2 (half of 1+ln 2), and nothing else, so the vector has those two components in that
// ratio.
func TestWeightsAreSublinear(t *testing.T) {
	t.Parallel()
	v := embed(t, "cat cat cat")[0]
	var mags []float64
	for _, x := range v {
		if x != 0 {
			mags = append(mags, math.Abs(float64(x)))
		}
	}
	require.Len(t, mags, 2, "one word and one pair")
	slices.Sort(mags)
	assert.InDelta(t, (1+math.Log(3))/(bigramWeight*(1+math.Log(2))), mags[1]/mags[0], 1e-5)
}

func TestRefusesTextsWithoutWords(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "   ", "?!… —", "🙂☕"} {
		_, err := New(DefaultConfig()).Embed(t.Context(), []string{"a fine text", text})
		require.ErrorIs(t, err, errNoWords, "%q", text)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
		assert.ErrorContains(t, err, "text 1 of 2")
	}
}

func TestDeadlineIsATimeout(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 0)
	defer cancel()
	_, err := New(DefaultConfig()).Embed(ctx, []string{"hello"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, errTimedOut)
}

func BenchmarkEmbed100(b *testing.B) {
	e := New(DefaultConfig())
	texts := make([]string, 100)
	for i := range texts {
		texts[i] = "The user mentioned that their sister Anna moved to Lyon last spring for a new job."
	}
	for b.Loop() {
		if _, err := e.Embed(b.Context(), texts); err != nil {
			b.Fatal(err)
		}
	}
}
