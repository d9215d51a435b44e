package companion

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A card's character_book (its lorebook, the "world info" of SillyTavern): entries whose keys,
// when the conversation mentions them, bring their content into the reply's prompt (character
// card spec V2). The hub keeps the book as the card gave it, byte for byte; Lorebook is its reading.

// Lorebook is the entries of a character book, as the prompt uses them.
type Lorebook struct {
	// ScanDepth is how many of the latest messages are searched for keys (0: the book's default).
	ScanDepth int
	// TokenBudget bounds the entries brought into one prompt (0: the prompt's own bound).
	TokenBudget int
	Entries     []LoreEntry
}

// LoreEntry is one entry of a character book.
type LoreEntry struct {
	Keys, SecondaryKeys []string
	Content             string
	Enabled             bool
	Constant            bool // always in the prompt
	Selective           bool // needs a primary and a secondary key
	CaseSensitive       bool
	InsertionOrder      int // lower first in the prompt
	Priority            int // when over budget, the lower go first
}

// DefaultScanDepth is how many messages a book without a scan depth searches: the message
// answered and the three before it.
const DefaultScanDepth = 4

// ParseLorebook reads a character_book. It is lenient as the cards in the wild need — numbers as
// strings, a missing "enabled" as true — and a book it cannot read at all is an empty one: a
// lorebook is an addition to a companion, never a reason for its replies to fail.
func ParseLorebook(raw []byte) Lorebook {
	var book struct {
		ScanDepth   json.Number `json:"scan_depth"`
		TokenBudget json.Number `json:"token_budget"`
		Entries     []struct {
			Keys           []string    `json:"keys"`
			SecondaryKeys  []string    `json:"secondary_keys"`
			Content        string      `json:"content"`
			Enabled        *bool       `json:"enabled"`
			Constant       bool        `json:"constant"`
			Selective      bool        `json:"selective"`
			CaseSensitive  bool        `json:"case_sensitive"`
			InsertionOrder json.Number `json:"insertion_order"`
			Priority       json.Number `json:"priority"`
		} `json:"entries"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &book) != nil {
		return Lorebook{}
	}
	num := func(n json.Number) int {
		f, err := n.Float64()
		if err != nil {
			return 0
		}
		return int(max(-1e6, min(1e6, f)))
	}
	lb := Lorebook{ScanDepth: max(0, num(book.ScanDepth)), TokenBudget: max(0, num(book.TokenBudget))}
	for _, e := range book.Entries {
		if strings.TrimSpace(e.Content) == "" {
			continue
		}
		lb.Entries = append(lb.Entries, LoreEntry{Keys: e.Keys, SecondaryKeys: e.SecondaryKeys, Content: e.Content,
			Enabled: e.Enabled == nil || *e.Enabled, Constant: e.Constant, Selective: e.Selective,
			CaseSensitive: e.CaseSensitive, InsertionOrder: num(e.InsertionOrder), Priority: num(e.Priority)})
	}
	return lb
}

// Active are the enabled entries the texts (the latest messages) call for — constant ones always,
// others when one of their keys appears as a whole word (and, when selective, one of their
// secondary keys too) — most important first (priority, then insertion order), for a budget to cut.
func (b Lorebook) Active(texts []string) []LoreEntry {
	var out []LoreEntry
	for _, e := range b.Entries {
		if !e.Enabled {
			continue
		}
		if e.Constant || (mentions(texts, e.Keys, e.CaseSensitive) && (!e.Selective || len(e.SecondaryKeys) == 0 ||
			mentions(texts, e.SecondaryKeys, e.CaseSensitive))) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b LoreEntry) int {
		if a.Priority != b.Priority {
			return b.Priority - a.Priority
		}
		return a.InsertionOrder - b.InsertionOrder
	})
	return out
}

// mentions says whether one of keys appears in texts as a whole word (or words): found, and not
// preceded or followed by a letter, digit or underscore. A plain scan — no expression compiled per
// key and reply.
func mentions(texts, keys []string, caseSensitive bool) bool {
	fold := func(s string) string {
		if caseSensitive {
			return s
		}
		return strings.ToLower(s)
	}
	folded := make([]string, len(texts))
	for i, t := range texts {
		folded[i] = fold(t)
	}
	for _, k := range keys {
		k = fold(strings.TrimSpace(k))
		if k == "" {
			continue
		}
		for _, t := range folded {
			if wholeWord(t, k) {
				return true
			}
		}
	}
	return false
}

// wholeWord says whether k occurs in t with no word character right before or after it.
func wholeWord(t, k string) bool {
	for from := 0; from <= len(t)-len(k); {
		i := strings.Index(t[from:], k)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(k)
		before, _ := utf8.DecodeLastRuneInString(t[:start])
		after, _ := utf8.DecodeRuneInString(t[end:])
		if (start == 0 || !wordRune(before)) && (end == len(t) || !wordRune(after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(t[start:])
		from = start + size
	}
	return false
}

func wordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
