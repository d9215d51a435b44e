package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

type messageRepo struct{ c conn }

type messageRow struct {
	ID               string   `db:"id"`
	CompanionID      string   `db:"companion_id"`
	Role             string   `db:"role"`
	Text             string   `db:"text"`
	ReplyTo          *string  `db:"reply_to"`
	TurnID           *string  `db:"turn_id"`
	Selected         bool     `db:"selected"`
	Hidden           bool     `db:"hidden"`
	Scene            []byte   `db:"scene"`
	ImageKey         *string  `db:"image_key"`
	ImageContentType *string  `db:"image_content_type"`
	ImageBytes       *int64   `db:"image_bytes"`
	ImageWidth       *int     `db:"image_width"`
	ImageHeight      *int     `db:"image_height"`
	PictureID        *string  `db:"picture_id"`
	ImageRemoved     bool     `db:"image_removed"`
	AudioKey         *string  `db:"audio_key"`
	CreatedAt        nullTime `db:"created_at"`
	EditedAt         nullTime `db:"edited_at"`
}

const messageColumns = `m.id, m.companion_id, m.role, m.text, m.reply_to, m.turn_id, m.selected, m.hidden, m.scene,
	m.image_key, m.image_content_type, m.image_bytes, m.image_width, m.image_height, m.picture_id, m.image_removed,
	m.audio_key, m.created_at, m.edited_at`

// sceneDoc is a scene snapshot as stored. Snapshots written before user_present existed read as
// the person talking by message.
type sceneDoc struct {
	Outfit      []string `json:"outfit"`
	Location    string   `json:"location"`
	Action      string   `json:"action"`
	Mood        string   `json:"mood"`
	UserPresent bool     `json:"user_present,omitempty"`
}

// encodeScene is a scene as the scene columns keep it (JSON text).
func encodeScene(s companion.Scene) (string, error) {
	b, err := json.Marshal(sceneDoc{Outfit: nonNil(s.Outfit), Location: s.Location, Action: s.Action, Mood: s.Mood.String(),
		UserPresent: s.UserPresent})
	if err != nil {
		return "", domain.Errorf(domain.KindInternal, "encode scene: %w", err)
	}
	return string(b), nil
}

// readScene reads a scene column.
func readScene(b []byte) (companion.Scene, error) {
	var doc sceneDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return companion.Scene{}, err
	}
	mood, err := companion.ParseMood("scene.mood", doc.Mood)
	if err != nil {
		return companion.Scene{}, err
	}
	return companion.Scene{Outfit: doc.Outfit, Location: doc.Location, Action: doc.Action, Mood: mood, UserPresent: doc.UserPresent}, nil
}

func (r messageRepo) Create(ctx context.Context, m chat.Message) error {
	var scene any
	if m.Scene != nil {
		s, err := encodeScene(*m.Scene)
		if err != nil {
			return err
		}
		scene = s
	}
	var ik, ict, ib, iw, ih, ak any
	if !m.Image.IsZero() {
		ik, ict, ib, iw, ih = m.Image.Key.String(), m.Image.ContentType.String(), m.Image.Bytes, m.Image.Width, m.Image.Height
	}
	if !m.AudioKey.IsZero() {
		ak = m.AudioKey.String()
	}
	_, err := r.c.exec(ctx, `INSERT INTO messages (id, companion_id, role, text, reply_to, turn_id, selected, hidden, scene,
		image_key, image_content_type, image_bytes, image_width, image_height, picture_id, image_removed, audio_key,
		created_at, edited_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID.String(), m.CompanionID.String(), m.Role.String(), m.Text, idArg(m.ReplyTo), idArg(m.TurnID), m.Selected,
		m.Hidden, scene, ik, ict, ib, iw, ih, idArg(m.PictureID), m.PictureRemoved, ak, r.c.t(m.CreatedAt), r.c.t(m.EditedAt))
	if c, dup := uniqueViolation(err); dup {
		return domain.Errorf(domain.KindConflict, "message %s exists (%s)", m.ID, c)
	}
	if err != nil && isForeignKeyViolation(err) {
		return domain.Errorf(domain.KindNotFound, "message %s: companion or replied-to message does not exist", m.ID)
	}
	return classify(err, nil, "insert message")
}

func (r messageRepo) one(ctx context.Context, where string, args ...any) (chat.Message, error) {
	msgs, err := r.scan(ctx, `SELECT `+messageColumns+` FROM messages m WHERE `+where, args...)
	switch {
	case err != nil:
		return chat.Message{}, classify(err, nil, "select message")
	case len(msgs) == 0:
		return chat.Message{}, chat.ErrMessageNotFound
	}
	return msgs[0], nil
}

func (r messageRepo) many(ctx context.Context, query string, args ...any) ([]chat.Message, error) {
	msgs, err := r.scan(ctx, query, args...)
	if err != nil {
		return nil, classify(err, nil, "list messages")
	}
	return msgs, nil
}

// scan runs a query selecting messageColumns and reads its rows. It scans by hand rather than
// through sqlx: a reply's history is read a page of 64 messages at a time, before the model is
// called, and sqlx's per-row reflection was a third of that read's cost. An error is the driver's
// or a row's (corrupt data: KindInternal), for the caller to classify.
func (r messageRepo) scan(ctx context.Context, query string, args ...any) ([]chat.Message, error) {
	rows, done, err := r.c.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer done()
	var out []chat.Message
	var row messageRow
	for rows.Next() {
		row = messageRow{}
		if err := rows.Scan(&row.ID, &row.CompanionID, &row.Role, &row.Text, &row.ReplyTo, &row.TurnID, &row.Selected,
			&row.Hidden, &row.Scene, &row.ImageKey, &row.ImageContentType, &row.ImageBytes, &row.ImageWidth,
			&row.ImageHeight, &row.PictureID, &row.ImageRemoved, &row.AudioKey, &row.CreatedAt, &row.EditedAt); err != nil {
			return nil, err
		}
		m, err := row.message()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if out == nil {
		out = []chat.Message{}
	}
	return out, nil
}

func (r messageRepo) Get(ctx context.Context, owner, id domain.ID) (chat.Message, error) {
	return r.one(ctx, `m.id = ? AND EXISTS (SELECT 1 FROM companions c WHERE c.id = m.companion_id AND c.owner_id = ?)`,
		id.String(), owner.String())
}

func (r messageRepo) ByTurn(ctx context.Context, turnID domain.ID) (chat.Message, error) {
	return r.one(ctx, `m.turn_id = ?`, turnID.String())
}

// beforeKey keeps the messages that sort after a cursor, newest first. A row value, not
// "a < x OR (a = x AND b < y)": both dialects make it a range on messages_history_idx (the scan starts
// at the cursor), where the OR form is a filter that reads and drops every row of the pages before.
const beforeKey = `(m.created_at, m.id) < (?, ?)`

func (r messageRepo) History(ctx context.Context, companionID domain.ID, p domain.Page) ([]chatuc.HistoryItem, domain.Cursor, error) {
	query := `SELECT ` + messageColumns + `,
		(SELECT COUNT(*) FROM messages a WHERE a.reply_to = m.reply_to) AS alternatives,
		(SELECT COUNT(*) FROM messages a WHERE a.reply_to = m.reply_to
			AND (a.created_at, a.id) <= (m.created_at, m.id)) AS alt_index
		FROM messages m WHERE m.companion_id = ? AND m.selected = ` + r.c.boolLit(true) + ` AND m.hidden = ` + r.c.boolLit(false)
	args := []any{companionID.String()}
	if !p.After.IsZero() {
		query += ` AND ` + beforeKey
		args = append(args, r.c.t(p.After.At), p.After.ID.String())
	}
	query += ` ORDER BY m.created_at DESC, m.id DESC LIMIT ?`
	var rows []struct {
		messageRow
		Alternatives int `db:"alternatives"`
		AltIndex     int `db:"alt_index"`
	}
	if err := r.c.sel(ctx, &rows, query, append(args, p.Limit+1)...); err != nil {
		return nil, domain.Cursor{}, classify(err, nil, "list history")
	}
	items := make([]chatuc.HistoryItem, 0, len(rows))
	for _, row := range rows {
		m, err := row.message()
		if err != nil {
			return nil, domain.Cursor{}, err
		}
		it := chatuc.HistoryItem{Message: m, Alternatives: 1, Index: 1}
		if !m.ReplyTo.IsZero() {
			it.Alternatives, it.Index = row.Alternatives, row.AltIndex
		}
		items = append(items, it)
	}
	page, next := domain.Paginate(items, p, func(it chatuc.HistoryItem) domain.Cursor {
		return domain.Cursor{At: it.Message.CreatedAt, ID: it.Message.ID}
	})
	return page, next, nil
}

func (r messageRepo) Recent(ctx context.Context, companionID domain.ID, before domain.Cursor, limit int) ([]chat.Message, error) {
	query := `SELECT ` + messageColumns + ` FROM messages m WHERE m.companion_id = ? AND m.selected = ` + r.c.boolLit(true)
	args := []any{companionID.String()}
	if !before.IsZero() {
		query += ` AND ` + beforeKey
		args = append(args, r.c.t(before.At), before.ID.String())
	}
	return r.many(ctx, query+` ORDER BY m.created_at DESC, m.id DESC LIMIT ?`, append(args, limit)...)
}

func (r messageRepo) Alternatives(ctx context.Context, replyTo domain.ID) ([]chat.Message, error) {
	return r.many(ctx, `SELECT `+messageColumns+` FROM messages m WHERE m.reply_to = ? ORDER BY m.created_at, m.id`,
		replyTo.String())
}

func (r messageRepo) Select(ctx context.Context, replyTo, id domain.ID) error {
	n, err := r.c.exec(ctx, `UPDATE messages SET selected = (id = ?) WHERE reply_to = ?`, id.String(), replyTo.String())
	if err != nil {
		return classify(err, nil, "select alternative")
	}
	if n == 0 {
		return chat.ErrMessageNotFound
	}
	return nil
}

func (r messageRepo) UpdateText(ctx context.Context, id domain.ID, text string, at time.Time) error {
	n, err := r.c.exec(ctx, `UPDATE messages SET text = ?, edited_at = ? WHERE id = ?`, text, r.c.t(at), id.String())
	return updated(n, err, "edit message")
}

// SetImage attaches the picture; a message whose earlier picture was deleted shows this one again.
func (r messageRepo) SetImage(ctx context.Context, id, pictureID domain.ID, img media.Image) error {
	n, err := r.c.exec(ctx, `UPDATE messages SET image_key = ?, image_content_type = ?, image_bytes = ?, image_width = ?,
		image_height = ?, picture_id = ?, image_removed = `+r.c.boolLit(false)+` WHERE id = ?`,
		img.Key.String(), img.ContentType.String(), img.Bytes, img.Width, img.Height, idArg(pictureID), id.String())
	return updated(n, err, "attach image")
}

func (r messageRepo) SetAudio(ctx context.Context, id domain.ID, key media.Key) error {
	n, err := r.c.exec(ctx, `UPDATE messages SET audio_key = ? WHERE id = ?`, key.String(), id.String())
	return updated(n, err, "attach audio")
}

// updated classifies the outcome of an UPDATE of one message.
func updated(n int64, err error, what string) error {
	if err != nil {
		return classify(err, nil, what)
	}
	if n == 0 {
		return chat.ErrMessageNotFound
	}
	return nil
}

func (r messageRepo) Delete(ctx context.Context, id domain.ID) error {
	_, err := r.c.exec(ctx, `DELETE FROM messages WHERE id = ?`, id.String())
	return classify(err, nil, "delete message")
}

func (r messageRepo) Latest(ctx context.Context, companionID domain.ID) (chat.Message, error) {
	return r.one(ctx, `m.companion_id = ? AND m.selected = `+r.c.boolLit(true)+` AND m.hidden = `+r.c.boolLit(false)+`
		ORDER BY m.created_at DESC, m.id DESC LIMIT 1`, companionID.String())
}

func (row messageRow) message() (chat.Message, error) {
	corrupt := func(what string, err error) error {
		return domain.Errorf(domain.KindInternal, "message %s: stored %s: %w", row.ID, what, err)
	}
	var m chat.Message
	var err error
	if m.ID, err = parseID(row.ID); err != nil {
		return m, err
	}
	if m.CompanionID, err = parseID(row.CompanionID); err != nil {
		return m, err
	}
	if m.Role, err = chat.ParseRole(row.Role); err != nil {
		return m, corrupt("role", err)
	}
	if row.ReplyTo != nil {
		if m.ReplyTo, err = parseID(*row.ReplyTo); err != nil {
			return m, err
		}
	}
	if row.TurnID != nil {
		if m.TurnID, err = parseID(*row.TurnID); err != nil {
			return m, err
		}
	}
	if len(row.Scene) > 0 {
		scene, err := readScene(row.Scene)
		if err != nil {
			return m, corrupt("scene", err)
		}
		m.Scene = &scene
	}
	if m.Image, err = imageFrom(corrupt, "image", row.ImageKey, row.ImageContentType, row.ImageBytes, row.ImageWidth, row.ImageHeight); err != nil {
		return m, err
	}
	if row.PictureID != nil {
		if m.PictureID, err = parseID(*row.PictureID); err != nil {
			return m, err
		}
	}
	m.PictureRemoved = row.ImageRemoved
	if row.AudioKey != nil {
		if m.AudioKey, err = media.ParseKey(*row.AudioKey); err != nil {
			return m, corrupt("audio key", err)
		}
	}
	m.Text, m.Selected, m.Hidden = row.Text, row.Selected, row.Hidden
	m.CreatedAt, m.EditedAt = row.CreatedAt.Time, row.EditedAt.Time
	return m, nil
}
