package picture

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/companion"
)

func TestDressLayersAndKeepsGeneralAudiencesDressed(t *testing.T) {
	t.Parallel()
	def := []string{"navy cardigan", "jeans"}
	for _, tc := range []struct {
		name   string
		scene  []string
		rating companion.ContentRating
		want   string
	}{
		{"the scene's outfit, exactly", []string{"red scarf", "black coat"}, companion.RatingGeneral, "wearing red scarf, black coat"},
		{"underwear under outer clothes is not drawn", []string{"lace bra", "oversized hoodie", "panties", "shorts"}, companion.RatingMature,
			"wearing oversized hoodie, shorts"},
		{"a crop top is outer clothes", []string{"sports bra", "crop top"}, companion.RatingGeneral, "wearing crop top"},
		{"a bracelet is no bra", []string{"silver bracelet", "summer dress"}, companion.RatingGeneral, "wearing silver bracelet, summer dress"},
		{"underwear alone is drawn", []string{"bra", "panties"}, companion.RatingMature, "wearing bra, panties"},
		{"no outfit: the default one", nil, companion.RatingGeneral, "wearing navy cardigan, jeans"},
		{"undressed, for adults", []string{"naked"}, companion.RatingMature, "nude"},
		{"undressed, for general audiences: the default outfit", []string{"Fully Nude"}, companion.RatingGeneral, "wearing navy cardigan, jeans"},
		{"an unknown rating fails safe", []string{"nude"}, companion.ContentRating{}, "wearing navy cardigan, jeans"},
		{"nude words are whole words", []string{"nude-colored heels"}, companion.RatingGeneral, "wearing nude-colored heels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, dressFor(tc.scene, def, tc.rating).tags())
		})
	}
	require.Equal(t, "wearing casual clothes", dressFor(nil, nil, companion.RatingGeneral).tags(), "neither scene nor profile says")
}

func TestUsableTagsTakesTagsAndRefusesProse(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"tags": "sitting, close-up,  warm light "}`:                                     "sitting, close-up, warm light",
		"Sure! ```json\n{\"positive\": \"standing, park\"}```":                            "standing, park",
		`{"tags": ["kneeling", "library", "dim light"]}`:                                  "kneeling, library, dim light",
		`{"tags": "She is sitting on the bench and looking at the sunset over the sea."}`: "",
		`{"tags": ""}`:    "",
		`{"other": "x"}`:  "",
		`not json at all`: "",
		`{"tags": 42}`:    "",
		`{"tags": "` + string(make([]byte, 0)) + `a, b"}`: "a, b",
	} {
		require.Equal(t, want, usableTags(in), "%s", in)
	}
}
