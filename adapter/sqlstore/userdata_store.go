package sqlstore

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/userdata"
)

// UserDataStore returns the store that deletes people whole over db.
func UserDataStore(db *DB) userdata.Store { return userDataRepo{db: db} }

type userDataRepo struct{ db *DB }

var _ userdata.Store = userDataRepo{}

// Erase deletes what names the person without a key to their account first — their audit trail,
// lockouts, the in-process scheduler's rows, turn event streams (PostgreSQL's bus) and rate-limit
// entries (PostgreSQL's limiter) — and their ratings, recounting what they rated; then the account,
// whose keys take every other row with it; then their counted usage and the vector generations of
// their companions.
func (r userDataRepo) Erase(ctx context.Context, userID domain.ID, lockoutSubject string) ([]media.Key, error) {
	id := userID.String()
	var keys []media.Key
	err := r.db.inTx(ctx, func(c conn) error {
		var exists int
		if err := c.get(ctx, &exists, `SELECT COUNT(*) FROM users WHERE id = ?`, idArg(userID)); err != nil {
			return classify(err, nil, "find user")
		}
		if exists == 0 {
			return errNoSuchUser
		}
		var raw []string
		if err := c.sel(ctx, &raw, `SELECT key FROM media WHERE owner_id = ?`, id); err != nil {
			return classify(err, nil, "list the user's files")
		}
		for _, k := range raw {
			key, err := media.ParseKey(k)
			if err != nil {
				return domain.Errorf(domain.KindInternal, "stored file key %q: %w", k, err)
			}
			keys = append(keys, key)
		}
		var rated []string
		if err := c.sel(ctx, &rated, `SELECT companion_id FROM ratings WHERE user_id = ?`, id); err != nil {
			return classify(err, nil, "list the user's ratings")
		}
		type statement struct {
			what, query string
			args        []any
		}
		stmts := []statement{
			{"delete ratings", `DELETE FROM ratings WHERE user_id = ?`, []any{id}},
			{"delete audit trail", `DELETE FROM audit_events WHERE actor_id = ?`, []any{id}},
			{"delete lockouts", `DELETE FROM login_lockouts WHERE key = ? OR key LIKE ?`, []any{lockoutSubject, lockoutSubject + "|%"}},
			{"delete scheduler rows", `DELETE FROM schedule_runtime WHERE owner_id = ?`, []any{id}},
			{"delete picture counts", `DELETE FROM picture_counts WHERE owner_id = ?`, []any{id}},
			// Answers in others' rooms that worked for them keep their words, not their files.
			{"unlink room pictures", `UPDATE room_messages SET image_key = NULL, image_content_type = NULL, image_bytes = NULL,
				image_width = NULL, image_height = NULL, picture_id = NULL
				WHERE image_key IN (SELECT key FROM media WHERE owner_id = ?)`, []any{id}},
			{"unlink room voices", `UPDATE room_messages SET audio_key = NULL
				WHERE audio_key IN (SELECT key FROM media WHERE owner_id = ?)`, []any{id}},
		}
		if r.db.Dialect == Postgres {
			stmts = append(stmts,
				statement{"delete turn streams", `DELETE FROM turn_streams WHERE turn_id IN (SELECT id FROM turns WHERE owner_id = ?)`, []any{id}},
				// A room's stream tells what they said there: it goes (followers start again from the
				// room's messages).
				statement{"delete room streams", `DELETE FROM turn_streams WHERE turn_id IN (SELECT room_id FROM room_people WHERE user_id = ?
					UNION SELECT room_id FROM room_messages WHERE author_id = ?)`, []any{id, id}},
				statement{"delete rate-limit entries", `DELETE FROM rate_limits WHERE key LIKE ?`, []any{"%" + id + "%"}})
		}
		for _, st := range stmts {
			if _, err := c.exec(ctx, st.query, st.args...); err != nil {
				return classify(err, nil, st.what)
			}
		}
		for _, companionID := range rated {
			if _, _, err := recountRatings(ctx, c, companionID); err != nil {
				return err
			}
		}
		var companions []string
		if err := c.sel(ctx, &companions, `SELECT id FROM companions WHERE owner_id = ?`, id); err != nil {
			return classify(err, nil, "list the user's companions")
		}
		if _, err := c.exec(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
			return classify(err, nil, "delete user")
		}
		// After the account: a meter's write that held the person's row has committed by now (on
		// PostgreSQL the delete waited for it), and none can add to it later.
		if _, err := c.exec(ctx, `DELETE FROM usage_daily WHERE user_id = ?`, id); err != nil {
			return classify(err, nil, "delete usage")
		}
		// What their companions did for others (answers in rooms) stays those people's usage, no
		// longer naming the companion. After the account too: a meter's write that held a companion
		// of theirs has committed by now, and a later one finds it gone (usageRepo.Add).
		for _, companionID := range companions {
			if _, err := c.exec(ctx, `INSERT INTO usage_daily (day, user_id, companion_id, kind, provider, model, amount)
				SELECT day, user_id, '', kind, provider, model, SUM(amount) FROM usage_daily WHERE companion_id = ?
				GROUP BY day, user_id, kind, provider, model
				ON CONFLICT (user_id, day, companion_id, kind, provider, model) DO UPDATE SET amount = usage_daily.amount + excluded.amount`,
				companionID); err != nil {
				return classify(err, nil, "unname a companion in others' usage")
			}
			if _, err := c.exec(ctx, `DELETE FROM usage_daily WHERE companion_id = ?`, companionID); err != nil {
				return classify(err, nil, "unname a companion in others' usage")
			}
		}
		// After the cascade: deleting the memories bumps their companions' vector generation (a
		// trigger), which would put the rows back.
		for _, companionID := range companions {
			if _, err := c.exec(ctx, `DELETE FROM memory_vector_generations WHERE companion_id = ?`, companionID); err != nil {
				return classify(err, nil, "delete vector generations")
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

func (r userDataRepo) Files(ctx context.Context, userID domain.ID) ([]media.Item, error) {
	return listMedia(ctx, r.db.conn(r.db.X), "owner_id", idArg(userID))
}
