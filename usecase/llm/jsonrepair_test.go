package llm

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
)

func TestExtractJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     string // compared as JSON values
	}{
		{"whole object", `{"a":1,"b":[true,null]}`, `{"a":1,"b":[true,null]}`},
		{"whole object with spaces and BOM", "\ufeff  {\"a\": 1}\n", `{"a":1}`},
		{"double encoded", `"{\"mood\":\"happy\"}"`, `{"mood":"happy"}`},
		{"json fence", "Here you go:\n```json\n{\"mood\": \"happy\"}\n```\nAnything else?", `{"mood":"happy"}`},
		{"upper-case fence, no newline", "```JSON{\"mood\": \"happy\"}```", `{"mood":"happy"}`},
		{"tilde fence", "~~~\n{\"a\": 1}\n~~~", `{"a":1}`},
		{"fence preferred over braces in prose", "I {love} this.\n```json\n{\"a\": 1}\n```", `{"a":1}`},
		{"unclosed fence", "```json\n{\"a\": 1, \"b\": \"x", `{"a":1,"b":"x"}`},
		{"prose around", `Sure! {"outfit": "red dress", "mood": "happy"} Hope that helps {:)}`, `{"outfit":"red dress","mood":"happy"}`},
		{"braces inside strings", `Result: {"action": "draws a {heart}", "x": "}"} done`, `{"action":"draws a {heart}","x":"}"}`},
		{"first valid object wins over later", `{"a": 1} {"b": 2}`, `{"a":1}`},
		{"skips non-JSON braces", `I feel {happy}. {"mood": "happy"}`, `{"mood":"happy"}`},
		{"trailing commas", "{\"a\": [1, 2,], \"b\": 3,}", `{"a":[1,2],"b":3}`},
		{"missing commas between lines", "{\n\"a\": \"x\"\n\"b\": 2\n}", `{"a":"x","b":2}`},
		{"curly quotes", `{“outfit”: “white blouse, black skirt”, “mood”: “flirty”}`, `{"outfit":"white blouse, black skirt","mood":"flirty"}`},
		{"curly single quotes", `{‘mood’: ‘happy’}`, `{"mood":"happy"}`},
		{"single quotes with apostrophe", `{'action': 'she's smiling', 'mood': 'happy'}`, `{"action":"she's smiling","mood":"happy"}`},
		{"unescaped inner quotes", `{"action": "she says "hi" and waves", "mood": "happy"}`, `{"action":"she says \"hi\" and waves","mood":"happy"}`},
		{"python literals", `{'is_user_present': True, 'x': None, 'y': FALSE, 'z': undefined}`, `{"is_user_present":true,"x":null,"y":false,"z":null}`},
		{"literals inside strings untouched", `{"a": "True or None", "b": True,}`, `{"a":"True or None","b":true}`},
		{"comments", "{\n// the outfit\n\"outfit\": \"dress\", /* mood */ \"mood\": \"happy\" // done\n}", `{"outfit":"dress","mood":"happy"}`},
		{"url in string is not a comment", `{"url": "http://x.test/a", "b": 1,}`, `{"url":"http://x.test/a","b":1}`},
		{"raw newline and tab in string", "{\"reasoning\": \"line one\nline two\tend\",}", `{"reasoning":"line one\nline two\tend"}`},
		{"unquoted keys and bare words", `{mood: happy, location: living room, count: 3}`, `{"mood":"happy","location":"living room","count":3}`},
		{"odd numbers", `{"a": +1, "b": .5, "c": 1., "d": NaN, "e": 007}`, `{"a":1,"b":0.5,"c":1,"d":null,"e":7}`},
		{"escapes kept", `{"a": "tab\tq\"\u00e9\ud83d\ude00", "b": 'it\'s',}`, `{"a":"tab\tq\"é😀","b":"it's"}`},
		{"truncated in string", `{"reasoning": "She is still wearing the dre`, `{"reasoning":"She is still wearing the dre"}`},
		{"truncated after key", `{"outfit": "dress", "mood"`, `{"outfit":"dress"}`},
		{"truncated after colon", `{"outfit": "dress", "mood": `, `{"outfit":"dress"}`},
		{"truncated bare word dropped", `{"outfit": "dress", "is_user_present": tr`, `{"outfit":"dress"}`},
		{"truncated number dropped", `{"outfit": "dress", "n": 12`, `{"outfit":"dress"}`},
		{"truncated in array", `{"visual_tags": ["smile", "blush`, `{"visual_tags":["smile","blush"]}`},
		{"truncated after array comma", `{"visual_tags": ["smile", `, `{"visual_tags":["smile"]}`},
		{"truncated nested", `{"a": {"b": [1, {"c": "d`, `{"a":{"b":[1,{"c":"d"}]}}`},
		{"truncated escape", `{"a": "x\u00`, `{"a":"x"}`},
		{"mismatched closers", `{"a": [1, 2}`, `{"a":[1,2]}`},
		{"key without value", `{"a", "b": 1}`, `{"b":1}`},
		{"equals sign", `{mood = "happy"}`, `{"mood":"happy"}`},
		{"realistic analyser reply", "Let me think about the scene.\n\n```json\n{\n  \"reasoning\": \"She took off her jacket.\",\n  \"outfit\": \"white blouse, black pencil skirt\",\n  \"location\": \"office\",\n  \"action_summary\": \"leaning on the desk\",\n  \"is_user_present\": True,\n  \"visual_tags\": [\"leaning forward\", \"from side\",],\n  \"expression\": \"soft smile, blushing\",\n  \"lighting\": \"warm lighting\",\n  \"mood\": \"flirty\", // chosen\n}\n```", `{"reasoning":"She took off her jacket.","outfit":"white blouse, black pencil skirt","location":"office","action_summary":"leaning on the desk","is_user_present":true,"visual_tags":["leaning forward","from side"],"expression":"soft smile, blushing","lighting":"warm lighting","mood":"flirty"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ExtractJSON(tt.in)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}

func TestExtractJSONKeepsValidBytes(t *testing.T) {
	t.Parallel()
	in := "```json\n{\n  \"a\": \"<b>\",\n  \"n\": 1.50\n}\n```"
	got, err := ExtractJSON(in)
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"a\": \"<b>\",\n  \"n\": 1.50\n}", string(got), "valid JSON is returned byte for byte")
}

func TestExtractJSONNoJSON(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"",
		"   ",
		"I'm sorry, I can't help with that.",
		"[1, 2, 3]",
		`"just a string"`,
		"I {love} you",
		"{",
		"{,}",
		"{ : }",
		strings.Repeat("{", 100),
		strings.Repeat("}", 100),
	} {
		got, err := ExtractJSON(in)
		require.Error(t, err, "input %q gave %s", in, got)
		assert.ErrorIs(t, err, ErrNoJSON)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
		assert.Equal(t, "no_json", domain.AsError(err).Reason)
	}
}

func TestExtractJSONEmptyObjectOnlyWhenWritten(t *testing.T) {
	t.Parallel()
	got, err := ExtractJSON(" {} ")
	require.NoError(t, err)
	assert.Equal(t, "{}", string(got))
}

func TestExtractJSONBoundsInput(t *testing.T) {
	t.Parallel()
	// A reply longer than the cap is read as cut off at the cap: the head is still used.
	in := `{"mood": "happy", "reasoning": "` + strings.Repeat("é", MaxJSONInput) + `"}`
	got, err := ExtractJSON(in)
	require.NoError(t, err)
	var v map[string]string
	require.NoError(t, json.Unmarshal(got, &v))
	assert.Equal(t, "happy", v["mood"])
	assert.Less(t, len(v["reasoning"]), MaxJSONInput)

	// Deep nesting ends the object instead of recursing without bound.
	deep := `{"a":` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat("}", 10001)
	got, err = ExtractJSON(deep)
	require.NoError(t, err)
	assert.True(t, json.Valid(got))
}

func TestExtractJSONDeepNestingWithinBoundIsRepaired(t *testing.T) {
	t.Parallel()
	in := strings.Repeat(`{"a":`, 5) + `"x",` + strings.Repeat("}", 5)
	got, err := ExtractJSON(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":{"a":{"a":{"a":{"a":"x"}}}}}`, string(got))
}

func FuzzExtractJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":1}`, "```json\n{\"a\": [1,2,],}\n```", `{'a': True}`, `{“a”: “b”}`, `{"a": "b`,
		`{a: b, c: [1, {d: "e"`, "{\"a\": \"x\ny\"}", `{"a": "\ud83d\ude00"}`, `{/* c */ "a": 1 // x`,
		"prose {not json} and {\"k\": 'v'}", `{"a": [1, 2}`, `{"a": 1e400}`, `{"a": "\x"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ExtractJSON(in)
		if err != nil {
			if !errorsIsNoJSON(err) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !json.Valid(got) {
			t.Fatalf("invalid JSON %q from %q", got, in)
		}
		if len(got) == 0 || got[0] != '{' {
			t.Fatalf("not an object: %q", got)
		}
	})
}

func errorsIsNoJSON(err error) bool {
	e := domain.AsError(err)
	return e != nil && e.Kind == domain.KindInvalid && e.Reason == "no_json"
}
