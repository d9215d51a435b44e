package companion_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// worldInfo is a World Info file as SillyTavern exports one.
const worldInfo = `{"entries":{
	"10":{"uid":10,"key":["Ironhold","fortress"],"keysecondary":[],"comment":"Ironhold","content":"Ironhold is a mountain fortress.",
		"constant":false,"selective":true,"selectiveLogic":0,"order":100,"position":0,"disable":false,"excludeRecursion":false,
		"probability":100,"useProbability":true,"depth":4,"caseSensitive":null,"matchWholeWords":null,"displayIndex":1,
		"extensions":{"other_app":{"k":1}}},
	"2":{"uid":2,"key":["dragon"],"keysecondary":["egg"],"comment":"","content":"Dragon eggs hatch in fire.","constant":false,
		"selective":true,"order":50,"position":4,"disable":true,"caseSensitive":true,"depth":2},
	"3":{"uid":3,"key":[],"content":"The sky is green.","constant":true,"order":"7"},
	"4":{"uid":4,"key":[],"content":"only found by vectors","constant":false,"vectorized":true}
}}`

func TestParseWorldInfoConvertsAsSillyTavernDoes(t *testing.T) {
	t.Parallel()
	wi, err := companion.ParseWorldInfo([]byte(worldInfo))
	require.NoError(t, err)
	require.Equal(t, 1, wi.Skipped, "an enabled entry without keys could never fire here")
	require.Len(t, wi.Entries, 3)
	dragon, sky, hold := wi.Entries[0], wi.Entries[1], wi.Entries[2]
	require.Equal(t, []int{2, 3, 10}, []int{dragon.ID, sky.ID, hold.ID}, "in uid order, uids as ids")

	require.Equal(t, []string{"dragon"}, dragon.Keys)
	require.Equal(t, []string{"egg"}, dragon.SecondaryKeys)
	require.False(t, dragon.Enabled, "disable → not enabled")
	require.True(t, dragon.CaseSensitive)
	require.True(t, dragon.Selective)
	require.Equal(t, 50, dragon.InsertionOrder)
	require.JSONEq(t, `"after_char"`, string(dragon.Extra["position"]))

	require.True(t, sky.Constant)
	require.Equal(t, 7, sky.InsertionOrder)

	require.Equal(t, "Ironhold", hold.Comment)
	require.JSONEq(t, `"before_char"`, string(hold.Extra["position"]))
	require.JSONEq(t, `{"other_app":{"k":1},"position":0,"selectiveLogic":0,"exclude_recursion":false,"probability":100,
		"useProbability":true,"depth":4,"case_sensitive":null,"match_whole_words":null,"display_index":1}`,
		string(hold.Extra["extensions"]), "nothing is lost: the rest goes under extensions, named as SillyTavern names it there")

	// Written into a book, the entries are what a prompt reads.
	raw, err := companion.WriteBook(companion.Book{Entries: wi.Entries}, nil)
	require.NoError(t, err)
	active := companion.ParseLorebook(raw).Active([]string{"we rode to Ironhold"})
	require.Len(t, active, 2)
	require.Equal(t, "The sky is green.", active[0].Content)
}

func TestParseWorldInfoReadsOtherShapes(t *testing.T) {
	t.Parallel()
	// A list of entries, as some tools write them.
	wi, err := companion.ParseWorldInfo([]byte(`{"entries":[{"key":["a"],"content":"A"},{"key":"b,c","content":"B"}]}`))
	require.NoError(t, err)
	require.Len(t, wi.Entries, 2)
	require.Equal(t, []int{0, 1}, []int{wi.Entries[0].ID, wi.Entries[1].ID})
	require.Equal(t, []string{"b", "c"}, wi.Entries[1].Keys)
	require.Equal(t, 100, wi.Entries[0].InsertionOrder, "SillyTavern's default order")

	// A character book, bare or as a lorebook_v3 file.
	for _, f := range []string{
		`{"name":"x","entries":[{"id":3,"keys":["k"],"content":"C","extensions":{"a":1}}]}`,
		`{"spec":"lorebook_v3","data":{"entries":[{"id":3,"keys":["k"],"content":"C","extensions":{"a":1}}]}}`,
	} {
		wi, err = companion.ParseWorldInfo([]byte(f))
		require.NoError(t, err, f)
		require.Len(t, wi.Entries, 1)
		require.Equal(t, 3, wi.Entries[0].ID)
		require.JSONEq(t, `{"a":1}`, string(wi.Entries[0].Extra["extensions"]))
	}
}

func TestParseWorldInfoSaysWhyAFileIsNotWorldInfo(t *testing.T) {
	t.Parallel()
	for file, why := range map[string]string{
		`nope`:                         "not JSON",
		`[1]`:                          `JSON object with an "entries" member`,
		`{"name":"x"}`:                 `no "entries"`,
		`{"entries":"x"}`:              `"entries" must be an object`,
		`{"entries":{}}`:               "no entries",
		`{"entries":{"1":5}}`:          `entry "1" is not a JSON object`,
		`{"entries":{"1":{"key":[]}}}`: "none of the file's entries can be used",
		`{"spec":"chara_card_v2","data":{"name":"Mira"}}`: "character card",
	} {
		_, err := companion.ParseWorldInfo([]byte(file))
		require.Error(t, err, file)
		var de *domain.Error
		require.ErrorAs(t, err, &de)
		require.Equal(t, "not_world_info", de.Reason, file)
		require.Contains(t, de.Message, why, file)
	}
	// An entry beyond a book's bounds is named by its uid.
	long := make([]byte, companion.MaxLoreContent+1)
	for i := range long {
		long[i] = 'x'
	}
	content, _ := json.Marshal(string(long))
	_, err := companion.ParseWorldInfo([]byte(`{"entries":{"7":{"uid":7,"key":["k"],"content":` + string(content) + `}}}`))
	require.Equal(t, map[string]string{"entries.7.content": "too_long"}, fields(t, err))
}
