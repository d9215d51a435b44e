package companion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/companionhub/companionhub/domain"
)

// Book is a character book (lorebook) as its owner reads and edits it: the members the hub knows,
// typed, and every other member kept as it came (a card's description, recursive_scanning,
// extensions…), so that an edit in the hub never loses what another tool put there. ReadBook
// reads one from a card's character_book; WriteBook validates one and writes it back.
type Book struct {
	Name string
	// ScanDepth and TokenBudget are 0 when the book sets none (Lorebook says what applies then).
	ScanDepth   int
	TokenBudget int
	Entries     []BookEntry
	// Extra holds the book's other members; nil keeps those of the book it replaces.
	Extra map[string]json.RawMessage
}

// BookEntry is one entry of a Book.
type BookEntry struct {
	// ID is the entry's stable id: the "id" the card gave it, else its index in the book (ReadBook
	// makes them unique). A negative ID (NewEntryID) asks WriteBook for a fresh one.
	ID                  int
	Keys, SecondaryKeys []string
	Content             string
	Enabled             bool
	Constant            bool
	Selective           bool
	CaseSensitive       bool
	InsertionOrder      int
	Priority            int
	Comment, Name       string
	// Extra holds the entry's other members (extensions, position, use_regex…); nil keeps those of
	// the stored entry with the same ID.
	Extra map[string]json.RawMessage
}

// NewEntryID is the ID of an entry that has none yet.
const NewEntryID = -1

// Bounds of a book's contents. A book as a whole is bounded by MaxBookBytes.
const (
	MaxLoreEntries = 500     // entries of one book
	MaxLoreKeys    = 64      // keys, and secondary keys, of one entry
	MaxLoreKeyLen  = 200     // one key (SillyTavern's may be a /regular expression/)
	MaxLoreContent = 8000    // an entry's content, in characters
	MaxLoreLabel   = 200     // the book's name, an entry's name and comment
	MaxScanDepth   = 1000    // messages searched for keys
	MaxTokenBudget = 1000000 // tokens
	MaxLoreOrder   = 1000000 // insertion order and priority, either way
	maxLoreID      = 1<<31 - 1
)

// bookFields and entryFields are the members Book and BookEntry type; the rest is Extra.
var (
	bookFields  = []string{"name", "scan_depth", "token_budget", "entries"}
	entryFields = []string{"id", "keys", "secondary_keys", "content", "enabled", "constant", "selective",
		"case_sensitive", "insertion_order", "priority", "comment", "name"}
)

// ReadBook reads a stored character_book as leniently as ParseLorebook (numbers as strings, a
// missing "enabled" as true); what it cannot read is an empty book, and an entry that is not a
// JSON object is no entry. Every entry gets a unique ID: its own "id" when that is a whole number
// not taken by an entry before it, else its index when free, else the next free number.
func ReadBook(raw []byte) Book {
	var top map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &top) != nil || top == nil {
		return Book{}
	}
	b := Book{Name: loreString(top["name"]), Extra: without(top, bookFields)}
	b.ScanDepth, _ = loreNumber(top["scan_depth"])
	b.TokenBudget, _ = loreNumber(top["token_budget"])
	b.ScanDepth, b.TokenBudget = max(0, b.ScanDepth), max(0, b.TokenBudget)
	var items []json.RawMessage
	_ = json.Unmarshal(top["entries"], &items)
	used := map[int]bool{}
	for _, item := range items {
		var m map[string]json.RawMessage
		if json.Unmarshal(item, &m) != nil || m == nil {
			continue
		}
		e := readEntry(m)
		if id, ok := loreID(m["id"]); ok && !used[id] {
			e.ID, used[id] = id, true
		}
		b.Entries = append(b.Entries, e)
	}
	next := 0
	for i := range b.Entries {
		if b.Entries[i].ID != NewEntryID {
			continue
		}
		id := i
		if used[id] {
			for used[next] {
				next++
			}
			id = next
		}
		b.Entries[i].ID, used[id] = id, true
	}
	return b
}

// readEntry reads an entry's typed members leniently; its ID is left to the caller.
func readEntry(m map[string]json.RawMessage) BookEntry {
	e := BookEntry{ID: NewEntryID, Keys: loreStrings(m["keys"]), SecondaryKeys: loreStrings(m["secondary_keys"]),
		Content: loreString(m["content"]), Enabled: true, Comment: loreString(m["comment"]), Name: loreString(m["name"]),
		Extra: without(m, entryFields)}
	if v, ok := loreBool(m["enabled"]); ok {
		e.Enabled = v
	}
	e.Constant, _ = loreBool(m["constant"])
	e.Selective, _ = loreBool(m["selective"])
	e.CaseSensitive, _ = loreBool(m["case_sensitive"])
	e.InsertionOrder, _ = loreNumber(m["insertion_order"])
	e.Priority, _ = loreNumber(m["priority"])
	return e
}

// WriteBook validates b and writes it as a character_book, over current (the stored book, nil for
// none): an entry whose Extra is nil keeps the other members of the current entry with its ID, and
// a book whose Extra is nil keeps the current book's. Entries without an ID get fresh ones, above
// every ID in either book. Texts are trimmed; blank and repeated keys dropped. A book without
// entries is no book (nil). Every violation is reported at once, under its field
// (entries[2].keys).
func WriteBook(b Book, current []byte) ([]byte, error) {
	if len(b.Entries) == 0 {
		return nil, nil
	}
	var c checker
	if len(b.Entries) > MaxLoreEntries {
		c.add("entries", "too_many", fmt.Sprintf("a lorebook has at most %d entries", MaxLoreEntries))
		return nil, c.err()
	}
	cur := ReadBook(current)
	kept := map[int]map[string]json.RawMessage{}
	next := 0
	for _, e := range cur.Entries {
		kept[e.ID], next = e.Extra, max(next, e.ID+1)
	}
	seen := map[int]bool{}
	for _, e := range b.Entries {
		if e.ID <= maxLoreID {
			next = max(next, e.ID+1)
		}
	}
	out := Book{Name: c.text("name", b.Name, MaxLoreLabel, false, false), Extra: b.Extra}
	out.ScanDepth = c.bounded("scan_depth", b.ScanDepth, 0, MaxScanDepth)
	out.TokenBudget = c.bounded("token_budget", b.TokenBudget, 0, MaxTokenBudget)
	if out.Extra == nil {
		out.Extra = cur.Extra
	}
	for i, e := range b.Entries {
		field := fmt.Sprintf("entries[%d]", i)
		e = c.entry(field, e)
		switch {
		case e.ID < 0:
			e.ID, next = min(next, maxLoreID), next+1
		case e.ID > maxLoreID:
			c.add(field+".id", "out_of_range", fmt.Sprintf("must be at most %d", maxLoreID))
		case seen[e.ID]:
			c.add(field+".id", "duplicate", "another entry has this id")
		}
		seen[e.ID] = true
		if e.Extra == nil {
			e.Extra = kept[e.ID]
		}
		out.Entries = append(out.Entries, e)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	raw, err := encodeBook(out)
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxBookBytes {
		return nil, domain.Invalid(domain.Violation("entries", "too_large",
			fmt.Sprintf("the lorebook must be at most %d bytes of JSON", MaxBookBytes)))
	}
	return raw, nil
}

// entry checks one entry's texts and numbers under field; its ID is the caller's.
func (c *checker) entry(field string, e BookEntry) BookEntry {
	e.Keys = c.loreKeys(field+".keys", e.Keys)
	e.SecondaryKeys = c.loreKeys(field+".secondary_keys", e.SecondaryKeys)
	if len(e.Keys) == 0 && e.Enabled && !e.Constant {
		c.add(field+".keys", "required", "an entry needs a key, unless it is constant (always in the prompt) or disabled")
	}
	e.Content = c.text(field+".content", e.Content, MaxLoreContent, false, true)
	e.Comment = c.text(field+".comment", e.Comment, MaxLoreLabel, false, true)
	e.Name = c.text(field+".name", e.Name, MaxLoreLabel, false, false)
	e.InsertionOrder = c.bounded(field+".insertion_order", e.InsertionOrder, -MaxLoreOrder, MaxLoreOrder)
	e.Priority = c.bounded(field+".priority", e.Priority, -MaxLoreOrder, MaxLoreOrder)
	return e
}

// loreKeys checks an entry's keys: at most MaxLoreKeys of at most MaxLoreKeyLen characters, trimmed,
// blank and exactly repeated ones dropped (two keys differing in case may both matter).
func (c *checker) loreKeys(field string, keys []string) []string {
	if len(keys) > MaxLoreKeys {
		c.add(field, "too_many", fmt.Sprintf("must have at most %d keys", MaxLoreKeys))
		return nil
	}
	out := []string{}
	seen := map[string]bool{}
	for i, k := range keys {
		if k = c.text(fmt.Sprintf("%s[%d]", field, i), k, MaxLoreKeyLen, false, false); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// bounded checks that n is within lo–hi.
func (c *checker) bounded(field string, n, lo, hi int) int {
	if n < lo || n > hi {
		c.add(field, "out_of_range", fmt.Sprintf("must be between %d and %d", lo, hi))
	}
	return n
}

// encodeBook writes a validated book: its extra members, then the typed ones over them; the
// character card spec's required members are always there (extensions, each entry's keys,
// content, extensions, enabled and insertion_order).
func encodeBook(b Book) ([]byte, error) {
	top := map[string]any{}
	for k, v := range b.Extra {
		top[k] = v
	}
	setOr(top, "extensions", json.RawMessage("{}"))
	delete(top, "name")
	if b.Name != "" {
		top["name"] = b.Name
	}
	optional(top, "scan_depth", b.ScanDepth)
	optional(top, "token_budget", b.TokenBudget)
	entries := make([]map[string]any, 0, len(b.Entries))
	for _, e := range b.Entries {
		m := map[string]any{}
		for k, v := range e.Extra {
			m[k] = v
		}
		setOr(m, "extensions", json.RawMessage("{}"))
		m["id"], m["keys"], m["secondary_keys"], m["content"] = e.ID, e.Keys, e.SecondaryKeys, e.Content
		m["enabled"], m["constant"], m["selective"], m["case_sensitive"] = e.Enabled, e.Constant, e.Selective, e.CaseSensitive
		m["insertion_order"], m["priority"] = e.InsertionOrder, e.Priority
		delete(m, "comment")
		delete(m, "name")
		if e.Comment != "" {
			m["comment"] = e.Comment
		}
		if e.Name != "" {
			m["name"] = e.Name
		}
		entries = append(entries, m)
	}
	top["entries"] = entries
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(top); err != nil {
		return nil, domain.Errorf(domain.KindInternal, "encode lorebook: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func setOr(m map[string]any, key string, v json.RawMessage) {
	if raw, ok := m[key].(json.RawMessage); !ok || !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		m[key] = v
	}
}

func optional(m map[string]any, key string, n int) {
	delete(m, key)
	if n != 0 {
		m[key] = n
	}
}

// without returns m's members but those named: never nil (an empty map says "no other members",
// where nil would say "keep the stored ones").
func without(m map[string]json.RawMessage, names []string) map[string]json.RawMessage {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]json.RawMessage{}
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}

// loreString reads a JSON string ("" for anything else).
func loreString(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// loreStrings reads a list of strings, skipping items that are not; a lone string is a
// comma-separated list of them (as some old tools wrote keys).
func loreStrings(raw json.RawMessage) []string {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		if s := loreString(raw); s != "" {
			return strings.Split(s, ",")
		}
		return nil
	}
	var out []string
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			out = append(out, s)
		}
	}
	return out
}

// loreNumber reads a number, or a string holding one, held to ±MaxLoreOrder as ParseLorebook
// holds it; fractions are cut.
func loreNumber(raw json.RawMessage) (int, bool) {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		n = json.Number(strings.TrimSpace(s))
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0, false
	}
	return int(max(-MaxLoreOrder, min(MaxLoreOrder, f))), true
}

// loreID reads an entry id: a whole number from 0 to the largest id.
func loreID(raw json.RawMessage) (int, bool) {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		n = json.Number(strings.TrimSpace(s))
	}
	id, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || id < 0 || id > maxLoreID {
		return 0, false
	}
	return int(id), true
}

// loreBool reads true or false, or a string saying so.
func loreBool(raw json.RawMessage) (bool, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false, false
	}
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		return b, err == nil
	}
	return false, false
}
