package httpapi_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"testing"

	"github.com/stretchr/testify/require"
)

// lorebook is a Lorebook body.
type lorebook struct {
	Name        string `json:"name"`
	ScanDepth   int    `json:"scan_depth"`
	TokenBudget int    `json:"token_budget"`
	Entries     []struct {
		ID       int      `json:"id"`
		Keys     []string `json:"keys"`
		Content  string   `json:"content"`
		Enabled  bool     `json:"enabled"`
		Constant bool     `json:"constant"`
		Comment  string   `json:"comment"`
	} `json:"entries"`
}

func lorebookOf(t *testing.T, body []byte) lorebook {
	t.Helper()
	var b lorebook
	require.NoError(t, json.Unmarshal(body, &b), "%s", body)
	return b
}

// stWorldInfo is a World Info file as SillyTavern exports one.
const stWorldInfo = `{"entries":{"0":{"uid":0,"key":["Lyon"],"keysecondary":[],"comment":"the city","content":"Lyon is where {{user}} lives.",
	"constant":false,"selective":true,"selectiveLogic":0,"order":100,"position":1,"disable":false,"excludeRecursion":false,
	"probability":100,"useProbability":true,"depth":4,"caseSensitive":null,"matchWholeWords":null},
	"1":{"uid":1,"key":[],"content":"","constant":false}}}`

// lorebookJourney reads, replaces and imports into a companion's lorebook through the contract
// checker.
func (c *contract) lorebookJourney(t *testing.T, tok string) {
	t.Helper()
	id := c.newCompanion(t, tok, `{"name":"Nova","age":30}`)
	path := "/api/v1/companions/" + id + "/lorebook"
	status, body, _ := c.call("GET", path, tok, nil, true)
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"entries":[]}`, string(body))

	status, body, _ = c.call("PUT", path, tok, `{"name":"Nova's world","entries":[
		{"keys":["Zelda"],"content":"Zelda is {{user}}'s sister.","priority":3},
		{"constant":true,"content":"It is always raining.","comment":"weather"}]}`, true)
	require.Equal(t, 200, status, "%s", body)
	b := lorebookOf(t, body)
	require.Len(t, b.Entries, 2)
	require.True(t, b.Entries[0].Enabled, "enabled unless said otherwise")
	status, body, _ = c.call("PUT", path, tok, `{"entries":[{"content":"no key"}],"extra":1}`, false)
	require.Equal(t, 400, status)
	_, _, fields := errorOf(t, body)
	require.Equal(t, map[string]string{"extra": "unknown_field"}, fields)
	status, body, _ = c.call("PUT", path, tok, `{"entries":[{"content":"no key"}]}`, true)
	require.Equal(t, 400, status)
	_, _, fields = errorOf(t, body)
	require.Equal(t, map[string]string{"entries[0].keys": "required"}, fields)

	status, body, _ = c.call("POST", path+"/import?mode=append", tok, stWorldInfo, true)
	require.Equal(t, 200, status, "%s", body)
	var imported struct {
		Lorebook lorebook `json:"lorebook"`
		Imported int      `json:"imported"`
		Skipped  int      `json:"skipped"`
	}
	require.NoError(t, json.Unmarshal(body, &imported))
	require.Equal(t, 1, imported.Imported)
	require.Equal(t, 1, imported.Skipped)
	require.Len(t, imported.Lorebook.Entries, 3)
	status, body, _ = c.call("POST", path+"/import", tok, `{"name":"not a world"}`, true)
	require.Equal(t, 400, status)
	requireReason(t, body, "invalid", "not_world_info")
	status, _, _ = c.call("GET", "/api/v1/companions/0190a0b4-0000-7000-8000-000000000000/lorebook", tok, nil, true)
	require.Equal(t, 404, status)
}

func TestLorebook(t *testing.T) {
	t.Parallel()
	c := newContract(t)
	tok := c.companionOwner(t, "lorebook_owner")
	id := c.newCompanion(t, tok, `{"name":"Mira","age":26}`)
	path := "/api/v1/companions/" + id + "/lorebook"

	status, body, _ := c.call("PUT", path, tok, `{"name":"Vale","scan_depth":6,"entries":[
		{"keys":["Ironhold"],"content":"Ironhold is a fortress.","insertion_order":1},
		{"keys":["ghost"],"content":"Ghosts are not real.","enabled":false}]}`, true)
	require.Equal(t, 200, status, "%s", body)
	b := lorebookOf(t, body)
	require.Equal(t, "Vale", b.Name)
	require.Equal(t, 6, b.ScanDepth)
	require.Equal(t, []int{0, 1}, []int{b.Entries[0].ID, b.Entries[1].ID})

	// Editing keeps ids; an entry left out is deleted; a new one gets a fresh id.
	status, body, _ = c.call("PUT", path, tok, `{"name":"Vale","entries":[
		{"id":1,"keys":["ghost","spirit"],"content":"Ghosts are real after all.","enabled":true},
		{"keys":["dragon"],"content":"Dragons sleep under Ironhold."}]}`, true)
	require.Equal(t, 200, status, "%s", body)
	b = lorebookOf(t, body)
	require.Equal(t, []int{1, 2}, []int{b.Entries[0].ID, b.Entries[1].ID})
	require.Zero(t, b.ScanDepth, "the whole book is replaced")

	// Imported as a file in a form, replacing the entries.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, err := mw.CreateFormFile("file", "world.json")
	require.NoError(t, err)
	_, _ = fw.Write([]byte(stWorldInfo))
	require.NoError(t, mw.WriteField("mode", "replace"))
	require.NoError(t, mw.Close())
	status, body, _ = c.call("POST", path+"/import", tok, form.Bytes(), true, header{"Content-Type", mw.FormDataContentType()})
	require.Equal(t, 200, status, "%s", body)

	// The exported card carries the entries, with what SillyTavern needs to read them back.
	status, card, _ := c.call("GET", "/api/v1/companions/"+id+"/export?format=json&spec=v2", tok, nil, true)
	require.Equal(t, 200, status)
	var exported struct {
		Data struct {
			Book struct {
				Name    string           `json:"name"`
				Entries []map[string]any `json:"entries"`
			} `json:"character_book"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(card, &exported))
	require.Equal(t, "Vale", exported.Data.Book.Name)
	require.Len(t, exported.Data.Book.Entries, 1)
	entry := exported.Data.Book.Entries[0]
	require.Equal(t, "Lyon is where {{user}} lives.", entry["content"])
	require.Equal(t, []any{"Lyon"}, entry["keys"])
	require.Equal(t, "after_char", entry["position"])
	require.Equal(t, map[string]any{"position": float64(1), "selectiveLogic": float64(0), "exclude_recursion": false,
		"probability": float64(100), "useProbability": true, "depth": float64(4), "case_sensitive": nil,
		"match_whole_words": nil}, entry["extensions"])

	// A card imported again brings the book back, as the hub reads it.
	status, body, _ = c.call("POST", "/api/v1/companions/import", tok, card, true)
	require.Equal(t, 201, status, "%s", body)
	var again struct {
		Companion struct {
			ID string `json:"id"`
		} `json:"companion"`
	}
	require.NoError(t, json.Unmarshal(body, &again))
	status, body, _ = c.call("GET", "/api/v1/companions/"+again.Companion.ID+"/lorebook", tok, nil, true)
	require.Equal(t, 200, status)
	require.Equal(t, "the city", lorebookOf(t, body).Entries[0].Comment)

	// Mistakes are refused under their names, all at once, and change nothing.
	for body, want := range map[string]map[string]string{
		`{"entries":[{"keys":"x","content":1,"priority":1.5}]}`: {"entries[0].keys": "type", "entries[0].content": "type",
			"entries[0].priority": "type"},
		`{"name":"x"}`: {"entries": "required"},
		`{"scan_depth":-1,"entries":[{"keys":["a"],"id":3},{"keys":["b"],"id":3}]}`: {"scan_depth": "out_of_range",
			"entries[1].id": "duplicate"},
	} {
		status, out, _ := c.call("PUT", path, tok, body, false)
		require.Equal(t, 400, status, body)
		_, _, fields := errorOf(t, out)
		require.Equal(t, want, fields, body)
	}
	for _, q := range []string{"?mode=merge", ""} {
		file := stWorldInfo
		if q == "" {
			file = `{"spec":"chara_card_v2","data":{"name":"Mira"}}`
		}
		status, _, _ = c.call("POST", path+"/import"+q, tok, file, false)
		require.Equal(t, 400, status, q)
	}
	status, body, _ = c.call("GET", path, tok, nil, true)
	require.Equal(t, 200, status)
	require.Len(t, lorebookOf(t, body).Entries, 1, "nothing changed")

	// Another person's companion is not found; in the trash the book is readable, not writable.
	stranger := c.companionOwner(t, "lorebook_stranger")
	status, _, _ = c.call("GET", path, stranger, nil, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("PUT", path, stranger, `{"entries":[]}`, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("POST", path+"/import", stranger, stWorldInfo, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("DELETE", "/api/v1/companions/"+id, tok, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("GET", path, tok, nil, true)
	require.Equal(t, 200, status)
	for _, call := range []struct{ method, path, body string }{{"PUT", path, `{"entries":[]}`}, {"POST", path + "/import", stWorldInfo}} {
		status, body, _ = c.call(call.method, call.path, tok, call.body, true)
		require.Equal(t, 409, status)
		requireReason(t, body, "conflict", "companion_trashed")
	}
	status, _, _ = c.call("POST", "/api/v1/companions/"+id+"/restore", tok, nil, true)
	require.Equal(t, 200, status)

	// [] removes the book: the export has none.
	status, body, _ = c.call("PUT", path, tok, `{"entries":[]}`, true)
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"entries":[]}`, string(body))
	status, card, _ = c.call("GET", "/api/v1/companions/"+id+"/export?format=json&spec=v3", tok, nil, true)
	require.Equal(t, 200, status)
	var v3 struct {
		Data map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal(card, &v3))
	require.NotContains(t, v3.Data, "character_book")
}
