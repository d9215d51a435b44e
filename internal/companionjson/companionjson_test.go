package companionjson_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/companionjson"
)

// A refused enum does not hide the rest of the profile's violations: all come in one error.
func TestSpecReportsEveryViolation(t *testing.T) {
	t.Parallel()
	p := companionjson.Profile{Age: 12, ContentRating: "nsfw", Appearance: companionjson.Appearance{Style: "oil"},
		Persona: companionjson.Persona{Quirks: []string{"", strings.Repeat("q", 101)}}}
	_, err := p.Spec()
	var got []string
	for _, v := range domain.Violations(err) {
		got = append(got, v.Field+" "+v.Code)
	}
	require.ElementsMatch(t, []string{"content_rating one_of", "appearance.style one_of", "name required", "age too_young",
		"persona.quirks[1] too_long"}, got)
}
