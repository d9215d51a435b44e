package chat

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/llm"
)

// Analysis is what the scene analyser read from the conversation (SPEC §3.3 step 1 and 4). Update
// is merged into the companion's scene (companion.Scene.Apply); the rest is transient, used only by
// the reply prompt and the picture prompt of this turn.
type Analysis struct {
	Update      companion.SceneUpdate
	Expression  string   // image-model tag phrases for the face; never empty once parsed
	Lighting    string   // never empty once parsed
	UserPresent bool     // the user is physically in the same room now
	VisualTags  []string // what is happening, for the picture
	Reasoning   string   // the model's own explanation, for logs and debugging
	// Failed says the analyser's reply could not be read at all. The other fields then hold safe
	// defaults and Update holds no information, so the scene stays as it was.
	Failed bool
}

// Defaults of the transient fields, used when the analyser gives none.
const (
	defaultExpression = "neutral"
	defaultLighting   = "cinematic lighting"
)

// Bounds of the transient fields: they end up in prompts, so a runaway model must not blow them
// up. Counted in characters.
const (
	maxVisualTags    = 24
	maxVisualTagLen  = 60
	maxExpressionLen = 200
	maxLightingLen   = 100
	maxReasoningLen  = 2000
)

// FailedAnalysis is the analysis of a turn whose analyser failed: no change to the scene and
// neutral picture defaults. A failed analysis must not fail the turn.
func FailedAnalysis() Analysis {
	return Analysis{Failed: true, Expression: defaultExpression, Lighting: defaultLighting}
}

// ParseAnalysis reads the analyser's reply (reference §2.10: keys reasoning, outfit, location,
// action_summary, is_user_present, visual_tags, expression, lighting, mood). It is lenient because
// models are: the JSON is extracted and repaired by llm.ExtractJSON; keys match in any case and in
// snake_case or camelCase, "action" stands for action_summary; a list may come as a tag string or
// an array (or an object of named parts, read in key order); a yes/no as a boolean, "true"/"yes"
// or a number; and an object wrapping the keys one level down is looked into. Every field is
// cleaned and bounded. It never returns an error: a reply it cannot read at all, or one without any
// of the keys, gives FailedAnalysis.
func ParseAnalysis(raw string) Analysis {
	obj, ok := analyserObject(raw)
	if !ok {
		return FailedAnalysis()
	}
	a := Analysis{
		Expression:  text(obj["expression"], maxExpressionLen, defaultExpression),
		Lighting:    text(obj["lighting"], maxLightingLen, defaultLighting),
		UserPresent: truthy(first(obj, "isuserpresent", "userpresent")),
		VisualTags:  tags(first(obj, "visualtags", "tags")),
		Reasoning:   reasoning(obj["reasoning"]),
	}
	action := first(obj, "actionsummary", "action")
	a.Update = companion.NewSceneUpdate("", text(obj["location"], 0, ""), text(action, 0, ""), text(obj["mood"], 0, ""))
	a.Update.Outfit = companion.CleanOutfit(list(first(obj, "outfit", "clothing", "clothes"), companion.ParseOutfit))
	if present, ok := yesNo(first(obj, "isuserpresent", "userpresent")); ok {
		a.Update.UserPresent = &present
	}
	return a
}

// analyserKeys are the keys ParseAnalysis understands, normalised (lower case, no separators).
var analyserKeys = []string{"reasoning", "outfit", "clothing", "clothes", "location", "actionsummary",
	"action", "isuserpresent", "userpresent", "visualtags", "tags", "expression", "lighting", "mood"}

// analyserObject extracts the reply's JSON object with normalised keys, descending once into a
// wrapper ({"analysis": {…}}) when the top level has none of the analyser's keys.
func analyserObject(raw string) (map[string]any, bool) {
	b, err := llm.ExtractJSON(raw)
	if err != nil {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // 1e400 is valid JSON but no float64
	var top map[string]any
	if dec.Decode(&top) != nil {
		return nil, false
	}
	obj := normaliseKeys(top)
	if hasAnalyserKey(obj) {
		return obj, true
	}
	if len(obj) == 1 {
		for _, v := range obj {
			if inner, ok := v.(map[string]any); ok {
				if obj = normaliseKeys(inner); hasAnalyserKey(obj) {
					return obj, true
				}
			}
		}
	}
	return nil, false
}

func normaliseKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // when two spellings collide, the same one wins every time
	for _, k := range keys {
		n := strings.Map(func(r rune) rune {
			if r == '_' || r == '-' || r == ' ' {
				return -1
			}
			return unicode.ToLower(r)
		}, k)
		if _, dup := out[n]; !dup {
			out[n] = m[k]
		}
	}
	return out
}

func hasAnalyserKey(obj map[string]any) bool {
	for _, k := range analyserKeys {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

// first returns the value of the first of keys present (and not null).
func first(obj map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := obj[k]; ok && v != nil {
			return v
		}
	}
	return nil
}

// text reads a single-line text: a string, or a list of strings joined with ", " (a model that
// gives the expression as tags). Control characters become spaces, whitespace is collapsed, and
// the result is cut to max characters (0: no cut, the domain bounds it later). A missing,
// unusable or placeholder value gives def.
func text(v any, max int, def string) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []any:
		s = strings.Join(stringItems(x), ", ")
	}
	s = strings.Join(strings.Fields(controlFree(s)), " ")
	if max > 0 {
		s = strings.TrimSpace(clip(s, max))
	}
	if companion.IsPlaceholder(s) {
		return def
	}
	return s
}

// reasoning keeps the model's explanation with its line breaks, bounded.
func reasoning(v any) string {
	s, _ := v.(string)
	s = strings.Map(func(r rune) rune {
		if r == '\n' || !unicode.IsControl(r) {
			return r
		}
		return ' '
	}, strings.ToValidUTF8(s, ""))
	return strings.TrimSpace(clip(s, maxReasoningLen))
}

// list reads a list of strings: a tag string is split by split, an array's strings (each perhaps
// a tag string itself), an object's string values in key order.
func list(v any, split func(string) []string) []string {
	var parts []string
	switch x := v.(type) {
	case string:
		parts = []string{x}
	case []any:
		parts = stringItems(x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch y := x[k].(type) {
			case string:
				parts = append(parts, y)
			case []any:
				parts = append(parts, stringItems(y)...)
			}
		}
	}
	var out []string
	for _, p := range parts {
		out = append(out, split(p)...)
		if len(out) > 4*companion.MaxTags {
			break // the caller keeps far fewer; stop a runaway list early
		}
	}
	return out
}

// tags reads the visual tags: split on commas, cleaned, placeholders and duplicates dropped,
// bounded.
func tags(v any) []string {
	raw := list(v, func(s string) []string { return strings.Split(s, ",") })
	out := make([]string, 0, min(len(raw), maxVisualTags))
	seen := map[string]bool{}
	for _, t := range raw {
		if len(out) == maxVisualTags {
			break
		}
		t = strings.TrimRight(text(t, maxVisualTagLen, ""), ". ")
		if k := strings.ToLower(t); t != "" && !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
	}
	return out
}

// stringItems returns the strings of an array, skipping anything else.
func stringItems(xs []any) []string {
	var out []string
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// truthy reads a yes/no the way a model may write it.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0 // only a number too big for a float64 fails to parse
	case string:
		switch strings.ToLower(strings.Trim(x, " \t\r\n.!\"'")) {
		case "true", "yes", "y", "1", "present":
			return true
		}
	}
	return false
}

// yesNo reads a yes/no the way a model may write it, and whether it said one at all: a boolean, a
// number, or a string such as "true", "no" or "absent". A missing key, null or anything else
// ("maybe", "unknown", a list) is no information, so the stored presence stays.
func yesNo(v any) (yes, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case json.Number:
		return truthy(x), true
	case string:
		switch strings.ToLower(strings.Trim(x, " \t\r\n.!\"'")) {
		case "true", "yes", "y", "1", "present":
			return true, true
		case "false", "no", "n", "0", "absent", "not present":
			return false, true
		}
	}
	return false, false
}

func controlFree(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// clip cuts s to at most max characters without splitting one.
func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}
