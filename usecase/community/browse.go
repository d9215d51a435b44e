package community

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// MaxQueryRunes bounds a search text.
const MaxQueryRunes = 100

// Browse lists published companions for a viewer: filtered, searched, sorted, a page at a time.
// Anonymous visitors and people who have not confirmed they are adults see general-rated ones only.
type Browse struct {
	Viewer       Viewer
	Style        string
	Archetype    string
	Relationship string
	Occupation   string
	Interest     string
	// ContentRating narrows to one rating (among those the viewer may see).
	ContentRating string
	Query         string
	Sort          string
	Cursor        string
	Limit         int
}

// Page is a page of listings and the cursor of the next ("" at the end).
type Page struct {
	Items []Listing
	Next  string
}

type browseHandler struct{ d Deps }

func (h browseHandler) Handle(ctx context.Context, in Browse) (Page, error) {
	if err := h.d.Guard.Check(ctx, h.d.Policy.Browse, in.Viewer.IP); err != nil {
		return Page{}, err
	}
	f, err := h.filter(ctx, in)
	if err != nil {
		return Page{}, err
	}
	if len(f.Ratings) == 0 {
		return Page{Items: []Listing{}}, nil // asked only for what the viewer may not see
	}
	items, next, err := h.d.Store.List(ctx, f)
	if err != nil {
		return Page{}, err
	}
	return Page{Items: items, Next: next.String()}, nil
}

func (h browseHandler) filter(ctx context.Context, in Browse) (Filter, error) {
	var bad []domain.FieldViolation
	sort, err := ParseSort(in.Sort)
	if err != nil {
		bad = append(bad, domain.Violations(err)...)
	}
	after, err := ParseCursor(sort, in.Cursor)
	if err != nil {
		bad = append(bad, domain.Violations(err)...)
	}
	q := strings.TrimSpace(in.Query)
	if utf8.RuneCountInString(q) > MaxQueryRunes {
		bad = append(bad, domain.Violation("q", "too_long", "a search is at most 100 characters"))
	}
	switch {
	case in.Limit == 0:
		in.Limit = domain.DefaultPageLimit
	case in.Limit < 1 || in.Limit > domain.MaxPageLimit:
		bad = append(bad, domain.Violation("limit", "out_of_range", "limit must be between 1 and 100"))
	}
	allowed, err := h.d.ratingsFor(ctx, in.Viewer.UserID)
	if err != nil {
		return Filter{}, err
	}
	if in.ContentRating != "" {
		var one []companion.ContentRating
		for _, r := range allowed {
			if r.String() == in.ContentRating {
				one = append(one, r)
			}
		}
		if _, err := companion.ParseContentRating("content_rating", in.ContentRating); err != nil {
			bad = append(bad, domain.Violations(err)...)
		}
		allowed = one // a rating the viewer may not see matches nothing
	}
	if len(bad) > 0 {
		return Filter{}, domain.Invalid(bad...)
	}
	return Filter{Style: strings.TrimSpace(in.Style), Archetype: strings.TrimSpace(in.Archetype),
		Relationship: strings.TrimSpace(in.Relationship), Occupation: strings.TrimSpace(in.Occupation),
		Interest: strings.TrimSpace(in.Interest), Ratings: allowed, Query: q, Sort: sort, After: after, Limit: in.Limit}, nil
}
