package sqlstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/room"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	roomuc "github.com/companionhub/companionhub/usecase/room"
)

// roomChatRepo is a room's conversation (chat.RoomRepository); migration 00024 holds its schema.
type roomChatRepo struct{ c conn }

func (r chatRepos) Rooms() chatuc.RoomRepository { return roomChatRepo(r) }

var _ chatuc.RoomRepository = roomChatRepo{}

type roomMessageRow struct {
	ID          string   `db:"id"`
	RoomID      string   `db:"room_id"`
	Role        string   `db:"role"`
	AuthorID    *string  `db:"author_id"`
	CompanionID *string  `db:"companion_id"`
	AuthorName  string   `db:"author_name"`
	Text        string   `db:"text"`
	ReplyTo     *string  `db:"reply_to"`
	TurnID      *string  `db:"turn_id"`
	Scene       []byte   `db:"scene"`
	ImageKey    *string  `db:"image_key"`
	ImageType   *string  `db:"image_content_type"`
	ImageBytes  *int64   `db:"image_bytes"`
	ImageWidth  *int     `db:"image_width"`
	ImageHeight *int     `db:"image_height"`
	PictureID   *string  `db:"picture_id"`
	AudioKey    *string  `db:"audio_key"`
	CreatedAt   nullTime `db:"created_at"`
}

const roomMessageColumns = `id, room_id, role, author_id, companion_id, author_name, text, reply_to, turn_id, scene,
	image_key, image_content_type, image_bytes, image_width, image_height, picture_id, audio_key, created_at`

func (r roomChatRepo) Lock(ctx context.Context, roomID domain.ID) error {
	return lockRoom(ctx, r.c, roomID)
}

func (r roomChatRepo) Cast(ctx context.Context, roomID domain.ID) (chatuc.RoomCast, error) {
	var row roomRow
	if err := r.c.get(ctx, &row, `SELECT `+roomColumns+` FROM rooms WHERE id = ?`, idArg(roomID)); err != nil {
		return chatuc.RoomCast{}, classify(err, roomuc.ErrNotFound, "select room")
	}
	rm, err := row.room()
	if err != nil {
		return chatuc.RoomCast{}, err
	}
	people, err := roomPeople(ctx, r.c, roomID)
	if err != nil {
		return chatuc.RoomCast{}, err
	}
	var seats []struct {
		CompanionID string   `db:"companion_id"`
		Name        string   `db:"name"`
		OwnerID     string   `db:"owner_id"`
		AddedBy     string   `db:"added_by"`
		Position    int      `db:"position"`
		AddedAt     nullTime `db:"added_at"`
		Scene       []byte   `db:"scene"`
	}
	if err := r.c.sel(ctx, &seats, `SELECT rc.companion_id, c.name, c.owner_id, rc.added_by, rc.position, rc.added_at, rc.scene
		FROM room_companions rc JOIN companions c ON c.id = rc.companion_id
		WHERE rc.room_id = ? AND `+usableSQL+` ORDER BY rc.position`, idArg(roomID)); err != nil {
		return chatuc.RoomCast{}, classify(err, nil, "select room seats")
	}
	cast := chatuc.RoomCast{Room: rm, People: people}
	for _, s := range seats {
		id, err1 := parseID(s.CompanionID)
		owner, err2 := parseID(s.OwnerID)
		by, err3 := parseID(s.AddedBy)
		if err := errors.Join(err1, err2, err3); err != nil {
			return chatuc.RoomCast{}, err
		}
		seat := chatuc.RoomSeat{Companion: room.Companion{CompanionID: id, Name: s.Name, AddedBy: by, Position: s.Position,
			AddedAt: s.AddedAt.Time}, OwnerID: owner}
		if len(s.Scene) > 0 {
			scene, err := readScene(s.Scene)
			if err != nil {
				return chatuc.RoomCast{}, domain.Errorf(domain.KindInternal, "room seat %s: stored scene: %w", s.CompanionID, err)
			}
			seat.Scene = &scene
		}
		cast.Seats = append(cast.Seats, seat)
	}
	return cast, nil
}

func (r roomChatRepo) CreateMessage(ctx context.Context, m chat.Message, key chatuc.Idempotency) error {
	var scene, k, fp any
	if m.Scene != nil {
		s, err := encodeScene(*m.Scene)
		if err != nil {
			return err
		}
		scene = s
	}
	if key.Key != "" {
		k, fp = key.Key, key.Fingerprint
	}
	_, err := r.c.exec(ctx, `INSERT INTO room_messages (id, room_id, role, author_id, companion_id, author_name, text,
		reply_to, turn_id, scene, idempotency_key, idempotency_fingerprint, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID.String(), idArg(m.RoomID), m.Role.String(), idArg(m.AuthorID), idArg(m.CompanionID), m.Author, m.Text,
		idArg(m.ReplyTo), idArg(m.TurnID), scene, k, fp, r.c.t(m.CreatedAt))
	if c, dup := uniqueViolation(err); dup {
		if key.Key != "" && (strings.Contains(c, "idempotency") || strings.Contains(c, "author_id")) {
			return chatuc.ErrDuplicateMessage
		}
		return domain.Errorf(domain.KindConflict, "room message %s exists (%s)", m.ID, c)
	}
	if err != nil && isForeignKeyViolation(err) {
		return domain.Errorf(domain.KindNotFound, "room message %s: room, author or companion does not exist", m.ID)
	}
	return classify(err, nil, "insert room message")
}

func (r roomChatRepo) ByIdempotencyKey(ctx context.Context, author domain.ID, key string) (chat.Message, chatuc.Idempotency, error) {
	var row struct {
		roomMessageRow
		Fingerprint *string `db:"idempotency_fingerprint"`
	}
	if err := r.c.get(ctx, &row, `SELECT `+roomMessageColumns+`, idempotency_fingerprint FROM room_messages
		WHERE author_id = ? AND idempotency_key = ?`, author.String(), key); err != nil {
		return chat.Message{}, chatuc.Idempotency{}, classify(err, chat.ErrMessageNotFound, "select room message by idempotency key")
	}
	m, err := row.message()
	if err != nil {
		return chat.Message{}, chatuc.Idempotency{}, err
	}
	k := chatuc.Idempotency{Key: key}
	if row.Fingerprint != nil {
		k.Fingerprint = *row.Fingerprint
	}
	return m, k, nil
}

func (r roomChatRepo) ReleaseIdempotencyKey(ctx context.Context, author domain.ID, key string, before time.Time) error {
	_, err := r.c.exec(ctx, `UPDATE room_messages SET idempotency_key = NULL, idempotency_fingerprint = NULL
		WHERE author_id = ? AND idempotency_key = ? AND created_at < ?`, author.String(), key, r.c.t(before))
	return classify(err, nil, "release room idempotency key")
}

func (r roomChatRepo) one(ctx context.Context, where string, args ...any) (chat.Message, error) {
	var row roomMessageRow
	if err := r.c.get(ctx, &row, `SELECT `+roomMessageColumns+` FROM room_messages WHERE `+where, args...); err != nil {
		return chat.Message{}, classify(err, chat.ErrMessageNotFound, "select room message")
	}
	return row.message()
}

func (r roomChatRepo) many(ctx context.Context, query string, args ...any) ([]chat.Message, error) {
	var rows []roomMessageRow
	if err := r.c.sel(ctx, &rows, query, args...); err != nil {
		return nil, classify(err, nil, "list room messages")
	}
	out := make([]chat.Message, 0, len(rows))
	for _, row := range rows {
		m, err := row.message()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func (r roomChatRepo) Message(ctx context.Context, roomID, id domain.ID) (chat.Message, error) {
	return r.one(ctx, `id = ? AND room_id = ?`, id.String(), roomID.String())
}

func (r roomChatRepo) MessageByTurn(ctx context.Context, turnID domain.ID) (chat.Message, error) {
	return r.one(ctx, `turn_id = ?`, turnID.String())
}

// roomBefore keeps the messages that sort before a cursor (a range on room_messages_history).
const roomBefore = ` AND (created_at, id) < (?, ?)`

func (r roomChatRepo) Recent(ctx context.Context, roomID domain.ID, before domain.Cursor, limit int) ([]chat.Message, error) {
	query := `SELECT ` + roomMessageColumns + ` FROM room_messages WHERE room_id = ?`
	args := []any{roomID.String()}
	if !before.IsZero() {
		query += roomBefore
		args = append(args, r.c.t(before.At), before.ID.String())
	}
	return r.many(ctx, query+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit)...)
}

func (r roomChatRepo) History(ctx context.Context, roomID domain.ID, p domain.Page) ([]chat.Message, domain.Cursor, error) {
	msgs, err := r.Recent(ctx, roomID, p.After, p.Limit+1)
	if err != nil {
		return nil, domain.Cursor{}, err
	}
	page, next := domain.Paginate(msgs, p, func(m chat.Message) domain.Cursor { return domain.Cursor{At: m.CreatedAt, ID: m.ID} })
	return page, next, nil
}

func (r roomChatRepo) SetScene(ctx context.Context, roomID, companionID domain.ID, s companion.Scene) error {
	scene, err := encodeScene(s)
	if err != nil {
		return err
	}
	n, err := r.c.exec(ctx, `UPDATE room_companions SET scene = ? WHERE room_id = ? AND companion_id = ?`,
		scene, roomID.String(), companionID.String())
	return updated(n, err, "set room scene")
}

func (r roomChatRepo) SetImage(ctx context.Context, id, pictureID domain.ID, img media.Image) error {
	n, err := r.c.exec(ctx, `UPDATE room_messages SET image_key = ?, image_content_type = ?, image_bytes = ?, image_width = ?,
		image_height = ?, picture_id = ? WHERE id = ?`, img.Key.String(), img.ContentType.String(), img.Bytes, img.Width, img.Height,
		idArg(pictureID), id.String())
	return updated(n, err, "set room message image")
}

func (r roomChatRepo) SetAudio(ctx context.Context, id domain.ID, key media.Key) error {
	n, err := r.c.exec(ctx, `UPDATE room_messages SET audio_key = ? WHERE id = ?`, key.String(), id.String())
	return updated(n, err, "set room message audio")
}

func (r roomChatRepo) Turns(ctx context.Context, roomID domain.ID, limit int) ([]chat.Turn, error) {
	var rows []turnRow
	if err := r.c.sel(ctx, &rows, `SELECT `+turnColumns+` FROM turns WHERE room_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, roomID.String(), limit); err != nil {
		return nil, classify(err, nil, "list room turns")
	}
	out := make([]chat.Turn, 0, len(rows))
	for _, row := range rows {
		t, err := row.turn()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (row roomMessageRow) message() (chat.Message, error) {
	var m chat.Message
	var err error
	if m.ID, err = parseID(row.ID); err != nil {
		return m, err
	}
	if m.RoomID, err = parseID(row.RoomID); err != nil {
		return m, err
	}
	if m.Role, err = chat.ParseRole(row.Role); err != nil {
		return m, domain.Errorf(domain.KindInternal, "room message %s: stored role: %w", row.ID, err)
	}
	for _, p := range []struct {
		dst *domain.ID
		src *string
	}{{&m.AuthorID, row.AuthorID}, {&m.CompanionID, row.CompanionID}, {&m.ReplyTo, row.ReplyTo}, {&m.TurnID, row.TurnID}} {
		if p.src != nil {
			if *p.dst, err = parseID(*p.src); err != nil {
				return m, err
			}
		}
	}
	if len(row.Scene) > 0 {
		scene, err := readScene(row.Scene)
		if err != nil {
			return m, domain.Errorf(domain.KindInternal, "room message %s: stored scene: %w", row.ID, err)
		}
		m.Scene = &scene
	}
	corrupt := func(what string, err error) error {
		return domain.Errorf(domain.KindInternal, "room message %s: stored %s: %w", row.ID, what, err)
	}
	if m.Image, err = imageFrom(corrupt, "image", row.ImageKey, row.ImageType, row.ImageBytes, row.ImageWidth, row.ImageHeight); err != nil {
		return m, err
	}
	if row.PictureID != nil {
		if m.PictureID, err = parseID(*row.PictureID); err != nil {
			return m, err
		}
	}
	if row.AudioKey != nil {
		if m.AudioKey, err = media.ParseKey(*row.AudioKey); err != nil {
			return m, corrupt("audio key", err)
		}
	}
	m.Author, m.Text, m.Selected, m.CreatedAt = row.AuthorName, row.Text, true, row.CreatedAt.Time
	return m, nil
}
