package chat

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/domain/companion"
)

func TestParseAnalysis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want Analysis
	}{
		{
			name: "well-formed reply",
			raw: `{"reasoning": "She took off her jacket.", "outfit": "white blouse, black pencil skirt",
				"location": "office", "action_summary": "leaning on the desk", "is_user_present": true,
				"visual_tags": "leaning forward, from side", "expression": "soft smile, blushing",
				"lighting": "warm lighting", "mood": "flirty"}`,
			want: Analysis{
				Update: companion.SceneUpdate{Outfit: []string{"white blouse", "black pencil skirt"}, Location: "office",
					Action: "leaning on the desk", Mood: companion.MoodFlirty, UserPresent: ptr(true)},
				Expression: "soft smile, blushing", Lighting: "warm lighting", UserPresent: true,
				VisualTags: []string{"leaning forward", "from side"}, Reasoning: "She took off her jacket.",
			},
		},
		{
			name: "fenced, Python literals, arrays, camelCase, trailing comma",
			raw: "Here is the analysis:\n```json\n{'outfit': ['red dress', 'heels (black)'], 'actionSummary': 'dancing',\n" +
				"'isUserPresent': 'yes', 'visualTags': ['twirling', 'from below', 'twirling'], 'Mood': 'Happy.',}\n```",
			want: Analysis{
				Update:     companion.SceneUpdate{Outfit: []string{"red dress", "heels black"}, Action: "dancing", Mood: companion.MoodHappy, UserPresent: ptr(true)},
				Expression: "neutral", Lighting: "cinematic lighting", UserPresent: true,
				VisualTags: []string{"twirling", "from below"},
			},
		},
		{
			name: "action alias, numeric presence, expression as tags, outfit object",
			raw:  `{"action": "sitting on the bed", "is_user_present": 1, "expression": ["shy smile", "looking away"], "outfit": {"top": "tank top", "bottom": ["shorts"]}}`,
			want: Analysis{
				Update:     companion.SceneUpdate{Outfit: []string{"shorts", "tank top"}, Action: "sitting on the bed", UserPresent: ptr(true)},
				Expression: "shy smile, looking away", Lighting: "cinematic lighting", UserPresent: true, VisualTags: []string{},
			},
		},
		{
			name: "placeholders and unknown mood are no information",
			raw:  `{"outfit": "unknown", "location": "N/A", "action_summary": "unchanged", "mood": "contemplative", "expression": "", "lighting": null, "is_user_present": "false"}`,
			want: Analysis{Update: companion.SceneUpdate{UserPresent: ptr(false)}, Expression: "neutral", Lighting: "cinematic lighting", VisualTags: []string{}},
		},
		{
			name: "truncated reply keeps what arrived",
			raw:  `{"reasoning": "The user hugs her.", "outfit": "hoodie, leggings", "location": "sofa", "mood": "affectionate", "visual_tags": ["hug", "cl`,
			want: Analysis{
				Update:     companion.SceneUpdate{Outfit: []string{"hoodie", "leggings"}, Location: "sofa", Mood: companion.MoodAffectionate},
				Expression: "neutral", Lighting: "cinematic lighting", VisualTags: []string{"hug", "cl"}, Reasoning: "The user hugs her.",
			},
		},
		{
			name: "wrapped one level down",
			raw:  `{"analysis": {"location": "beach", "mood": "excited"}}`,
			want: Analysis{
				Update:     companion.SceneUpdate{Location: "beach", Mood: companion.MoodExcited},
				Expression: "neutral", Lighting: "cinematic lighting", VisualTags: []string{},
			},
		},
		{
			name: "presence said no in another spelling",
			raw:  `{"location": "at work", "userPresent": "No."}`,
			want: Analysis{
				Update:     companion.SceneUpdate{Location: "at work", UserPresent: ptr(false)},
				Expression: "neutral", Lighting: "cinematic lighting", VisualTags: []string{},
			},
		},
		{
			name: "null presence is no information",
			raw:  `{"location": "kitchen", "user_present": null}`,
			want: Analysis{
				Update:     companion.SceneUpdate{Location: "kitchen"},
				Expression: "neutral", Lighting: "cinematic lighting", VisualTags: []string{},
			},
		},
		{
			name: "wrong types without a sane reading are ignored",
			raw:  `{"location": 42, "action_summary": {"a": 1}, "mood": true, "is_user_present": "maybe", "visual_tags": 7, "reasoning": ["x"]}`,
			want: Analysis{Expression: "neutral", Lighting: "cinematic lighting", VisualTags: []string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ParseAnalysis(tt.raw)
			if tt.want.Update.Outfit == nil {
				tt.want.Update.Outfit = []string{}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseAnalysisFailure(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"", "I can't analyse this scene.", `["outfit", "dress"]`, `{"foo": "bar"}`, `{"a": {"b": 1}, "c": 2}`,
		strings.Repeat("[", 20000) + "{",
	} {
		got := ParseAnalysis(raw)
		assert.Equal(t, FailedAnalysis(), got, "reply %.40q", raw)
		assert.True(t, got.Failed)
		assert.Equal(t, "neutral", got.Expression)
		assert.Equal(t, "cinematic lighting", got.Lighting)
	}
}

func TestParseAnalysisFailedKeepsTheScene(t *testing.T) {
	t.Parallel()
	scene := companion.Scene{Outfit: []string{"jeans"}, Location: "park", Action: "walking", Mood: companion.MoodWorried}
	assert.Equal(t, scene, scene.Apply(ParseAnalysis("not json").Update), "a failed analysis changes nothing, mood included")
}

func TestParseAnalysisPresence(t *testing.T) {
	t.Parallel()
	with := companion.Scene{Location: "park", Action: "walking", Mood: companion.MoodHappy, UserPresent: true}
	assert.True(t, with.Apply(ParseAnalysis(`{"location": "bench"}`).Update).UserPresent,
		"an analysis without the presence key keeps the person there")
	assert.True(t, with.Apply(ParseAnalysis(`{"location": "bench", "is_user_present": "unclear"}`).Update).UserPresent,
		"an unreadable presence keeps the person there")
	assert.False(t, with.Apply(ParseAnalysis(`{"is_user_present": false}`).Update).UserPresent)
	without := companion.Scene{Location: "park", Action: "walking", Mood: companion.MoodHappy}
	assert.True(t, without.Apply(ParseAnalysis(`{"IsUserPresent": "yes"}`).Update).UserPresent)
	assert.False(t, without.Apply(ParseAnalysis(`{"mood": "happy"}`).Update).UserPresent)
}

func TestParseAnalysisBounds(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 1000)
	tags := make([]string, 100)
	for i := range tags {
		tags[i] = `"tag ` + strings.Repeat("x", i) + `"`
	}
	raw := `{"reasoning": "` + long + `", "expression": "` + long + `", "lighting": "` + long + `", "location": "` + long +
		`", "action_summary": "` + long + `", "outfit": "` + strings.Repeat("garment, ", 100) + strings.Repeat("a", 500) +
		`", "visual_tags": [` + strings.Join(tags, ",") + `]}`
	a := ParseAnalysis(raw)
	assertBounded(t, a)
	assert.Len(t, a.VisualTags, maxVisualTags)
	assert.False(t, a.Failed)
}

// assertBounded checks every field of an analysis against its bound.
func assertBounded(t *testing.T, a Analysis) {
	t.Helper()
	runes := utf8.RuneCountInString
	assert.NotEmpty(t, a.Expression)
	assert.NotEmpty(t, a.Lighting)
	assert.LessOrEqual(t, runes(a.Expression), maxExpressionLen)
	assert.LessOrEqual(t, runes(a.Lighting), maxLightingLen)
	assert.LessOrEqual(t, runes(a.Reasoning), maxReasoningLen)
	assert.LessOrEqual(t, len(a.VisualTags), maxVisualTags)
	for _, s := range a.VisualTags {
		assert.True(t, s != "" && runes(s) <= maxVisualTagLen && utf8.ValidString(s), "tag %q", s)
	}
	assert.LessOrEqual(t, len(a.Update.Outfit), companion.MaxTags)
	for _, g := range a.Update.Outfit {
		assert.True(t, g != "" && runes(g) <= companion.MaxGarmentLen && utf8.ValidString(g), "garment %q", g)
	}
	assert.LessOrEqual(t, runes(a.Update.Location), companion.MaxSceneText)
	assert.LessOrEqual(t, runes(a.Update.Action), companion.MaxSceneText)
	for _, s := range []string{a.Expression, a.Lighting, a.Reasoning, a.Update.Location, a.Update.Action} {
		assert.True(t, utf8.ValidString(s))
		assert.Equal(t, strings.TrimSpace(s), s)
	}
	_, err := companion.NewScene(companion.Scene{}.Apply(a.Update))
	assert.NoError(t, err)
}

func FuzzParseAnalysis(f *testing.F) {
	for _, s := range []string{
		`{"outfit": "a, b", "mood": "happy", "is_user_present": "yes", "visual_tags": ["x", "y"]}`,
		"```json\n{'expression': ['a', 'b'], 'lighting': None}\n```", `{"analysis": {"location": "x"}}`,
		`{"outfit": {"top": ["a"]}, "is_user_present": 1e400}`, `{"reasoning": "a\u0000b\nc"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		a := ParseAnalysis(raw)
		assertBounded(t, a)
		if a.Failed && !assert.Equal(t, FailedAnalysis(), a) {
			t.Fatal("a failed analysis must hold only the defaults")
		}
	})
}

func ptr[T any](v T) *T { return &v }
