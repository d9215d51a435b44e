package sqlstore

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/community"
)

// listingColumns are a listing's: the companion (c), its creator's name (u) and its publication (p).
var listingColumns = companionColumnsOf("c") + `, u.display_name AS creator_name, p.published_at,
	p.allow_card_export, p.view_count, p.clone_count, p.rating_count, p.rating_sum, p.rating_key`

// listingFrom joins a publication to its companion, when that is not in the trash, and its creator.
const listingFrom = ` FROM publications p JOIN companions c ON c.id = p.companion_id
	JOIN users u ON u.id = c.owner_id WHERE c.deleted_at IS NULL`

type listingRow struct {
	companionRow
	CreatorName     string   `db:"creator_name"`
	PublishedAt     nullTime `db:"published_at"`
	AllowCardExport bool     `db:"allow_card_export"`
	Views           int64    `db:"view_count"`
	Clones          int64    `db:"clone_count"`
	RatingCount     int64    `db:"rating_count"`
	RatingSum       int64    `db:"rating_sum"`
	RatingKey       int64    `db:"rating_key"`
}

func (row listingRow) listing() (community.Listing, error) {
	c, err := row.companion()
	if err != nil {
		return community.Listing{}, err
	}
	return community.Listing{Companion: c, CreatorName: row.CreatorName, PublishedAt: row.PublishedAt.Time,
		AllowCardExport: row.AllowCardExport, Views: row.Views, Clones: row.Clones, RatingCount: row.RatingCount,
		RatingSum: row.RatingSum}, nil
}

// key is the row's position in sort s's order, with its id.
func (row listingRow) key(s community.Sort) int64 {
	switch s {
	case community.SortPopular:
		return row.Views
	case community.SortTopRated:
		return row.RatingKey
	}
	return row.PublishedAt.UnixMicro()
}

func (r communityRepo) Get(ctx context.Context, companionID domain.ID) (community.Listing, error) {
	var row listingRow
	if err := r.c.get(ctx, &row, `SELECT `+listingColumns+listingFrom+` AND p.companion_id = ?`,
		companionID.String()); err != nil {
		return community.Listing{}, classify(err, community.ErrNotPublished, "select publication")
	}
	return row.listing()
}

// sortColumns are each sort's key column; the id follows it, descending too, in every order.
var sortColumns = map[community.Sort]string{
	community.SortNewest: "p.published_at", community.SortPopular: "p.view_count", community.SortTopRated: "p.rating_key",
}

const (
	defaultListLimit = 20
	maxListLimit     = 100
)

// List reads a keyset page: the rows after the cursor in the sort's order (key, then id, both
// descending), one more than the page holds to know whether another page follows. Only the filters
// given are in the statement, so that each is planned on what it asks.
func (r communityRepo) List(ctx context.Context, f community.Filter) ([]community.Listing, community.Cursor, error) {
	limit := f.Limit
	if limit == 0 {
		limit = defaultListLimit
	}
	if limit < 1 || limit > maxListLimit {
		return nil, community.Cursor{}, domain.Invalid(domain.Violation("limit", "range", "limit must be 1 to 100"))
	}
	column, ok := sortColumns[f.Sort]
	if !ok || (!f.After.IsZero() && f.After.Sort != f.Sort) {
		return nil, community.Cursor{}, domain.Invalid(domain.Violation("cursor", "format", "cursor is not valid for this sort"))
	}
	where, args, err := r.filter(f)
	if err != nil {
		return nil, community.Cursor{}, err
	}
	if !f.After.IsZero() {
		var key any = f.After.Key
		if f.Sort == community.SortNewest {
			key = r.c.t(time.UnixMicro(f.After.Key))
		}
		where += ` AND (` + column + `, p.companion_id) < (?, ?)`
		args = append(args, key, f.After.ID.String())
	}
	var rows []listingRow
	if err := r.c.sel(ctx, &rows, `SELECT `+listingColumns+listingFrom+where+
		` ORDER BY `+column+` DESC, p.companion_id DESC LIMIT ?`, append(args, limit+1)...); err != nil {
		return nil, community.Cursor{}, classify(err, nil, "list publications")
	}
	var next community.Cursor
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		id, err := parseID(last.ID)
		if err != nil {
			return nil, community.Cursor{}, err
		}
		next = community.Cursor{Sort: f.Sort, Key: last.key(f.Sort), ID: id}
	}
	out := make([]community.Listing, 0, len(rows))
	for _, row := range rows {
		l, err := row.listing()
		if err != nil {
			return nil, community.Cursor{}, err
		}
		out = append(out, l)
	}
	return out, next, nil
}

// filter is the conditions f sets, each beginning with AND, and their arguments. Texts compare
// case-insensitively through lower() on both sides, so that a value matches itself whatever the
// dialect folds (SQLite's lower() folds ASCII only; PostgreSQL's follows the database's LC_CTYPE).
func (r communityRepo) filter(f community.Filter) (string, []any, error) {
	var where strings.Builder
	var args []any
	for _, eq := range []struct{ column, value string }{
		{"c.art_style", f.Style}, {"c.archetype", f.Archetype}, {"c.relationship_to_user", f.Relationship},
		{"c.occupation", f.Occupation},
	} {
		if eq.value != "" {
			where.WriteString(` AND lower(` + eq.column + `) = lower(?)`)
			args = append(args, eq.value)
		}
	}
	if f.Interest != "" {
		interests := `SELECT 1 FROM json_each(c.profile, '$.persona.interests') i WHERE lower(i.value) = lower(?)`
		if r.c.d == Postgres {
			interests = `SELECT 1 FROM jsonb_array_elements_text(c.profile -> 'persona' -> 'interests') i (value)
				WHERE lower(i.value) = lower(?)`
		}
		where.WriteString(` AND EXISTS (` + interests + `)`)
		args = append(args, f.Interest)
	}
	if len(f.Ratings) > 0 {
		ratings := make([]string, len(f.Ratings))
		for i, cr := range f.Ratings {
			ratings[i] = cr.String()
		}
		// One argument whatever the number of ratings: one statement text, prepared once.
		if r.c.d == Postgres {
			where.WriteString(` AND c.content_rating = ANY (CAST(? AS text[]))`)
			args = append(args, pq.StringArray(ratings))
		} else {
			list, err := json.Marshal(ratings)
			if err != nil {
				return "", nil, domain.Errorf(domain.KindInternal, "encode content ratings: %w", err)
			}
			where.WriteString(` AND c.content_rating IN (SELECT value FROM json_each(?))`)
			args = append(args, string(list))
		}
	}
	if f.Query != "" {
		description := `json_extract(c.profile, '$.persona.description')`
		if r.c.d == Postgres {
			description = `(c.profile -> 'persona' ->> 'description')`
		}
		where.WriteString(` AND (lower(c.name) LIKE lower(?) ESCAPE '\' OR lower(` + description + `) LIKE lower(?) ESCAPE '\')`)
		pattern := "%" + likeEscaper.Replace(f.Query) + "%"
		args = append(args, pattern, pattern)
	}
	return where.String(), args, nil
}

// likeEscaper makes a text match itself in a LIKE pattern that escapes with a backslash.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
