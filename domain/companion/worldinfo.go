package companion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/companionhub/companionhub/domain"
)

// WorldInfo is what a SillyTavern World Info file brings to a lorebook.
type WorldInfo struct {
	// Entries are the file's entries as book entries, in the order of their uids.
	Entries []BookEntry
	// Skipped counts the entries left out: enabled, not constant, and without a key, they could
	// never enter a prompt here (SillyTavern may still use them, by vector search).
	Skipped int
}

// worldInfoTyped are the members of a World Info entry that become typed fields of a BookEntry;
// every other member goes under the entry's extensions.
var worldInfoTyped = []string{"uid", "key", "keysecondary", "comment", "content", "constant", "selective",
	"order", "disable", "extensions"}

// worldInfoKept are the World Info members SillyTavern keeps under their own names in the
// extensions of the character books it exports; the rest it names in snake_case.
var worldInfoKept = map[string]bool{"useProbability": true, "selectiveLogic": true}

// defaultWorldInfoOrder is the insertion order of an entry that states none (SillyTavern's).
const defaultWorldInfoOrder = 100

// ParseWorldInfo reads a SillyTavern World Info file — {"entries": {"<uid>": {uid, key,
// keysecondary, comment, content, constant, selective, order, position, disable, caseSensitive,
// probability, depth…}}} — into book entries as SillyTavern itself turns World Info into a
// character book: key → keys, keysecondary → secondary_keys, order → insertion_order,
// disable → enabled (negated), caseSensitive → case_sensitive, uid → id; position 0 is
// "before_char", any other "after_char"; and every other member, under the entry's extensions,
// named as SillyTavern names them there (excludeRecursion → exclude_recursion…), so nothing is
// lost and a card exported from the hub gives them back to SillyTavern. A character book, or a
// lorebook_v3 file, is read as it is. A file that is neither is refused (not_world_info), saying
// why; so is an entry that breaks a book's bounds, under entries.<uid>.
func ParseWorldInfo(raw []byte) (WorldInfo, error) {
	var top map[string]json.RawMessage
	if !json.Valid(raw) {
		return WorldInfo{}, notWorldInfo("the file is not JSON")
	}
	if json.Unmarshal(raw, &top) != nil || top == nil {
		return WorldInfo{}, notWorldInfo(`a World Info file is a JSON object with an "entries" member`)
	}
	if spec := loreString(top["spec"]); spec == "lorebook_v3" {
		return bookEntries(top["data"])
	} else if strings.HasPrefix(spec, "chara_card") || (top["entries"] == nil && top["first_mes"] != nil) {
		return WorldInfo{}, notWorldInfo("this is a character card, not World Info: import it as a companion")
	}
	entries := bytes.TrimSpace(top["entries"])
	switch {
	case len(entries) == 0:
		return WorldInfo{}, notWorldInfo(`the file has no "entries"`)
	case entries[0] == '[':
		var items []map[string]json.RawMessage
		if json.Unmarshal(entries, &items) == nil && len(items) > 0 && items[0] != nil && items[0]["keys"] != nil {
			return bookEntries(raw) // a character book
		}
		var list []json.RawMessage
		_ = json.Unmarshal(entries, &list)
		byUID := map[string]json.RawMessage{}
		for i, it := range list {
			byUID[strconv.Itoa(i)] = it
		}
		return worldInfoEntries(byUID)
	case entries[0] == '{':
		var byUID map[string]json.RawMessage
		_ = json.Unmarshal(entries, &byUID)
		return worldInfoEntries(byUID)
	}
	return WorldInfo{}, notWorldInfo(`"entries" must be an object of entries by uid`)
}

// bookEntries reads a character book's entries for an import: each carries its own extra members.
func bookEntries(raw []byte) (WorldInfo, error) {
	var c checker
	var wi WorldInfo
	for i, e := range ReadBook(raw).Entries {
		if !usable(e) {
			wi.Skipped++
			continue
		}
		wi.Entries = append(wi.Entries, c.entry(fmt.Sprintf("entries[%d]", i), e))
	}
	return wi, wi.check(&c)
}

func worldInfoEntries(byUID map[string]json.RawMessage) (WorldInfo, error) {
	uids := make([]string, 0, len(byUID))
	for k := range byUID {
		uids = append(uids, k)
	}
	slices.SortFunc(uids, func(a, b string) int { // numbers first, in their order, as JavaScript lists them
		na, errA := strconv.Atoi(a)
		nb, errB := strconv.Atoi(b)
		switch {
		case errA == nil && errB == nil:
			return na - nb
		case errA == nil:
			return -1
		case errB == nil:
			return 1
		}
		return strings.Compare(a, b)
	})
	var c checker
	var wi WorldInfo
	used := map[int]bool{}
	for _, k := range uids {
		var m map[string]json.RawMessage
		if json.Unmarshal(byUID[k], &m) != nil || m == nil {
			return WorldInfo{}, notWorldInfo(fmt.Sprintf("entry %q is not a JSON object", k))
		}
		e, err := worldInfoEntry(m)
		if err != nil {
			return WorldInfo{}, err
		}
		uid := m["uid"]
		if uid == nil {
			uid = json.RawMessage(k) // the key it is filed under, when a number
		}
		if id, ok := loreID(uid); ok && !used[id] {
			e.ID, used[id] = id, true
		}
		if !usable(e) {
			wi.Skipped++
			continue
		}
		wi.Entries = append(wi.Entries, c.entry("entries."+k, e))
	}
	return wi, wi.check(&c)
}

// check reports the violations c collected, or a file with nothing to import.
func (wi WorldInfo) check(c *checker) error {
	if err := c.err(); err != nil {
		return err
	}
	if len(wi.Entries) == 0 && wi.Skipped == 0 {
		return notWorldInfo("the file has no entries")
	}
	if len(wi.Entries) == 0 {
		return notWorldInfo("none of the file's entries can be used: each needs a key, unless it is constant or disabled")
	}
	return nil
}

// worldInfoEntry converts one World Info entry; its ID is left to the caller.
func worldInfoEntry(m map[string]json.RawMessage) (BookEntry, error) {
	e := BookEntry{ID: NewEntryID, Keys: loreStrings(m["key"]), SecondaryKeys: loreStrings(m["keysecondary"]),
		Content: loreString(m["content"]), Comment: loreString(m["comment"]), Enabled: true,
		InsertionOrder: defaultWorldInfoOrder}
	if v, ok := loreBool(m["disable"]); ok {
		e.Enabled = !v
	}
	e.Constant, _ = loreBool(m["constant"])
	e.Selective, _ = loreBool(m["selective"])
	e.CaseSensitive, _ = loreBool(m["caseSensitive"])
	if n, ok := loreNumber(m["order"]); ok {
		e.InsertionOrder = n
	}
	ext := map[string]json.RawMessage{}
	if raw := bytes.TrimSpace(m["extensions"]); len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &ext); err != nil {
			return BookEntry{}, notWorldInfo("an entry's extensions are not a JSON object")
		}
	}
	for k, v := range without(m, worldInfoTyped) {
		if !worldInfoKept[k] {
			k = snakeCase(k)
		}
		ext[k] = v
	}
	extRaw, err := json.Marshal(ext)
	if err != nil {
		return BookEntry{}, domain.Errorf(domain.KindInternal, "encode world info extensions: %w", err)
	}
	e.Extra = map[string]json.RawMessage{"extensions": extRaw}
	if pos, ok := loreNumber(m["position"]); ok {
		e.Extra["position"] = json.RawMessage(`"after_char"`)
		if pos == 0 {
			e.Extra["position"] = json.RawMessage(`"before_char"`)
		}
	}
	return e, nil
}

// usable says whether an entry can enter a prompt here at all, or is disabled (a draft, kept).
func usable(e BookEntry) bool {
	return e.Constant || !e.Enabled || slices.ContainsFunc(e.Keys, func(k string) bool { return strings.TrimSpace(k) != "" })
}

// snakeCase names a camelCase member in snake_case (excludeRecursion → exclude_recursion).
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func notWorldInfo(why string) error {
	return domain.E(domain.KindInvalid, "not_world_info", "not a SillyTavern World Info file: "+why)
}
