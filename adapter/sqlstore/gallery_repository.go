package sqlstore

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/picture"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
)

// GalleryRepository returns the gallery over db, for the picture use cases.
func GalleryRepository(db *DB) pictureuc.Gallery { return galleryRepo{db: db, c: db.conn(db.X)} }

// galleryRepo holds the DB besides its conn: Delete writes two tables in one transaction.
type galleryRepo struct {
	db *DB
	c  conn
}

var _ pictureuc.Gallery = galleryRepo{}

type pictureRow struct {
	ID               string   `db:"id"`
	OwnerID          string   `db:"owner_id"`
	CompanionID      *string  `db:"companion_id"`
	MessageID        *string  `db:"message_id"`
	ImageKey         string   `db:"image_key"`
	ImageContentType string   `db:"image_content_type"`
	ImageBytes       int64    `db:"image_bytes"`
	ImageWidth       int      `db:"image_width"`
	ImageHeight      int      `db:"image_height"`
	ThumbKey         string   `db:"thumb_key"`
	ThumbContentType string   `db:"thumb_content_type"`
	ThumbBytes       int64    `db:"thumb_bytes"`
	ThumbWidth       int      `db:"thumb_width"`
	ThumbHeight      int      `db:"thumb_height"`
	Prompt           string   `db:"prompt"`
	NegativePrompt   string   `db:"negative_prompt"`
	Width            int      `db:"width"`
	Height           int      `db:"height"`
	Steps            int      `db:"steps"`
	CFGScale         float64  `db:"cfg_scale"`
	Sampler          string   `db:"sampler"`
	Seed             int64    `db:"seed"`
	Backend          string   `db:"backend"`
	Model            string   `db:"model"`
	CreatedAt        nullTime `db:"created_at"`
}

const pictureColumns = `id, owner_id, companion_id, message_id,
	image_key, image_content_type, image_bytes, image_width, image_height,
	thumb_key, thumb_content_type, thumb_bytes, thumb_width, thumb_height,
	prompt, negative_prompt, width, height, steps, cfg_scale, sampler, seed, backend, model, created_at`

// Create records p. Every reference it holds — owner, companion, message, files — is drawn by the
// hub, never sent by a client, so one that does not exist (or no longer does: a companion purged
// while its picture rendered) is the hub's inconsistency to log, not a request to correct:
// KindInternal, never KindInvalid.
func (r galleryRepo) Create(ctx context.Context, p picture.Picture) error {
	_, err := r.c.exec(ctx, `INSERT INTO pictures (`+pictureColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID.String(), p.OwnerID.String(), idArg(p.CompanionID), idArg(p.MessageID),
		p.Image.Key.String(), p.Image.ContentType.String(), p.Image.Bytes, p.Image.Width, p.Image.Height,
		p.Thumb.Key.String(), p.Thumb.ContentType.String(), p.Thumb.Bytes, p.Thumb.Width, p.Thumb.Height,
		p.Params.Prompt, p.Params.NegativePrompt, p.Params.Width, p.Params.Height, p.Params.Steps, p.Params.CFGScale,
		p.Params.Sampler, p.Params.Seed, p.Backend, p.Model, r.c.t(p.CreatedAt))
	if c, dup := uniqueViolation(err); dup {
		// The id, or a file another picture already has (pictures_image_key_idx, pictures_thumb_key_idx).
		return domain.Errorf(domain.KindConflict, "picture %s exists (%s)", p.ID, c)
	}
	if err != nil && isForeignKeyViolation(err) {
		return domain.Errorf(domain.KindInternal,
			"picture %s: its owner, companion, message or a file's media row does not exist: %w", p.ID, err)
	}
	return classify(err, nil, "insert picture")
}

func (r galleryRepo) Get(ctx context.Context, ownerID, id domain.ID) (picture.Picture, error) {
	var row pictureRow
	if err := r.c.get(ctx, &row, `SELECT `+pictureColumns+` FROM pictures WHERE id = ? AND owner_id = ?`,
		id.String(), ownerID.String()); err != nil {
		return picture.Picture{}, classify(err, picture.ErrNotFound, "select picture")
	}
	return row.picture()
}

// galleryFilter is a picture.Filter as SQL.
type galleryFilter picture.Filter

// where is the condition selecting f's pictures, with its arguments: on the owner's index, or the
// owner and companion's.
func (f galleryFilter) where() (string, []any) {
	if f.CompanionID.IsZero() {
		return `owner_id = ?`, []any{f.OwnerID.String()}
	}
	return `owner_id = ? AND companion_id = ?`, []any{f.OwnerID.String(), f.CompanionID.String()}
}

// List pages newest first. The keyset is a row value, as in the message history: both dialects
// make it a range on the index the filter picks, the scan starting at the cursor.
func (r galleryRepo) List(ctx context.Context, f picture.Filter, p domain.Page) ([]picture.Picture, domain.Cursor, error) {
	where, args := galleryFilter(f).where()
	query := `SELECT ` + pictureColumns + ` FROM pictures WHERE ` + where
	if !p.After.IsZero() {
		query += ` AND (created_at, id) < (?, ?)`
		args = append(args, r.c.t(p.After.At), p.After.ID.String())
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	var rows []pictureRow
	if err := r.c.sel(ctx, &rows, query, append(args, p.Limit+1)...); err != nil {
		return nil, domain.Cursor{}, classify(err, nil, "list pictures")
	}
	out := make([]picture.Picture, 0, len(rows))
	for _, row := range rows {
		pic, err := row.picture()
		if err != nil {
			return nil, domain.Cursor{}, err
		}
		out = append(out, pic)
	}
	page, next := domain.Paginate(out, p, picture.Picture.Cursor)
	return page, next, nil
}

func (r galleryRepo) Count(ctx context.Context, f picture.Filter) (int, error) {
	// picture_counts is kept by triggers (migration 00011): a gallery's total is a row or two,
	// however many pictures it holds.
	where, args := galleryFilter(f).where()
	var n int64
	err := r.c.get(ctx, &n, `SELECT CAST(COALESCE(SUM(n), 0) AS bigint) FROM picture_counts WHERE `+where, args...)
	return int(n), classify(err, nil, "count pictures")
}

// Delete removes the row and, in the same transaction, the picture from the message that shows it.
// A message shows the picture it names (picture_id): one that was given another picture since
// keeps that one.
func (r galleryRepo) Delete(ctx context.Context, ownerID, id domain.ID) (picture.Picture, error) {
	var row pictureRow
	err := r.db.inTx(ctx, func(c conn) error {
		if err := c.get(ctx, &row, `DELETE FROM pictures WHERE id = ? AND owner_id = ? RETURNING `+pictureColumns,
			id.String(), ownerID.String()); err != nil {
			return classify(err, picture.ErrNotFound, "delete picture")
		}
		if row.MessageID == nil {
			return nil
		}
		_, err := c.exec(ctx, `UPDATE messages SET image_key = NULL, image_content_type = NULL, image_bytes = NULL,
			image_width = NULL, image_height = NULL, picture_id = NULL, image_removed = `+c.boolLit(true)+`
			WHERE id = ? AND picture_id = ?`, *row.MessageID, row.ID)
		return classify(err, nil, "remove picture from its message")
	})
	if err != nil {
		return picture.Picture{}, err
	}
	return row.picture()
}

func (row pictureRow) picture() (picture.Picture, error) {
	corrupt := func(what string, err error) error {
		return domain.Errorf(domain.KindInternal, "picture %s: stored %s: %w", row.ID, what, err)
	}
	var p picture.Picture
	var err error
	if p.ID, err = parseID(row.ID); err != nil {
		return p, err
	}
	if p.OwnerID, err = parseID(row.OwnerID); err != nil {
		return p, err
	}
	if row.CompanionID != nil {
		if p.CompanionID, err = parseID(*row.CompanionID); err != nil {
			return p, err
		}
	}
	if row.MessageID != nil {
		if p.MessageID, err = parseID(*row.MessageID); err != nil {
			return p, err
		}
	}
	if p.Image, err = imageFrom(corrupt, "image", &row.ImageKey, &row.ImageContentType, &row.ImageBytes,
		&row.ImageWidth, &row.ImageHeight); err != nil {
		return p, err
	}
	if p.Thumb, err = imageFrom(corrupt, "thumbnail", &row.ThumbKey, &row.ThumbContentType, &row.ThumbBytes,
		&row.ThumbWidth, &row.ThumbHeight); err != nil {
		return p, err
	}
	p.Params = picture.Params{Prompt: row.Prompt, NegativePrompt: row.NegativePrompt, Width: row.Width,
		Height: row.Height, Steps: row.Steps, CFGScale: row.CFGScale, Sampler: row.Sampler, Seed: row.Seed}
	p.Backend, p.Model, p.CreatedAt = row.Backend, row.Model, row.CreatedAt.Time
	return p, nil
}
