package companion

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func baseScene(t *testing.T) Scene {
	t.Helper()
	s, err := NewScene(Scene{Outfit: []string{"red sweater", "jeans"}, Location: "living room", Action: "reading a book", Mood: MoodHappy})
	require.NoError(t, err)
	return s
}

func TestSceneApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		u    SceneUpdate
		want Scene
	}{
		{"no information keeps everything", SceneUpdate{},
			Scene{Outfit: []string{"red sweater", "jeans"}, Location: "living room", Action: "reading a book", Mood: MoodHappy}},
		{"everything replaced", SceneUpdate{Outfit: []string{"black dress"}, Location: "restaurant", Action: "sipping wine", Mood: MoodFlirty},
			Scene{Outfit: []string{"black dress"}, Location: "restaurant", Action: "sipping wine", Mood: MoodFlirty}},
		{"casual is a garment, not a placeholder", SceneUpdate{Outfit: []string{"casual dress", "casual clothing"}},
			Scene{Outfit: []string{"casual dress", "casual clothing"}, Location: "living room", Action: "reading a book", Mood: MoodHappy}},
		{"placeholders keep the outfit", SceneUpdate{Outfit: []string{"Unknown", "N/A", "not specified.", "(unchanged)", "No change", "same as before", "  "}},
			Scene{Outfit: []string{"red sweater", "jeans"}, Location: "living room", Action: "reading a book", Mood: MoodHappy}},
		{"placeholders among garments are dropped", SceneUpdate{Outfit: []string{"unknown", "white towel"}},
			Scene{Outfit: []string{"white towel"}, Location: "living room", Action: "reading a book", Mood: MoodHappy}},
		{"undressed is an outfit", SceneUpdate{Outfit: []string{"nothing"}},
			Scene{Outfit: []string{"nothing"}, Location: "living room", Action: "reading a book", Mood: MoodHappy}},
		{"garments cleaned", SceneUpdate{Outfit: []string{" (grey) high-waisted  thong. ", "- lace bra", "\"silk robe\"", "Lace Bra"}},
			Scene{Outfit: []string{"grey high-waisted thong", "lace bra", "silk robe"}, Location: "living room", Action: "reading a book", Mood: MoodHappy}},
		{"placeholder location and action keep the old ones", SceneUpdate{Location: "unknown", Action: "none"},
			Scene{Outfit: []string{"red sweater", "jeans"}, Location: "living room", Action: "reading a book", Mood: MoodHappy}},
		{"location and action cleaned", SceneUpdate{Location: " the (cozy) kitchen.\n", Action: "  stirring\tthe soup... "},
			Scene{Outfit: []string{"red sweater", "jeans"}, Location: "the cozy kitchen", Action: "stirring the soup", Mood: MoodHappy}},
		{"action keeps parentheses", SceneUpdate{Action: "waving (at you)"},
			Scene{Outfit: []string{"red sweater", "jeans"}, Location: "living room", Action: "waving (at you)", Mood: MoodHappy}},
		{"neutral is a real mood", SceneUpdate{Mood: MoodNeutral},
			Scene{Outfit: []string{"red sweater", "jeans"}, Location: "living room", Action: "reading a book", Mood: MoodNeutral}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := baseScene(t).Apply(tt.u)
			assert.Equal(t, tt.want, got)
			_, err := NewScene(got)
			assert.NoError(t, err)
		})
	}
}

func TestSceneApplyInvalidMoodKeepsMood(t *testing.T) {
	t.Parallel()
	// The original reset the mood to neutral whenever the analyser said nothing usable.
	for _, mood := range []string{"", "confused", "happy-ish", "NEUTRAL but sad"} {
		got := baseScene(t).Apply(NewSceneUpdate("", "", "", mood))
		assert.Equal(t, MoodHappy, got.Mood, "mood %q", mood)
	}
}

func TestSceneApplyUserPresence(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	for _, base := range []bool{false, true} {
		s := baseScene(t)
		s.UserPresent = base
		assert.Equal(t, base, s.Apply(SceneUpdate{}).UserPresent, "an update that says nothing keeps %v", base)
		assert.Equal(t, base, s.Apply(NewSceneUpdate("dress", "park", "walking", "happy")).UserPresent,
			"an update about the rest of the scene keeps %v", base)
		assert.True(t, s.Apply(SceneUpdate{UserPresent: &yes}).UserPresent, "from %v", base)
		assert.False(t, s.Apply(SceneUpdate{UserPresent: &no}).UserPresent, "from %v", base)
	}
	got := baseScene(t).Apply(SceneUpdate{Location: "kitchen", UserPresent: &yes})
	assert.Equal(t, Scene{Outfit: []string{"red sweater", "jeans"}, Location: "kitchen", Action: "reading a book",
		Mood: MoodHappy, UserPresent: true}, got)
}

func TestSceneApplyClampsInsteadOfFailing(t *testing.T) {
	t.Parallel()
	many := make([]string, 100)
	for i := range many {
		many[i] = "garment " + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i)
	}
	long := strings.Repeat("word ", 100)
	got := baseScene(t).Apply(SceneUpdate{Outfit: many, Location: long, Action: long + "\x00\xff"})
	_, err := NewScene(got)
	require.NoError(t, err)
	assert.Len(t, got.Outfit, MaxTags)
	for _, g := range got.Outfit {
		assert.LessOrEqual(t, utf8.RuneCountInString(g), MaxGarmentLen)
	}
	assert.LessOrEqual(t, utf8.RuneCountInString(got.Location), MaxSceneText)
	assert.False(t, strings.HasSuffix(got.Location, " "), "cut at a word boundary, trimmed")
	assert.True(t, strings.HasSuffix(got.Location, "word"), "cut at a word boundary: %q", got.Location)
}

func TestSceneApplyBoundsAnInvalidBase(t *testing.T) {
	t.Parallel()
	bad := Scene{Outfit: []string{"a\x00b", "A\x00B", strings.Repeat("x", 300)}, Location: "\xffroom\n", Action: strings.Repeat("y", 500)}
	got := bad.Apply(SceneUpdate{})
	_, err := NewScene(got)
	require.NoError(t, err)
	assert.Equal(t, []string{"a b", strings.Repeat("x", MaxGarmentLen)}, got.Outfit)
	assert.Equal(t, "room", got.Location)
	assert.Equal(t, MoodNeutral, got.Mood)
}

func TestSceneApplyDoesNotAlias(t *testing.T) {
	t.Parallel()
	s := baseScene(t)
	got := s.Apply(SceneUpdate{})
	got.Outfit[0] = "changed"
	assert.Equal(t, "red sweater", s.Outfit[0])
}

func TestParseOutfit(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"white blouse, black pencil skirt, heels.": {"white blouse", "black pencil skirt", "heels"},
		"t-shirt; shorts\nsneakers":                {"t-shirt", "shorts", "sneakers"},
		"unknown":                                  {},
		"":                                         {},
		" , ,, ":                                   {},
		"jeans (ripped), Jeans ripped":             {"jeans ripped"},
	}
	for in, want := range tests {
		assert.Equal(t, want, ParseOutfit(in), "input %q", in)
	}
}

func TestMoodFromText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Mood{
		"happy": MoodHappy, " Flirty. ": MoodFlirty, "\"AROUSED\"": MoodAroused, "sad": MoodMelancholic,
		"shy": MoodEmbarrassed, "angry!": MoodIrritated, "neutral": MoodNeutral,
	} {
		got, ok := MoodFromText(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "confused", "happy and sad", "😀"} {
		_, ok := MoodFromText(in)
		assert.False(t, ok, in)
	}
	for _, m := range Moods() {
		got, ok := MoodFromText(m.String())
		assert.True(t, ok)
		assert.Equal(t, m, got)
	}
}

func TestIsPlaceholder(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"unknown", "N/A", "n/a.", "Not specified", "none specified", "same", "Unchanged",
		"no change", "(no change)", "same as before", "", "  ", "-", "?", "..."} {
		assert.True(t, IsPlaceholder(s), s)
	}
	for _, s := range []string{"casual", "casual dress", "none", "nothing", "unknown brand jeans", "samesite hoodie", "nude"} {
		assert.False(t, IsPlaceholder(s), s)
	}
}

// fields splits a fuzz input into n fields at "|".
func fields(s string, n int) []string {
	f := strings.SplitN(s, "|", n)
	for len(f) < n {
		f = append(f, "")
	}
	return f
}

func FuzzSceneApply(f *testing.F) {
	// Each input is "outfit|location|action|mood"; the first is the scene, the second the update.
	f.Add("red sweater,jeans|living room|reading|happy", "dress, (heels).|kitchen.|cooking|flirty")
	f.Add("|||", "unknown|n/a|none|confused")
	f.Add("a\x00,A|\xff|\t|x", strings.Repeat("long garment ", 20)+"|"+strings.Repeat("é", 300)+"|\"...\"|SAD")
	f.Fuzz(func(t *testing.T, scene, update string) {
		b, u := fields(scene, 4), fields(update, 4)
		m, _ := MoodFromText(b[3])
		base := Scene{Outfit: strings.Split(b[0], ","), Location: b[1], Action: b[2], Mood: m}
		for _, upd := range []SceneUpdate{
			NewSceneUpdate(u[0], u[1], u[2], u[3]),
			{Outfit: strings.Split(u[0], ","), Location: u[1], Action: u[2]}, // raw, as a caller may build it
		} {
			got := base.Apply(upd)
			if _, err := NewScene(got); err != nil {
				t.Fatalf("invalid scene %#v: %v", got, err)
			}
			if again := got.Apply(upd); !reflect.DeepEqual(got, again) {
				t.Fatalf("applying the same update twice changed the scene: %#v then %#v", got, again)
			}
			if upd.Mood == (Mood{}) && m.valid() && got.Mood != m {
				t.Fatalf("mood %v lost", m)
			}
		}
	})
}

func TestMoodSurvivesJSON(t *testing.T) {
	for _, m := range append(Moods(), Mood{}) {
		b, err := json.Marshal(SceneUpdate{Mood: m, Location: "park"})
		if err != nil {
			t.Fatal(err)
		}
		var back SceneUpdate
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Mood != m || back.Location != "park" {
			t.Fatalf("%q came back as %+v from %s", m, back, b)
		}
	}
	var u SceneUpdate
	if err := json.Unmarshal([]byte(`{"Mood":"furious"}`), &u); err == nil {
		t.Fatal("an unknown mood must not decode")
	}
}
