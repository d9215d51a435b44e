package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
	roomuc "github.com/companionhub/companionhub/usecase/room"
)

// RoomStore returns the store of group-chat rooms over db. Migration 00023 holds its schema.
func RoomStore(db *DB) roomuc.Store { return roomRepo{db: db, c: db.conn(db.X)} }

type roomRepo struct {
	db *DB
	c  conn
}

var _ roomuc.Store = roomRepo{}

type roomRow struct {
	ID         string   `db:"id"`
	OwnerID    string   `db:"owner_id"`
	Title      string   `db:"title"`
	Strategy   string   `db:"strategy"`
	MaxReplies int      `db:"max_replies"`
	AutoRounds int      `db:"auto_rounds"`
	CreatedAt  nullTime `db:"created_at"`
	UpdatedAt  nullTime `db:"updated_at"`
}

const roomColumns = `id, owner_id, title, strategy, max_replies, auto_rounds, created_at, updated_at`

func (row roomRow) room() (room.Room, error) {
	id, err := parseID(row.ID)
	if err != nil {
		return room.Room{}, err
	}
	owner, err := parseID(row.OwnerID)
	if err != nil {
		return room.Room{}, err
	}
	return room.Room{ID: id, OwnerID: owner, Title: row.Title, Settings: room.Settings{Strategy: room.Strategy(row.Strategy),
		MaxReplies: row.MaxReplies, AutoRounds: row.AutoRounds}, CreatedAt: row.CreatedAt.Time, UpdatedAt: row.UpdatedAt.Time}, nil
}

func (r roomRepo) Create(ctx context.Context, rm room.Room, companions []room.Companion) error {
	return r.db.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `INSERT INTO rooms (`+roomColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, idArg(rm.ID), idArg(rm.OwnerID),
			rm.Title, string(rm.Settings.Strategy), rm.Settings.MaxReplies, rm.Settings.AutoRounds, c.t(rm.CreatedAt), c.t(rm.UpdatedAt)); err != nil {
			if isForeignKeyViolation(err) {
				return errNoSuchUser.Wrap(fmt.Errorf("room %s: %w", rm.ID, err))
			}
			return classify(err, nil, "insert room")
		}
		if _, err := c.exec(ctx, `INSERT INTO room_people (room_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)`,
			idArg(rm.ID), idArg(rm.OwnerID), string(room.Owner), c.t(rm.CreatedAt)); err != nil {
			return classify(err, nil, "insert room owner")
		}
		for _, cp := range companions {
			if err := addCompanion(ctx, c, rm.ID, cp); err != nil {
				return err
			}
		}
		return nil
	})
}

// matureSQL says whether a companion (c) is rated mature or explicit.
const matureSQL = `c.content_rating <> 'general'`

// checkAdults refuses a room holding a mature or explicit companion with someone in it who has not
// confirmed they are an adult.
func checkAdults(ctx context.Context, c conn, roomID domain.ID) error {
	var n int
	if err := c.get(ctx, &n, `SELECT COUNT(*) FROM room_companions rc JOIN companions c ON c.id = rc.companion_id
		WHERE rc.room_id = ? AND `+matureSQL+` AND EXISTS (SELECT 1 FROM room_people p WHERE p.room_id = rc.room_id
		AND NOT EXISTS (SELECT 1 FROM adult_confirmations a WHERE a.user_id = p.user_id))`, idArg(roomID)); err != nil {
		return classify(err, nil, "check the room's adults")
	}
	if n > 0 {
		return roomuc.ErrAdultsOnly
	}
	return nil
}

// touch records a change of the room's (its people or companions) at now.
func touch(ctx context.Context, c conn, roomID domain.ID, now time.Time) error {
	_, err := c.exec(ctx, `UPDATE rooms SET updated_at = ? WHERE id = ?`, c.t(now), idArg(roomID))
	return classify(err, nil, "touch room")
}

// addCompanion adds cp at the end of the room's order.
func addCompanion(ctx context.Context, c conn, roomID domain.ID, cp room.Companion) error {
	var n struct {
		Count int `db:"n"`
		Next  int `db:"next"`
	}
	if err := c.get(ctx, &n, `SELECT COUNT(*) AS n, COALESCE(MAX(position) + 1, 0) AS next FROM room_companions WHERE room_id = ?`,
		idArg(roomID)); err != nil {
		return classify(err, nil, "count room companions")
	}
	if n.Count >= room.MaxCompanions {
		return roomuc.ErrRoomFull
	}
	_, err := c.exec(ctx, `INSERT INTO room_companions (room_id, companion_id, added_by, position, added_at) VALUES (?, ?, ?, ?, ?)`,
		idArg(roomID), idArg(cp.CompanionID), idArg(cp.AddedBy), n.Next, c.t(cp.AddedAt))
	if _, dup := uniqueViolation(err); dup {
		return roomuc.ErrCompanionInRoom
	}
	if err != nil && isForeignKeyViolation(err) {
		return roomuc.ErrNotYourCompanion.Wrap(err)
	}
	if err != nil {
		return classify(err, nil, "insert room companion")
	}
	return checkAdults(ctx, c, roomID)
}

// lockRoom locks the room's row for the rest of the transaction (on PostgreSQL; SQLite's
// transactions write one at a time), so that counts taken under it hold; ErrNotFound when it is gone.
func lockRoom(ctx context.Context, c conn, roomID domain.ID) error {
	var id string
	err := c.get(ctx, &id, `SELECT id FROM rooms WHERE id = ?`+c.forUpdate(), idArg(roomID))
	return classify(err, roomuc.ErrNotFound, "lock room")
}

// usableSQL says whether a room's companion (rc, c) is still there to use: not in the trash, and its
// owner's who brought it or still published.
const usableSQL = `c.deleted_at IS NULL AND (c.owner_id = rc.added_by
	OR EXISTS (SELECT 1 FROM publications pub WHERE pub.companion_id = c.id))`

func (r roomRepo) View(ctx context.Context, roomID, userID domain.ID) (room.View, error) {
	var row roomRow
	if err := r.c.get(ctx, &row, `SELECT `+roomColumns+` FROM rooms WHERE id = ?
		AND EXISTS (SELECT 1 FROM room_people WHERE room_id = rooms.id AND user_id = ?)`, idArg(roomID), idArg(userID)); err != nil {
		return room.View{}, classify(err, roomuc.ErrNotFound, "select room")
	}
	rm, err := row.room()
	if err != nil {
		return room.View{}, err
	}
	v := room.View{Room: rm}
	people, err := roomPeople(ctx, r.c, roomID)
	if err != nil {
		return room.View{}, err
	}
	v.People = people
	var companions []struct {
		CompanionID string   `db:"companion_id"`
		Name        string   `db:"name"`
		AddedBy     string   `db:"added_by"`
		Position    int      `db:"position"`
		AddedAt     nullTime `db:"added_at"`
	}
	if err := r.c.sel(ctx, &companions, `SELECT rc.companion_id, c.name, rc.added_by, rc.position, rc.added_at FROM room_companions rc
		JOIN companions c ON c.id = rc.companion_id WHERE rc.room_id = ? AND `+usableSQL+` ORDER BY rc.position`, idArg(roomID)); err != nil {
		return room.View{}, classify(err, nil, "select room companions")
	}
	for _, cp := range companions {
		id, err1 := parseID(cp.CompanionID)
		by, err2 := parseID(cp.AddedBy)
		if err := errors.Join(err1, err2); err != nil {
			return room.View{}, err
		}
		v.Companions = append(v.Companions, room.Companion{CompanionID: id, Name: cp.Name, AddedBy: by, Position: cp.Position,
			AddedAt: cp.AddedAt.Time})
	}
	return v, nil
}

// roomPeople are the room's people, in the order they joined.
func roomPeople(ctx context.Context, c conn, roomID domain.ID) ([]room.Person, error) {
	var out []room.Person
	var people []struct {
		UserID      string   `db:"user_id"`
		DisplayName string   `db:"display_name"`
		Role        string   `db:"role"`
		JoinedAt    nullTime `db:"joined_at"`
	}
	if err := c.sel(ctx, &people, `SELECT p.user_id, u.display_name, p.role, p.joined_at FROM room_people p
		JOIN users u ON u.id = p.user_id WHERE p.room_id = ? ORDER BY p.joined_at, p.user_id`, idArg(roomID)); err != nil {
		return nil, classify(err, nil, "select room people")
	}
	for _, p := range people {
		id, err := parseID(p.UserID)
		if err != nil {
			return nil, err
		}
		out = append(out, room.Person{UserID: id, DisplayName: p.DisplayName, Role: room.Role(p.Role), JoinedAt: p.JoinedAt.Time})
	}
	return out, nil
}

func (r roomRepo) List(ctx context.Context, userID domain.ID) ([]room.Room, error) {
	var rows []roomRow
	if err := r.c.sel(ctx, &rows, `SELECT `+roomColumns+` FROM rooms WHERE id IN (SELECT room_id FROM room_people WHERE user_id = ?)
		ORDER BY updated_at DESC, id DESC LIMIT 100`, idArg(userID)); err != nil {
		return nil, classify(err, nil, "list rooms")
	}
	out := make([]room.Room, 0, len(rows))
	for _, row := range rows {
		rm, err := row.room()
		if err != nil {
			return nil, err
		}
		out = append(out, rm)
	}
	return out, nil
}

func (r roomRepo) Modify(ctx context.Context, roomID domain.ID, change func(*room.Room) error) error {
	return r.db.inTx(ctx, func(c conn) error {
		var row roomRow
		if err := c.get(ctx, &row, `SELECT `+roomColumns+` FROM rooms WHERE id = ?`+c.forUpdate(), idArg(roomID)); err != nil {
			return classify(err, roomuc.ErrNotFound, "select room")
		}
		rm, err := row.room()
		if err != nil {
			return err
		}
		if err := change(&rm); err != nil {
			return err
		}
		_, err = c.exec(ctx, `UPDATE rooms SET title = ?, strategy = ?, max_replies = ?, auto_rounds = ?, updated_at = ? WHERE id = ?`,
			rm.Title, string(rm.Settings.Strategy), rm.Settings.MaxReplies, rm.Settings.AutoRounds, c.t(rm.UpdatedAt), idArg(rm.ID))
		return classify(err, nil, "update room")
	})
}

func (r roomRepo) Delete(ctx context.Context, roomID domain.ID) error {
	n, err := r.c.exec(ctx, `DELETE FROM rooms WHERE id = ?`, idArg(roomID))
	if err != nil {
		return classify(err, nil, "delete room")
	}
	if n == 0 {
		return roomuc.ErrNotFound
	}
	return nil
}

func (r roomRepo) AddCompanion(ctx context.Context, roomID domain.ID, cp room.Companion) error {
	return r.db.inTx(ctx, func(c conn) error {
		if err := lockRoom(ctx, c, roomID); err != nil {
			return err
		}
		if err := addCompanion(ctx, c, roomID, cp); err != nil {
			return err
		}
		return touch(ctx, c, roomID, cp.AddedAt)
	})
}

func (r roomRepo) RemoveCompanion(ctx context.Context, roomID, companionID domain.ID) error {
	return r.db.inTx(ctx, func(c conn) error {
		// The room first, as every change of it and its conversation locks it: in that order no two
		// wait for each other.
		if err := lockRoom(ctx, c, roomID); err != nil {
			return err
		}
		n, err := c.exec(ctx, `DELETE FROM room_companions WHERE room_id = ? AND companion_id = ?`, idArg(roomID), idArg(companionID))
		if err != nil {
			return classify(err, nil, "delete room companion")
		}
		if n == 0 {
			return roomuc.ErrCompanionNotInRoom
		}
		return touch(ctx, c, roomID, time.Now())
	})
}

func (r roomRepo) AddInvite(ctx context.Context, inv room.Invite, codeHash string) error {
	return r.db.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `DELETE FROM room_invites WHERE room_id = ? AND expires_at <= ?`, idArg(inv.RoomID), c.t(inv.CreatedAt)); err != nil {
			return classify(err, nil, "forget expired room invites")
		}
		_, err := c.exec(ctx, `INSERT INTO room_invites (id, room_id, created_by, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			idArg(inv.ID), idArg(inv.RoomID), idArg(inv.CreatedBy), codeHash, c.t(inv.CreatedAt), c.t(inv.ExpiresAt))
		if err != nil && isForeignKeyViolation(err) {
			return roomuc.ErrNotFound.Wrap(err)
		}
		return classify(err, nil, "insert room invite")
	})
}

func (r roomRepo) Invites(ctx context.Context, roomID domain.ID, now time.Time) ([]room.Invite, error) {
	var rows []struct {
		ID        string   `db:"id"`
		CreatedBy string   `db:"created_by"`
		CreatedAt nullTime `db:"created_at"`
		ExpiresAt nullTime `db:"expires_at"`
	}
	if err := r.c.sel(ctx, &rows, `SELECT id, created_by, created_at, expires_at FROM room_invites WHERE room_id = ? AND expires_at > ?
		ORDER BY created_at DESC, id DESC`, idArg(roomID), r.c.t(now)); err != nil {
		return nil, classify(err, nil, "list room invites")
	}
	out := make([]room.Invite, 0, len(rows))
	for _, row := range rows {
		id, err1 := parseID(row.ID)
		by, err2 := parseID(row.CreatedBy)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		out = append(out, room.Invite{ID: id, RoomID: roomID, CreatedBy: by, CreatedAt: row.CreatedAt.Time, ExpiresAt: row.ExpiresAt.Time})
	}
	return out, nil
}

func (r roomRepo) DeleteInvite(ctx context.Context, roomID, inviteID domain.ID) error {
	n, err := r.c.exec(ctx, `DELETE FROM room_invites WHERE room_id = ? AND id = ?`, idArg(roomID), idArg(inviteID))
	if err != nil {
		return classify(err, nil, "delete room invite")
	}
	if n == 0 {
		return roomuc.ErrInviteNotFound
	}
	return nil
}

func (r roomRepo) Redeem(ctx context.Context, codeHash string, userID domain.ID, now time.Time) (domain.ID, error) {
	var roomID domain.ID
	err := r.db.inTx(ctx, func(c conn) error {
		var inv struct {
			ID        string   `db:"id"`
			ExpiresAt nullTime `db:"expires_at"`
		}
		// The room first, then the invitation — the order a room's deletion takes them in.
		var raw string
		if err := c.get(ctx, &raw, `SELECT room_id FROM room_invites WHERE code_hash = ?`, codeHash); err != nil {
			return classify(err, roomuc.ErrInviteInvalid, "find room invite")
		}
		id, err := parseID(raw)
		if err != nil {
			return err
		}
		if err := lockRoom(ctx, c, id); errors.Is(err, roomuc.ErrNotFound) {
			return roomuc.ErrInviteInvalid // deleted meanwhile: the code went with it
		} else if err != nil {
			return err
		}
		if err := c.get(ctx, &inv, `SELECT id, expires_at FROM room_invites WHERE code_hash = ?`+c.forUpdate(), codeHash); err != nil {
			return classify(err, roomuc.ErrInviteInvalid, "select room invite")
		}
		if !now.Before(inv.ExpiresAt.Time) {
			return roomuc.ErrInviteInvalid
		}
		var counts struct {
			People int `db:"people"`
			Mine   int `db:"mine"`
		}
		if err := c.get(ctx, &counts, `SELECT COUNT(*) AS people, COALESCE(SUM(CASE WHEN user_id = ? THEN 1 ELSE 0 END), 0) AS mine
			FROM room_people WHERE room_id = ?`, idArg(userID), idArg(id)); err != nil {
			return classify(err, nil, "count room people")
		}
		switch {
		case counts.Mine > 0:
			return roomuc.ErrAlreadyIn
		case counts.People >= room.MaxPeople:
			return roomuc.ErrRoomFull
		}
		if _, err := c.exec(ctx, `DELETE FROM room_invites WHERE id = ?`, inv.ID); err != nil {
			return classify(err, nil, "use room invite")
		}
		if _, err := c.exec(ctx, `INSERT INTO room_people (room_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)`,
			idArg(id), idArg(userID), string(room.Member), c.t(now)); err != nil {
			if isForeignKeyViolation(err) {
				return errNoSuchUser.Wrap(err)
			}
			return classify(err, nil, "insert room member")
		}
		if err := checkAdults(ctx, c, id); err != nil {
			return err
		}
		roomID = id
		return touch(ctx, c, id, now)
	})
	return roomID, err
}

func (r roomRepo) RemovePerson(ctx context.Context, roomID, userID domain.ID) error {
	return r.db.inTx(ctx, func(c conn) error {
		if err := lockRoom(ctx, c, roomID); err != nil { // the room first (see RemoveCompanion)
			return err
		}
		n, err := c.exec(ctx, `DELETE FROM room_people WHERE room_id = ? AND user_id = ?`, idArg(roomID), idArg(userID))
		if err != nil {
			return classify(err, nil, "delete room person")
		}
		if n == 0 {
			return roomuc.ErrPersonNotInRoom
		}
		// What they brought leaves with them.
		if _, err := c.exec(ctx, `DELETE FROM room_companions WHERE room_id = ? AND added_by = ?`, idArg(roomID), idArg(userID)); err != nil {
			return classify(err, nil, "delete their room companions")
		}
		return touch(ctx, c, roomID, time.Now())
	})
}
