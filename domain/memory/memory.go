// Package memory is what a companion remembers of its person (SPEC §3.5): short facts with a
// category and an importance, which the person can read, search, edit, pin and delete, and which
// say where they came from and when they were last used.
package memory

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/companionhub/companionhub/domain"
)

// MaxText bounds a memory's text, in characters.
const MaxText = 200

// Importance bounds: 1–3 is trivial (not kept by extraction), 4–6 moderate, 7–8 important, 9–10
// critical.
const (
	MinImportance  = 1
	MaxImportance  = 10
	KeepImportance = 4 // extraction keeps memories at least this important
)

// Category is what kind of thing a memory is.
type Category struct{ s string }

// The categories of SPEC §3.5.
var (
	PersonalFact     = Category{"personal_fact"}
	Preference       = Category{"preference"}
	Event            = Category{"event"}
	Relationship     = Category{"relationship"}
	EmotionalMoment  = Category{"emotional_moment"}
	categories       = []Category{PersonalFact, Preference, Event, Relationship, EmotionalMoment}
	errUnknownCateg  = "category must be one of personal_fact, preference, event, relationship, emotional_moment"
	ErrNotFound      = domain.E(domain.KindNotFound, "memory_not_found", "no such memory")
	errTextRequired  = domain.Violation("text", "required", "a memory says something")
	errTextTooLong   = domain.Violation("text", "too_long", fmt.Sprintf("a memory is at most %d characters", MaxText))
	errImportanceOut = domain.Violation("importance", "out_of_range", fmt.Sprintf("importance is %d to %d", MinImportance, MaxImportance))
)

// Categories are every category, in the order people read them.
func Categories() []Category { return append([]Category(nil), categories...) }

// ParseCategory reads a category's name; KindInvalid (field category) for anything else.
func ParseCategory(s string) (Category, error) {
	for _, c := range categories {
		if c.s == s {
			return c, nil
		}
	}
	return Category{}, domain.Invalid(domain.Violation("category", "invalid", errUnknownCateg))
}

// String is the category's name.
func (c Category) String() string { return c.s }

// IsZero reports whether c is no category.
func (c Category) IsZero() bool { return c.s == "" }

// Memory is one thing a companion remembers.
type Memory struct {
	ID          domain.ID
	OwnerID     domain.ID
	CompanionID domain.ID
	Text        string
	Category    Category
	Importance  int
	Pinned      bool
	// Sources are the messages it was learnt from (none: the person added it).
	Sources      []domain.ID
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastRecalled time.Time // zero: never recalled
	RecallCount  int
}

// Spec is what a memory says, as a person or the extraction gives it.
type Spec struct {
	Text       string
	Category   Category
	Importance int
	Pinned     bool
}

// Check validates a spec, naming every bad field, and returns it with its text cleaned (NFC, one
// line, spaces collapsed).
func (s Spec) Check() (Spec, error) {
	var v []domain.FieldViolation
	s.Text = CleanText(s.Text)
	switch n := utf8.RuneCountInString(s.Text); {
	case n == 0:
		v = append(v, errTextRequired)
	case n > MaxText:
		v = append(v, errTextTooLong)
	}
	if s.Category.IsZero() {
		v = append(v, domain.Violation("category", "invalid", errUnknownCateg))
	}
	if s.Importance < MinImportance || s.Importance > MaxImportance {
		v = append(v, errImportanceOut)
	}
	if len(v) > 0 {
		return Spec{}, domain.Invalid(v...)
	}
	return s, nil
}

// New is a memory of a companion, learnt from sources (none: added by its person).
func New(id, owner, companionID domain.ID, s Spec, sources []domain.ID, now time.Time) (Memory, error) {
	s, err := s.Check()
	if err != nil {
		return Memory{}, err
	}
	return Memory{ID: id, OwnerID: owner, CompanionID: companionID, Text: s.Text, Category: s.Category,
		Importance: s.Importance, Pinned: s.Pinned, Sources: append([]domain.ID(nil), sources...),
		CreatedAt: now, UpdatedAt: now}, nil
}

// Apply changes a memory to spec (an edit by its person, or a newer value of the same fact).
func (m Memory) Apply(s Spec, now time.Time) (Memory, error) {
	s, err := s.Check()
	if err != nil {
		return Memory{}, err
	}
	m.Text, m.Category, m.Importance, m.Pinned, m.UpdatedAt = s.Text, s.Category, s.Importance, s.Pinned, now
	return m, nil
}

// Spec is what the memory says.
func (m Memory) Spec() Spec {
	return Spec{Text: m.Text, Category: m.Category, Importance: m.Importance, Pinned: m.Pinned}
}

// Cursor is the memory's position in its companion's list (newest first).
func (m Memory) Cursor() domain.Cursor { return domain.Cursor{At: m.CreatedAt, ID: m.ID} }

// CleanText is a memory's text as stored: NFC, control characters and line breaks as spaces,
// spaces collapsed, trimmed.
func CleanText(s string) string {
	s = norm.NFC.String(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// Key is a memory's text as compared for sameness: lower case, letters and digits only, single
// spaces — "Likes  green tea!" and "likes green tea" are one memory.
func Key(text string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(norm.NFKC.String(text)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// Filter narrows a companion's memories for its person's list.
type Filter struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Category    Category // zero: any
	Pinned      *bool    // nil: either
}
