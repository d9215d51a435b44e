package companion_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/companion"
)

const book = `{"name":"Vale","scan_depth":"3","token_budget":200,"entries":[
	{"keys":["Ironhold"],"content":"Ironhold is the mountain fortress where {{char}} grew up.","insertion_order":2,"priority":1},
	{"keys":["dragon"],"secondary_keys":["egg","eggs"],"selective":true,"content":"Dragon eggs hatch only in fire.","insertion_order":1},
	{"keys":["Mira"],"case_sensitive":true,"content":"Mira is the captain.","insertion_order":3},
	{"keys":["ghost"],"content":"Ghosts are not real.","enabled":false},
	{"keys":[],"constant":true,"content":"Magic is rare and feared.","insertion_order":0,"priority":"9"},
	{"keys":["empty"],"content":"  "}
]}`

func contents(es []companion.LoreEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Content)
	}
	return out
}

func TestLorebookEntriesComeWhenTheirKeysAreMentioned(t *testing.T) {
	t.Parallel()
	b := companion.ParseLorebook([]byte(book))
	require.Equal(t, 3, b.ScanDepth, "numbers as strings are read")
	require.Equal(t, 200, b.TokenBudget)
	require.Len(t, b.Entries, 5, "an entry with nothing to say is left out")

	require.Equal(t, []string{"Magic is rare and feared."}, contents(b.Active([]string{"hello there"})), "constant: always")
	require.Equal(t, []string{"Magic is rare and feared.", "Ironhold is the mountain fortress where {{char}} grew up."},
		contents(b.Active([]string{"Tell me about IRONHOLD!"})), "whole word, any case")
	require.Len(t, b.Active([]string{"the ironholder arrived"}), 1, "a key inside another word is no mention")
	require.Len(t, b.Active([]string{"a dragon!"}), 1, "selective: the primary key alone is not enough")
	require.Contains(t, contents(b.Active([]string{"a dragon!", "it laid eggs"})), "Dragon eggs hatch only in fire.", "both keys, in any of the messages scanned")
	require.Len(t, b.Active([]string{"mira is here"}), 1, "case-sensitive keys match their case only")
	require.Contains(t, contents(b.Active([]string{"Mira is here"})), "Mira is the captain.")
	require.Len(t, b.Active([]string{"a ghost"}), 1, "a disabled entry never comes")
}

func TestLorebookThatCannotBeReadIsEmpty(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "not json", `{"entries": "nope"}`, `[]`} {
		require.Empty(t, companion.ParseLorebook([]byte(raw)).Entries, "%q", raw)
	}
}
