package sqlstore

import (
	"context"
	"fmt"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/summary"
)

// SummaryStore returns the store of conversation summaries over db. Migration 00013 holds its
// schema, with the triggers that mark a summary stale when a message it tells of changes.
func SummaryStore(db *DB) summary.Store { return summaryRepo{c: db.conn(db.X)} }

type summaryRepo struct{ c conn }

var _ summary.Store = summaryRepo{}

// errNoSummaryCompanion is a summary saved for a companion that is not its owner's (or is gone).
var errNoSummaryCompanion = domain.E(domain.KindNotFound, "companion_not_found", "the companion does not exist")

type summaryRow struct {
	OwnerID     string   `db:"owner_id"`
	CompanionID string   `db:"companion_id"`
	Text        string   `db:"text"`
	ThroughAt   nullTime `db:"through_at"`
	ThroughID   string   `db:"through_id"`
	Messages    int      `db:"messages"`
	Stale       bool     `db:"stale"`
	UpdatedAt   nullTime `db:"updated_at"`
}

func (r summaryRepo) Get(ctx context.Context, ownerID, companionID domain.ID) (summary.Summary, bool, error) {
	var row summaryRow
	err := r.c.get(ctx, &row, `SELECT owner_id, companion_id, text, through_at, through_id, messages, stale, updated_at
		FROM conversation_summaries WHERE companion_id = ? AND owner_id = ?`, companionID.String(), ownerID.String())
	if err != nil {
		if err = classify(err, errNoRow, "select summary"); err == errNoRow {
			return summary.Summary{}, false, nil
		}
		return summary.Summary{}, false, err
	}
	s := summary.Summary{Text: row.Text, Through: domain.Cursor{At: row.ThroughAt.Time}, Messages: row.Messages,
		Stale: row.Stale, UpdatedAt: row.UpdatedAt.Time}
	for _, p := range []struct {
		to *domain.ID
		s  string
	}{{&s.OwnerID, row.OwnerID}, {&s.CompanionID, row.CompanionID}, {&s.Through.ID, row.ThroughID}} {
		if *p.to, err = parseID(p.s); err != nil {
			return summary.Summary{}, false, err
		}
	}
	return s, true, nil
}

// Save replaces the companion's summary, fresh. The key to the companion and its owner together
// refuses a companion that is not the owner's, as one that does not exist; the update keeps to
// the owner's row.
func (r summaryRepo) Save(ctx context.Context, s summary.Summary) error {
	n, err := r.c.exec(ctx, `INSERT INTO conversation_summaries (companion_id, owner_id, text, through_at, through_id,
		messages, stale, updated_at) VALUES (?, ?, ?, ?, ?, ?, `+r.c.boolLit(false)+`, ?)
		ON CONFLICT (companion_id) DO UPDATE SET text = excluded.text, through_at = excluded.through_at,
		through_id = excluded.through_id, messages = excluded.messages, stale = excluded.stale,
		updated_at = excluded.updated_at WHERE conversation_summaries.owner_id = excluded.owner_id`,
		s.CompanionID.String(), s.OwnerID.String(), s.Text, r.c.t(s.Through.At), s.Through.ID.String(), s.Messages,
		r.c.t(s.UpdatedAt))
	if err != nil && isForeignKeyViolation(err) {
		return errNoSummaryCompanion.Wrap(fmt.Errorf("summary of companion %s, owner %s: %w", s.CompanionID, s.OwnerID, err))
	}
	if err != nil {
		return classify(err, nil, "save summary")
	}
	if n == 0 { // the companion's summary is another owner's: so is the companion
		return errNoSummaryCompanion
	}
	return nil
}
