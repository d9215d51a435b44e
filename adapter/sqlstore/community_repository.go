package sqlstore

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/community"
)

// CommunityStore returns the store of publications, ratings, clones' origins, reports and adult
// confirmations over db. Migration 00016 holds its schema.
func CommunityStore(db *DB) community.Store { return communityRepo{db: db, c: db.conn(db.X)} }

// communityRepo holds the DB besides its conn: publishing, withdrawing, rating and cloning each
// write more than one statement in one transaction.
type communityRepo struct {
	db *DB
	c  conn
}

var _ community.Store = communityRepo{}

// errCommunityMissing is a rating, report, clone or confirmation that names a user or companion
// that does not exist (or no longer does).
var errCommunityMissing = domain.E(domain.KindNotFound, "not_found", "the user or companion does not exist")

// Publish makes the companion public in the transaction that publishes it, so that its header is
// served exactly while the publication exists (mediaRepo.PublicHeader reads the visibility).
func (r communityRepo) Publish(ctx context.Context, ownerID, companionID domain.ID, allowCardExport bool, at time.Time) error {
	return r.db.inTx(ctx, func(c conn) error {
		n, err := c.exec(ctx, `UPDATE companions SET visibility = 'public'
			WHERE id = ? AND owner_id = ? AND deleted_at IS NULL`, companionID.String(), ownerID.String())
		if err != nil {
			return classify(err, nil, "make companion public")
		}
		if n == 0 {
			return companion.ErrNotFound
		}
		_, err = c.exec(ctx, `INSERT INTO publications (companion_id, owner_id, published_at, allow_card_export)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (companion_id) DO UPDATE SET allow_card_export = excluded.allow_card_export`,
			companionID.String(), ownerID.String(), c.t(at), allowCardExport)
		return classify(err, nil, "publish companion")
	})
}

// Unpublish deletes the publication (its ratings go with it: their key cascades) and makes the
// companion private.
func (r communityRepo) Unpublish(ctx context.Context, ownerID, companionID domain.ID) error {
	owned, args := ``, []any{companionID.String()}
	if !ownerID.IsZero() {
		owned, args = ` AND owner_id = ?`, append(args, ownerID.String())
	}
	return r.db.inTx(ctx, func(c conn) error {
		n, err := c.exec(ctx, `DELETE FROM publications WHERE companion_id = ?`+owned, args...)
		if err != nil || n == 0 { // n == 0: not published (or not this owner's), nothing to withdraw
			return classify(err, nil, "unpublish companion")
		}
		_, err = c.exec(ctx, `UPDATE companions SET visibility = 'private' WHERE id = ?`+owned, args...)
		return classify(err, nil, "make companion private")
	})
}

func (r communityRepo) CountView(ctx context.Context, companionID domain.ID) error {
	n, err := r.c.exec(ctx, `UPDATE publications SET view_count = view_count + 1 WHERE companion_id = ?
		AND EXISTS (SELECT 1 FROM companions c WHERE c.id = publications.companion_id AND c.deleted_at IS NULL)`,
		companionID.String())
	if err != nil {
		return classify(err, nil, "count view")
	}
	if n == 0 {
		return community.ErrNotPublished
	}
	return nil
}

// Rate locks the publication's row first, so that concurrent ratings of one companion queue there
// (on PostgreSQL; SQLite's write transactions are serial already) and each recounts, in a later
// statement, every rating committed before it: under READ COMMITTED a statement sees what was
// committed when it began, which an UPDATE that added to the counters in place would not make
// consistent with the ratings table when a rating is replaced.
func (r communityRepo) Rate(ctx context.Context, companionID, userID domain.ID, rating int, at time.Time) (count, sum int64, err error) {
	if rating < 1 || rating > 5 {
		return 0, 0, domain.Invalid(domain.Violation("rating", "range", "rating must be 1 to 5"))
	}
	err = r.db.inTx(ctx, func(c conn) error {
		var locked string
		if err := c.get(ctx, &locked, `SELECT companion_id FROM publications WHERE companion_id = ?
			AND EXISTS (SELECT 1 FROM companions c WHERE c.id = publications.companion_id AND c.deleted_at IS NULL)`+
			c.forUpdate(), companionID.String()); err != nil {
			return classify(err, community.ErrNotPublished, "lock publication")
		}
		_, err := c.exec(ctx, `INSERT INTO ratings (companion_id, user_id, rating, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (companion_id, user_id)
			DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at`,
			companionID.String(), userID.String(), rating, c.t(at), c.t(at))
		if err != nil && isForeignKeyViolation(err) {
			return errCommunityMissing.Wrap(err)
		}
		if err != nil {
			return classify(err, nil, "save rating")
		}
		count, sum, err = recountRatings(ctx, c, companionID.String())
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	return count, sum, nil
}

func (r communityRepo) RatingBy(ctx context.Context, companionID, userID domain.ID) (int, error) {
	var rating int
	err := r.c.get(ctx, &rating, `SELECT rating FROM ratings WHERE companion_id = ? AND user_id = ?`,
		companionID.String(), userID.String())
	if err = classify(err, errNoRow, "select rating"); err == errNoRow {
		return 0, nil
	}
	return rating, err
}

// RecordClone counts the clone on the origin's publication if it is still published (a clone
// started before a withdrawal finishes after it) and remembers the origin either way.
func (r communityRepo) RecordClone(ctx context.Context, originID, cloneID domain.ID, at time.Time) error {
	return r.db.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `UPDATE publications SET clone_count = clone_count + 1 WHERE companion_id = ?`,
			originID.String()); err != nil {
			return classify(err, nil, "count clone")
		}
		_, err := c.exec(ctx, `INSERT INTO companion_origins (clone_id, origin_id, cloned_at) VALUES (?, ?, ?)`,
			cloneID.String(), originID.String(), c.t(at))
		if _, dup := uniqueViolation(err); dup {
			return domain.Errorf(domain.KindConflict, "companion %s has an origin already", cloneID)
		}
		if err != nil && isForeignKeyViolation(err) {
			return errCommunityMissing.Wrap(err)
		}
		return classify(err, nil, "record clone")
	})
}

func (r communityRepo) OriginOf(ctx context.Context, cloneID domain.ID) (domain.ID, error) {
	var origin string
	err := r.c.get(ctx, &origin, `SELECT origin_id FROM companion_origins WHERE clone_id = ?`, cloneID.String())
	if err = classify(err, errNoRow, "select origin"); err == errNoRow {
		return domain.ID{}, nil
	} else if err != nil {
		return domain.ID{}, err
	}
	return parseID(origin)
}

type reportRow struct {
	ID          string   `db:"id"`
	CompanionID string   `db:"companion_id"`
	ReporterID  string   `db:"reporter_id"`
	Reason      string   `db:"reason"`
	Details     string   `db:"details"`
	CreatedAt   nullTime `db:"created_at"`
}

func (r communityRepo) AddReport(ctx context.Context, rep community.Report) error {
	_, err := r.c.exec(ctx, `INSERT INTO community_reports (id, companion_id, reporter_id, reason, details, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, rep.ID.String(), rep.CompanionID.String(), rep.ReporterID.String(), rep.Reason,
		rep.Details, r.c.t(rep.At))
	if _, dup := uniqueViolation(err); dup {
		return domain.Errorf(domain.KindConflict, "report %s exists", rep.ID)
	}
	if err != nil && isForeignKeyViolation(err) {
		return errCommunityMissing.Wrap(err)
	}
	return classify(err, nil, "insert report")
}

func (r communityRepo) Reports(ctx context.Context, companionID domain.ID) ([]community.Report, error) {
	var rows []reportRow
	if err := r.c.sel(ctx, &rows, `SELECT id, companion_id, reporter_id, reason, details, created_at
		FROM community_reports WHERE companion_id = ? ORDER BY created_at DESC, id DESC`,
		companionID.String()); err != nil {
		return nil, classify(err, nil, "list reports")
	}
	out := make([]community.Report, 0, len(rows))
	for _, row := range rows {
		rep := community.Report{Reason: row.Reason, Details: row.Details, At: row.CreatedAt.Time}
		for _, p := range []struct {
			to *domain.ID
			s  string
		}{{&rep.ID, row.ID}, {&rep.CompanionID, row.CompanionID}, {&rep.ReporterID, row.ReporterID}} {
			var err error
			if *p.to, err = parseID(p.s); err != nil {
				return nil, err
			}
		}
		out = append(out, rep)
	}
	return out, nil
}

func (r communityRepo) ConfirmAdult(ctx context.Context, userID domain.ID, at time.Time) error {
	if at.IsZero() {
		_, err := r.c.exec(ctx, `DELETE FROM adult_confirmations WHERE user_id = ?`, userID.String())
		return classify(err, nil, "withdraw adult confirmation")
	}
	_, err := r.c.exec(ctx, `INSERT INTO adult_confirmations (user_id, confirmed_at) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET confirmed_at = excluded.confirmed_at`, userID.String(), r.c.t(at))
	if err != nil && isForeignKeyViolation(err) {
		return errCommunityMissing.Wrap(err)
	}
	return classify(err, nil, "confirm adult")
}

func (r communityRepo) AdultConfirmed(ctx context.Context, userID domain.ID) (bool, error) {
	var n int
	err := r.c.get(ctx, &n, `SELECT COUNT(*) FROM adult_confirmations WHERE user_id = ?`, userID.String())
	return n > 0, classify(err, nil, "check adult confirmation")
}

// recountRatings writes a publication's rating totals from its ratings, and returns them.
func recountRatings(ctx context.Context, c conn, companionID string) (count, sum int64, err error) {
	var totals struct {
		Count int64 `db:"n"`
		Sum   int64 `db:"total"`
	}
	if err := c.get(ctx, &totals, `SELECT COUNT(*) AS n, COALESCE(SUM(rating), 0) AS total FROM ratings
		WHERE companion_id = ?`, companionID); err != nil {
		return 0, 0, classify(err, nil, "count ratings")
	}
	_, err = c.exec(ctx, `UPDATE publications SET rating_count = ?, rating_sum = ?, rating_key = ?
		WHERE companion_id = ?`, totals.Count, totals.Sum, community.RatingKey(totals.Sum, totals.Count), companionID)
	return totals.Count, totals.Sum, classify(err, nil, "update rating totals")
}
