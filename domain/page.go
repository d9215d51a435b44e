package domain

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Page asks for one page of a newest-first list: items strictly older than After, at most Limit.
type Page struct {
	After Cursor
	Limit int
}

// Page size bounds shared by every list.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// NewPage validates a client's cursor and limit (0 means the default).
func NewPage(cursor string, limit int) (Page, error) {
	switch {
	case limit == 0:
		limit = DefaultPageLimit
	case limit < 1 || limit > MaxPageLimit:
		return Page{}, Invalid(Violation("limit", "out_of_range", "limit must be between 1 and 100"))
	}
	c, err := ParseCursor(cursor)
	if err != nil {
		return Page{}, err
	}
	return Page{After: c, Limit: limit}, nil
}

// Cursor marks a position in a list ordered by (time, id) descending. The zero cursor is the start.
type Cursor struct {
	At time.Time
	ID ID
}

// IsZero reports whether the cursor is the start of the list.
func (c Cursor) IsZero() bool { return c.ID.IsZero() }

// String encodes the cursor opaquely for clients; "" for the start.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.At.UnixMicro(), 10) + "." + c.ID.String()))
}

// ParseCursor decodes a cursor produced by String.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	bad := Invalid(Violation("cursor", "format", "cursor is not valid"))
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, bad
	}
	ts, idText, ok := strings.Cut(string(raw), ".")
	if !ok {
		return Cursor{}, bad
	}
	us, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return Cursor{}, bad
	}
	id, err := ParseID(idText)
	if err != nil {
		return Cursor{}, bad
	}
	return Cursor{At: time.UnixMicro(us).UTC(), ID: id}, nil
}

// Paginate turns the result of a query that fetched up to Limit+1 items into the page and the cursor
// of the next one (zero when this page is the last).
func Paginate[T any](items []T, p Page, pos func(T) Cursor) ([]T, Cursor) {
	if len(items) <= p.Limit {
		return items, Cursor{}
	}
	items = items[:p.Limit]
	return items, pos(items[len(items)-1])
}
