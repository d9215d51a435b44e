// Package community is sharing companions (SPEC §3.6): an owner publishes a companion; anyone may
// browse the published ones (filtered, searched, sorted, in keyset pages) and view one (views
// counted, limited per client address); people with an account rate them and clone them into
// private copies of their own, and report them. What is published is the companion's shareable
// profile — never the owner's private instructions, their chat, memories or identity beyond a
// display name. Mature and explicit companions are shown only to people who confirmed they are
// adults.
package community

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// Listing is a published companion as the store keeps it: the companion (live: edits show at once),
// its creator's display name, and the publication's counters.
type Listing struct {
	Companion   *companion.Companion
	CreatorName string
	PublishedAt time.Time
	// AllowCardExport: the author lets others download it as a character card.
	AllowCardExport bool
	Views           int64
	Clones          int64
	RatingCount     int64
	RatingSum       int64
}

// RatingAverage is the mean rating (0 when nobody rated it).
func (l Listing) RatingAverage() float64 {
	if l.RatingCount == 0 {
		return 0
	}
	return float64(l.RatingSum) / float64(l.RatingCount)
}

// Sort orders a community list.
type Sort int

const (
	SortNewest   Sort = iota // most recently published first
	SortPopular              // most viewed first
	SortTopRated             // highest average rating first (ties: by id, as every sort's)
)

var sortNames = map[string]Sort{"newest": SortNewest, "popular": SortPopular, "top_rated": SortTopRated}

// ParseSort reads a sort's name ("" is newest).
func ParseSort(s string) (Sort, error) {
	if s == "" {
		return SortNewest, nil
	}
	if v, ok := sortNames[s]; ok {
		return v, nil
	}
	return 0, domain.Invalid(domain.Violation("sort", "one_of", "sort must be newest, popular or top_rated"))
}

func (s Sort) String() string {
	for k, v := range sortNames {
		if v == s {
			return k
		}
	}
	return "newest"
}

// Cursor is a position in a community list of one sort: the sort's key of the last item seen
// (published time in microseconds, views, or the average rating in thousandths) and its id.
type Cursor struct {
	Sort Sort
	Key  int64
	ID   domain.ID
}

// IsZero reports whether the cursor is the start of the list.
func (c Cursor) IsZero() bool { return c.ID.IsZero() }

// String encodes the cursor opaquely ("" for the start).
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(int(c.Sort)) + "." +
		strconv.FormatInt(c.Key, 10) + "." + c.ID.String()))
}

// ParseCursor reads a cursor of sort s; one made for another sort is refused.
func ParseCursor(s Sort, text string) (Cursor, error) {
	if text == "" {
		return Cursor{Sort: s}, nil
	}
	bad := domain.Invalid(domain.Violation("cursor", "format", "cursor is not valid for this sort"))
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil {
		return Cursor{}, bad
	}
	parts := strings.SplitN(string(raw), ".", 3)
	if len(parts) != 3 || parts[0] != strconv.Itoa(int(s)) {
		return Cursor{}, bad
	}
	key, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return Cursor{}, bad
	}
	id, err := domain.ParseID(parts[2])
	if err != nil {
		return Cursor{}, bad
	}
	return Cursor{Sort: s, Key: key, ID: id}, nil
}

// RatingKey is the top-rated sort's key of a listing: the average in thousandths of a star.
func RatingKey(sum, count int64) int64 {
	if count == 0 {
		return 0
	}
	return (sum*1000 + count/2) / count
}

// Filter narrows a community list. Empty fields do not filter; texts match case-insensitively,
// whole values except Query, which a name or description contains.
type Filter struct {
	Style        string // appearance.style
	Archetype    string
	Relationship string // persona.relationship_to_user
	Occupation   string
	Interest     string // one of persona.interests
	// Ratings are the content ratings to show (empty: any). Browse always gives the viewer's, and
	// asks nothing when none of them is wanted.
	Ratings []companion.ContentRating
	Query   string
	Sort    Sort
	After   Cursor
	Limit   int
}

// Report is someone's complaint about a published companion, for moderators.
type Report struct {
	ID          domain.ID
	CompanionID domain.ID
	ReporterID  domain.ID
	Reason      string // one of ReportReasons
	Details     string
	At          time.Time
}

// ReportReasons are the reasons a report may give.
var ReportReasons = []string{"minor", "illegal", "hateful", "sexual_content_unlabelled", "spam", "stolen", "other"}

// ErrNotPublished is what every community lookup of a companion that is not published (or is in
// the trash, or is not to be shown to this viewer) answers.
var ErrNotPublished = domain.E(domain.KindNotFound, "companion_not_published", "no published companion with this id")

// Store keeps publications, ratings, views, clones' origins, reports and adult confirmations.
// Implementation: adapter/sqlstore (migration 00016); conformance: test/contract/communitystoretest.
type Store interface {
	// Publish publishes the owner's companion (or updates an existing publication's
	// AllowCardExport, keeping its counters and first publication time) and makes its header
	// public; KindNotFound when the companion is not the owner's or is in the trash.
	Publish(ctx context.Context, ownerID, companionID domain.ID, allowCardExport bool, at time.Time) error
	// Unpublish withdraws a publication (its ratings and counters go with it) and makes the header
	// private again; unpublishing what is not published is no error. ownerID zero: any owner's
	// (moderation).
	Unpublish(ctx context.Context, ownerID, companionID domain.ID) error
	// Get returns a published companion that is not in the trash; ErrNotPublished otherwise.
	Get(ctx context.Context, companionID domain.ID) (Listing, error)
	// List returns a page of published companions (not in the trash) matching f in f.Sort's
	// order, and the cursor of the next page (zero at the end). A limit outside 0–100 (0: 20) and a
	// cursor of another sort are KindInvalid.
	List(ctx context.Context, f Filter) ([]Listing, Cursor, error)
	// CountView adds a view; ErrNotPublished when not published.
	CountView(ctx context.Context, companionID domain.ID) error
	// Rate sets userID's rating (1–5) of a published companion, replacing theirs, and returns the
	// publication's rating count and sum after it — consistent under concurrent ratings.
	Rate(ctx context.Context, companionID, userID domain.ID, rating int, at time.Time) (count, sum int64, err error)
	// RatingBy is userID's rating of the companion (0 when none).
	RatingBy(ctx context.Context, companionID, userID domain.ID) (int, error)
	// RecordClone counts a clone of the published companion and remembers the clone's origin.
	RecordClone(ctx context.Context, originID, cloneID domain.ID, at time.Time) error
	// OriginOf is the companion a clone was made from (zero when it is no clone).
	OriginOf(ctx context.Context, cloneID domain.ID) (domain.ID, error)
	// AddReport keeps a report.
	AddReport(ctx context.Context, r Report) error
	// Reports lists the reports about a companion, newest first (moderation).
	Reports(ctx context.Context, companionID domain.ID) ([]Report, error)
	// ConfirmAdult records that the user confirmed they are an adult (at: when; zero withdraws it).
	ConfirmAdult(ctx context.Context, userID domain.ID, at time.Time) error
	// AdultConfirmed reports whether the user confirmed they are an adult.
	AdultConfirmed(ctx context.Context, userID domain.ID) (bool, error)
}
