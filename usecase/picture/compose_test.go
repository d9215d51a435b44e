package picture_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// With a model, the scene's tags are the model's — and the identity and the outfit still the hub's.
func TestIllustrateReplyUsesTheModelsTagsAfterTheLockedParts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.withModel(t)
	p := profile(t, companion.RatingGeneral)
	_, _, err := e.illustrate(t, p, companion.Scene{Outfit: []string{"red scarf"}, Action: "feeding ducks", Location: "park",
		Mood: companion.MoodHappy})
	require.NoError(t, err)

	prompt := e.gen.requests()[0].Prompt
	require.True(t, strings.HasPrefix(prompt, p.LockedIdentity()+", wearing red scarf, sitting on a bench, upper body"), prompt)
	require.NotContains(t, prompt, "feeding ducks", "the model's tags replace the template's")
	require.Len(t, e.model.reqs, 1)
	req := e.model.reqs[0]
	require.True(t, req.JSON)
	asked := req.Messages[1].Content
	for _, want := range []string{"feeding ducks", "park", "happy", "red scarf", "safe for general audiences", "alone"} {
		require.Contains(t, asked, want)
	}
	require.NotContains(t, asked, "silver", "the model is not told the appearance it must not change")
}

// An unusable or failed answer falls back to the template: a picture is never lost to its prompt.
func TestIllustrateReplyFallsBackToTheTemplate(t *testing.T) {
	t.Parallel()
	for name, set := range map[string]func(m *fakeModel){
		"prose":  func(m *fakeModel) { m.answer = "I think she should be sitting by the window in the evening light." },
		"failed": func(m *fakeModel) { m.err = domain.Errorf(domain.KindUnavailable, "model down") },
		"empty":  func(m *fakeModel) { m.answer = `{"tags": ""}` },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.withModel(t)
			set(e.model)
			_, _, err := e.illustrate(t, profile(t, companion.RatingGeneral), companion.Scene{Action: "feeding ducks", Location: "park"})
			require.NoError(t, err)
			prompt := e.gen.requests()[0].Prompt
			require.Contains(t, prompt, "feeding ducks, in the park")
		})
	}
}

// The person's presence and look come into the picture when the scene says they are there.
func TestIllustrateReplyDrawsThePersonWhenPresent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, _, err := e.illustrate(t, profile(t, companion.RatingGeneral), companion.Scene{Action: "hugging", UserPresent: true})
	require.NoError(t, err)
	require.Contains(t, e.gen.requests()[0].Prompt, "pov, with the viewer")
}
