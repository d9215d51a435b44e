package picture

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/companion"
)

func TestPlaceSaysWhereAsAPromptDoes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"library":        "in the library",
		"The beach":      "in the beach",
		"the old harbor": "in the old harbor",
		"at home":        "at home",
		"On the roof":    "On the roof",
		"   ":            "",
		"the ":           "",
	} {
		require.Equal(t, want, place(in), "%q", in)
	}
}

// Only a rating that allows more lifts the safe terms: an unknown one fails safe.
func TestNegativePromptFailsSafe(t *testing.T) {
	t.Parallel()
	require.True(t, strings.HasPrefix(negativePrompt(companion.ContentRating{}), safeNegative))
	require.True(t, strings.HasPrefix(negativePrompt(companion.RatingGeneral), safeNegative))
	require.NotContains(t, negativePrompt(companion.RatingMature), "nsfw")
	require.NotContains(t, negativePrompt(companion.RatingExplicit), "nsfw")
}
