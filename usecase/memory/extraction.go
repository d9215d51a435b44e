package memory

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/usecase/llm"
)

// candidate is one memory the model proposed, read leniently.
type candidate struct {
	text       string
	category   memory.Category
	importance int
	replaces   int // 1-based index into the memories shown; 0: none
}

// extraction is what the model found in an exchange.
type extraction struct {
	memories         []candidate
	affection, trust int
}

// parseExtraction reads the model's answer as models write it: the JSON object found and repaired
// by llm.ExtractJSON, keys in any case ("affectionDelta" too), numbers as numbers or strings, an
// unknown category as a personal fact, a missing importance as 5. An answer with nothing usable is
// an empty extraction — a model that had nothing to say is no failure.
func parseExtraction(raw string) extraction {
	obj, err := llm.ExtractJSON(raw)
	if err != nil {
		return extraction{}
	}
	var top map[string]any
	if json.Unmarshal(obj, &top) != nil {
		return extraction{}
	}
	top = lowerKeys(top)
	var out extraction
	if list, ok := top["memories"].([]any); ok {
		for _, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				continue
			}
			m = lowerKeys(m)
			text, _ := m["content"].(string)
			if text == "" {
				text, _ = m["text"].(string)
			}
			cat, err := memory.ParseCategory(strings.ToLower(strings.TrimSpace(str(m["category"]))))
			if err != nil {
				cat = memory.PersonalFact
			}
			imp, ok := number(m["importance"])
			if !ok {
				imp = 5
			}
			rep, _ := number(m["replaces"])
			out.memories = append(out.memories, candidate{text: text, category: cat,
				importance: max(memory.MinImportance, min(memory.MaxImportance, imp)), replaces: rep})
		}
	}
	if rel, ok := top["relationship"].(map[string]any); ok {
		rel = lowerKeys(rel)
		out.affection, _ = number(first(rel, "affection_delta", "affectiondelta", "affection"))
		out.trust, _ = number(first(rel, "trust_delta", "trustdelta", "trust"))
	} else {
		out.affection, _ = number(first(top, "affection_delta", "affectiondelta"))
		out.trust, _ = number(first(top, "trust_delta", "trustdelta"))
	}
	return out
}

// lowerKeys is m with its keys in lower case.
func lowerKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

func first(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// number reads a whole number written as a number or a string ("+2"), rounded.
func number(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, false
		}
		return int(math.Round(max(-1e6, min(1e6, n)))), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		if err != nil {
			return 0, false
		}
		return number(f)
	}
	return 0, false
}
