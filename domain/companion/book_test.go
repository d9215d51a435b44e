package companion_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// fields maps each violation of err to its code.
func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	require.Error(t, err)
	out := map[string]string{}
	for _, v := range domain.Violations(err) {
		out[v.Field] = v.Code
	}
	return out
}

func TestReadBookGivesEveryEntryAStableID(t *testing.T) {
	t.Parallel()
	b := companion.ReadBook([]byte(`{"name":"Vale","description":"the world","scan_depth":"3","entries":[
		{"keys":["a"],"content":"A","extensions":{"position":1}},
		{"id":0,"keys":["b"],"content":"B","enabled":false,"priority":"7"},
		{"id":0,"keys":["c"],"content":"C","comment":"dup id"},
		"not an entry",
		{"id":"9","keys":"d, e","content":"D","case_sensitive":"true","insertion_order":2.5}
	]}`))
	require.Equal(t, "Vale", b.Name)
	require.Equal(t, 3, b.ScanDepth)
	require.JSONEq(t, `"the world"`, string(b.Extra["description"]))
	var ids []int
	for _, e := range b.Entries {
		ids = append(ids, e.ID)
	}
	// Entry 1 keeps its own id 0, so entry 0 cannot have its index; entry 2's 0 is taken: index 2.
	require.Equal(t, []int{1, 0, 2, 9}, ids)
	require.True(t, b.Entries[0].Enabled, "enabled unless it says not")
	require.False(t, b.Entries[1].Enabled)
	require.Equal(t, 7, b.Entries[1].Priority)
	require.JSONEq(t, `{"position":1}`, string(b.Entries[0].Extra["extensions"]))
	require.Equal(t, []string{"d", " e"}, b.Entries[3].Keys)
	require.True(t, b.Entries[3].CaseSensitive)
	require.Equal(t, 2, b.Entries[3].InsertionOrder)

	require.Empty(t, companion.ReadBook(nil).Entries)
	require.Empty(t, companion.ReadBook([]byte(`[1,2]`)).Entries, "what cannot be read is an empty book")
}

func TestWriteBookKeepsWhatItDoesNotType(t *testing.T) {
	t.Parallel()
	stored := []byte(`{"name":"Vale","recursive_scanning":true,"extensions":{"x":1},"entries":[
		{"id":4,"keys":["dragon"],"content":"Dragons.","extensions":{"depth":2},"position":"after_char","use_regex":false},
		{"id":5,"keys":["elf"],"content":"Elves.","extensions":{"gone":true}}]}`)
	cur := companion.ReadBook(stored)
	edit := companion.Book{Name: " Vale 2 ", TokenBudget: 300, Entries: []companion.BookEntry{
		{ID: 4, Keys: []string{"dragon", " wyrm ", "", "dragon"}, Content: "Dragons breathe fire.", Enabled: true, Comment: "lore"},
		{ID: companion.NewEntryID, Constant: true, Content: "Magic is rare.", Enabled: true, InsertionOrder: -3},
	}}
	raw, err := companion.WriteBook(edit, stored)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.Equal(t, "Vale 2", doc["name"])
	require.Equal(t, true, doc["recursive_scanning"], "the book's other members stay")
	require.Equal(t, map[string]any{"x": float64(1)}, doc["extensions"])
	require.EqualValues(t, 300, doc["token_budget"])
	entries := doc["entries"].([]any)
	require.Len(t, entries, 2, "an entry left out is deleted")
	first := entries[0].(map[string]any)
	require.Equal(t, map[string]any{"id": float64(4), "keys": []any{"dragon", "wyrm"}, "secondary_keys": []any{},
		"content": "Dragons breathe fire.", "enabled": true, "constant": false, "selective": false, "case_sensitive": false,
		"insertion_order": float64(0), "priority": float64(0), "comment": "lore",
		"extensions": map[string]any{"depth": float64(2)}, "position": "after_char", "use_regex": false}, first)
	second := entries[1].(map[string]any)
	require.EqualValues(t, 6, second["id"], "a new entry gets an id above every other")
	require.Equal(t, map[string]any{}, second["extensions"], "the spec's required members are there")
	require.Equal(t, cur.Entries[0].ID, companion.ReadBook(raw).Entries[0].ID)

	// Prompts read what was written.
	lb := companion.ParseLorebook(raw)
	require.Len(t, lb.Entries, 2)
	require.Equal(t, 300, lb.TokenBudget)
	require.Equal(t, -3, lb.Entries[1].InsertionOrder)

	none, err := companion.WriteBook(companion.Book{Name: "x"}, stored)
	require.NoError(t, err)
	require.Nil(t, none, "no entries, no book")
}

func TestWriteBookRefusesEveryMistakeAtOnce(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", companion.MaxLoreContent+1)
	_, err := companion.WriteBook(companion.Book{ScanDepth: -1, TokenBudget: companion.MaxTokenBudget + 1, Entries: []companion.BookEntry{
		{ID: 1, Content: "no key", Enabled: true},
		{ID: 1, Keys: []string{"k"}, Content: long, Enabled: true, Priority: companion.MaxLoreOrder + 1},
		{ID: 2, Keys: []string{"bad\x00key"}, Content: "c", Enabled: true},
		{ID: 3, Content: "a disabled draft needs no key"},
		{ID: 4, Content: "nor a constant one", Constant: true, Enabled: true},
	}}, nil)
	require.Equal(t, map[string]string{"scan_depth": "out_of_range", "token_budget": "out_of_range",
		"entries[0].keys": "required", "entries[1].id": "duplicate", "entries[1].content": "too_long",
		"entries[1].priority": "out_of_range", "entries[2].keys[0]": "format"}, fields(t, err))

	many := make([]companion.BookEntry, companion.MaxLoreEntries+1)
	_, err = companion.WriteBook(companion.Book{Entries: many}, nil)
	require.Equal(t, map[string]string{"entries": "too_many"}, fields(t, err))

	big := make([]companion.BookEntry, 300)
	for i := range big {
		big[i] = companion.BookEntry{ID: companion.NewEntryID, Constant: true, Enabled: true, Content: strings.Repeat("é", companion.MaxLoreContent)}
	}
	_, err = companion.WriteBook(companion.Book{Entries: big}, nil)
	require.Equal(t, map[string]string{"entries": "too_large"}, fields(t, err))
}
