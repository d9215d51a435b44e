package sqlstore

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

type mediaRepo struct{ c conn }

type mediaRow struct {
	Key         string   `db:"key"`
	OwnerID     string   `db:"owner_id"`
	CompanionID *string  `db:"companion_id"`
	Kind        string   `db:"kind"`
	ContentType string   `db:"content_type"`
	Bytes       int64    `db:"bytes"`
	Width       int      `db:"width"`
	Height      int      `db:"height"`
	CreatedAt   nullTime `db:"created_at"`
}

const mediaColumns = `key, owner_id, companion_id, kind, content_type, bytes, width, height, created_at`

func (row mediaRow) item() (media.Item, error) {
	key, err := media.ParseKey(row.Key)
	if err != nil {
		return media.Item{}, domain.Errorf(domain.KindInternal, "stored media key %q: %w", row.Key, err)
	}
	owner, err := parseID(row.OwnerID)
	if err != nil {
		return media.Item{}, err
	}
	var comp domain.ID
	if row.CompanionID != nil {
		if comp, err = parseID(*row.CompanionID); err != nil {
			return media.Item{}, err
		}
	}
	kind, err := media.ParseKind(row.Kind)
	if err != nil {
		return media.Item{}, err
	}
	ct, err := media.ParseContentType(row.ContentType)
	if err != nil {
		return media.Item{}, domain.Errorf(domain.KindInternal, "stored content type %q", row.ContentType)
	}
	return media.Item{Key: key, OwnerID: owner, CompanionID: comp, Kind: kind, ContentType: ct, Bytes: row.Bytes,
		Width: row.Width, Height: row.Height, CreatedAt: row.CreatedAt.Time}, nil
}

func (r mediaRepo) Create(ctx context.Context, it media.Item) error {
	_, err := r.c.exec(ctx, `INSERT INTO media (`+mediaColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.Key.String(), it.OwnerID.String(), idArg(it.CompanionID), it.Kind.String(), it.ContentType.String(),
		it.Bytes, it.Width, it.Height, r.c.t(it.CreatedAt))
	if _, dup := uniqueViolation(err); dup {
		return domain.Errorf(domain.KindConflict, "media %s exists", it.Key)
	}
	if err != nil && isForeignKeyViolation(err) {
		return domain.Errorf(domain.KindNotFound, "media %s: owner or companion does not exist", it.Key)
	}
	return classify(err, nil, "insert media")
}

func (r mediaRepo) Get(ctx context.Context, key media.Key) (media.Item, error) {
	var row mediaRow
	if err := r.c.get(ctx, &row, `SELECT `+mediaColumns+` FROM media WHERE key = ?`, key.String()); err != nil {
		return media.Item{}, classify(err, media.ErrBadKey, "select media")
	}
	return row.item()
}

func (r mediaRepo) Delete(ctx context.Context, key media.Key) error {
	_, err := r.c.exec(ctx, `DELETE FROM media WHERE key = ?`, key.String())
	return classify(err, nil, "delete media")
}

func (r mediaRepo) ListByCompanion(ctx context.Context, companionID domain.ID) ([]media.Item, error) {
	return listMedia(ctx, r.c, "companion_id", companionID.String())
}

// listMedia is the stored files whose column is value, oldest first.
func listMedia(ctx context.Context, c conn, column string, value any) ([]media.Item, error) {
	var rows []mediaRow
	if err := c.sel(ctx, &rows, `SELECT `+mediaColumns+` FROM media WHERE `+column+` = ? ORDER BY created_at, key`, value); err != nil {
		return nil, classify(err, nil, "list media by "+column)
	}
	out := make([]media.Item, 0, len(rows))
	for _, row := range rows {
		it, err := row.item()
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

func (r mediaRepo) PublicHeader(ctx context.Context, key media.Key) (bool, error) {
	var n int
	err := r.c.get(ctx, &n, `SELECT COUNT(*) FROM companions
		WHERE header_key = ? AND visibility = 'public' AND deleted_at IS NULL`, key.String())
	return n > 0, classify(err, nil, "check public header")
}

func (r mediaRepo) InRoomOf(ctx context.Context, key media.Key, viewer domain.ID) (bool, error) {
	var n int
	err := r.c.get(ctx, &n, `SELECT COUNT(*) FROM room_messages rm JOIN room_people p ON p.room_id = rm.room_id
		WHERE p.user_id = ? AND (rm.image_key = ? OR rm.audio_key = ?)`, viewer.String(), key.String(), key.String())
	return n > 0, classify(err, nil, "check a room's file")
}

func (r mediaRepo) Existing(ctx context.Context, keys []string) (map[string]bool, error) {
	out := make(map[string]bool, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(`SELECT key FROM media WHERE key IN (?)`, keys)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "build existence query: %w", err)
	}
	var found []string
	if err := r.c.sel(ctx, &found, query, args...); err != nil {
		return nil, classify(err, nil, "check media keys")
	}
	for _, k := range found {
		out[k] = true
	}
	return out, nil
}
