package sqlstore

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

type turnRepo struct{ c conn }

type turnRow struct {
	ID            string   `db:"id"`
	OwnerID       string   `db:"owner_id"`
	CompanionID   string   `db:"companion_id"`
	UserMessageID string   `db:"user_message_id"`
	RoomID        *string  `db:"room_id"`
	DeepThink     bool     `db:"deep_think"`
	WantImage     bool     `db:"want_image"`
	WantVoice     bool     `db:"want_voice"`
	Sampling      *string  `db:"sampling"`
	Regenerate    bool     `db:"regenerate"`
	Status        string   `db:"status"`
	Progress      int      `db:"progress"`
	ErrorCode     string   `db:"error_code"`
	ErrorMessage  string   `db:"error_message"`
	ReplyID       *string  `db:"reply_id"`
	CancelReq     bool     `db:"cancel_requested"`
	LeaseUntil    nullTime `db:"lease_until"`
	CreatedAt     nullTime `db:"created_at"`
	UpdatedAt     nullTime `db:"updated_at"`
}

// A room turn answers a room message: user_message_id reads either.
const turnColumns = `id, owner_id, companion_id, COALESCE(user_message_id, room_message_id) AS user_message_id, room_id, deep_think, want_image, want_voice, sampling, regenerate,
	status, progress, error_code, error_message, reply_id, cancel_requested, lease_until, created_at, updated_at`

func (r turnRepo) Create(ctx context.Context, turn chat.Turn, key chatuc.Idempotency) error {
	t := turn.Record()
	var k, fp any
	if key.Key != "" {
		k = key.Key
		if key.Fingerprint != "" {
			fp = key.Fingerprint
		}
	}
	sampling, err := samplingArg(t.Options.Sampling)
	if err != nil {
		return err
	}
	message, roomMessage := any(t.UserMessageID.String()), any(nil)
	if !t.RoomID.IsZero() {
		message, roomMessage = nil, t.UserMessageID.String()
	}
	_, err = r.c.exec(ctx, `INSERT INTO turns (id, owner_id, companion_id, user_message_id, room_id, room_message_id,
		idempotency_key, idempotency_fingerprint, deep_think, want_image, want_voice, sampling, regenerate, status, progress,
		error_code, error_message, reply_id, cancel_requested, lease_until, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID.String(), t.OwnerID.String(), t.CompanionID.String(), message, idArg(t.RoomID), roomMessage, k, fp, t.Options.DeepThink,
		t.Options.Image, t.Options.Voice, sampling, t.Regenerate, t.Status.String(), t.Progress, t.ErrorCode, t.ErrorMessage,
		idArg(t.ReplyID), t.CancelRequested, r.c.t(leaseOf(t)), r.c.t(t.CreatedAt), r.c.t(t.UpdatedAt))
	if c, dup := uniqueViolation(err); dup {
		if key.Key != "" && (strings.Contains(c, "idempotency") || strings.Contains(c, "owner_id")) {
			return chatuc.ErrDuplicateTurn
		}
		return domain.Errorf(domain.KindConflict, "turn %s exists", t.ID)
	}
	if err != nil && isForeignKeyViolation(err) {
		return domain.Errorf(domain.KindNotFound, "turn %s: owner, companion or message does not exist", t.ID)
	}
	return classify(err, nil, "insert turn")
}

func (r turnRepo) one(ctx context.Context, where string, args ...any) (chat.Turn, error) {
	var row turnRow
	if err := r.c.get(ctx, &row, `SELECT `+turnColumns+` FROM turns WHERE `+where, args...); err != nil {
		return chat.Turn{}, classify(err, chat.ErrTurnNotFound, "select turn")
	}
	return row.turn()
}

func (r turnRepo) ByIdempotencyKey(ctx context.Context, owner domain.ID, key string) (chat.Turn, chatuc.Idempotency, error) {
	var row struct {
		turnRow
		Fingerprint *string `db:"idempotency_fingerprint"`
	}
	if err := r.c.get(ctx, &row, `SELECT `+turnColumns+`, idempotency_fingerprint FROM turns
		WHERE owner_id = ? AND idempotency_key = ?`, owner.String(), key); err != nil {
		return chat.Turn{}, chatuc.Idempotency{}, classify(err, chat.ErrTurnNotFound, "select turn by idempotency key")
	}
	t, err := row.turn()
	if err != nil {
		return chat.Turn{}, chatuc.Idempotency{}, err
	}
	k := chatuc.Idempotency{Key: key}
	if row.Fingerprint != nil {
		k.Fingerprint = *row.Fingerprint
	}
	return t, k, nil
}

func (r turnRepo) ReleaseIdempotencyKey(ctx context.Context, owner domain.ID, key string, before time.Time) error {
	_, err := r.c.exec(ctx, `UPDATE turns SET idempotency_key = NULL, idempotency_fingerprint = NULL
		WHERE owner_id = ? AND idempotency_key = ? AND created_at < ?`, owner.String(), key, r.c.t(before))
	return classify(err, nil, "release idempotency key")
}

func (r turnRepo) Get(ctx context.Context, owner, id domain.ID) (chat.Turn, error) {
	return r.one(ctx, `id = ? AND owner_id = ?`, id.String(), owner.String())
}

func (r turnRepo) Load(ctx context.Context, id domain.ID) (chat.Turn, error) {
	return r.one(ctx, `id = ?`, id.String())
}

// turnUnfinished is the condition on an unfinished turn, written as the partial indexes on turns say it.
const turnUnfinished = `status NOT IN ('completed', 'failed', 'cancelled')`

func (r turnRepo) Update(ctx context.Context, turn chat.Turn) error {
	t := turn.Record()
	// A saved reply stays saved (a stale copy of the turn without it does not unset it), and a turn
	// with one completed, whatever went wrong after: it cannot end failed or cancelled.
	query := `UPDATE turns SET status = ?, progress = ?, error_code = ?, error_message = ?,
		reply_id = COALESCE(?, reply_id), updated_at = ?`
	if t.Status.Final() {
		query += `, reply_draft = NULL` // an ended turn keeps no draft
	}
	query += ` WHERE id = ? AND ` + turnUnfinished
	if t.Status == chat.StatusFailed || t.Status == chat.StatusCancelled {
		query += ` AND reply_id IS NULL`
	}
	n, err := r.c.exec(ctx, query, t.Status.String(), t.Progress, t.ErrorCode, t.ErrorMessage, idArg(t.ReplyID),
		r.c.t(t.UpdatedAt), t.ID.String())
	if err != nil {
		return classify(err, nil, "update turn")
	}
	if n > 0 {
		return nil
	}
	// Why nothing changed: both an end and a saved reply are for good, so what stopped the update
	// is still there to see.
	cur, err := r.Load(ctx, t.ID)
	switch {
	case err != nil:
		return err
	case cur.Ended():
		return chat.ErrTurnEnded
	case !cur.ReplyID().IsZero():
		return chat.ErrTurnHasReply
	}
	return domain.Errorf(domain.KindInternal, "update turn %s: no row changed, yet it is unfinished without a reply", t.ID)
}

func (r turnRepo) SaveDraft(ctx context.Context, id domain.ID, attempt int, text string) error {
	n, err := r.c.exec(ctx, `UPDATE turns SET reply_draft = ?, reply_draft_attempt = ? WHERE id = ? AND `+turnUnfinished+`
		AND (reply_draft_attempt IS NULL OR reply_draft_attempt <= ?)`, text, attempt, id.String(), attempt)
	if err != nil {
		return classify(err, nil, "save reply draft")
	}
	if n > 0 {
		return nil
	}
	cur, err := r.Load(ctx, id)
	switch {
	case err != nil:
		return err
	case cur.Ended():
		return chat.ErrTurnEnded
	}
	return chatuc.ErrDraftSuperseded
}

func (r turnRepo) ClearDraft(ctx context.Context, id domain.ID) error {
	_, err := r.c.exec(ctx, `UPDATE turns SET reply_draft = NULL WHERE id = ?`, id.String())
	return classify(err, nil, "clear reply draft")
}

func (r turnRepo) Draft(ctx context.Context, id domain.ID) (string, error) {
	var draft *string
	if err := r.c.get(ctx, &draft, `SELECT reply_draft FROM turns WHERE id = ?`, id.String()); err != nil {
		return "", classify(err, chat.ErrTurnNotFound, "select reply draft")
	}
	if draft == nil {
		return "", errNoDraft
	}
	return *draft, nil
}

// errNoDraft: the turn has no reply draft (none was written, or it was saved or dropped).
var errNoDraft = domain.E(domain.KindNotFound, "no_reply_draft", "the turn has no reply to save")

func (r turnRepo) SetProgress(ctx context.Context, id domain.ID, p chat.Progress, at time.Time) (bool, error) {
	// An end carries an outcome (error, reply) and its rules: Update records it.
	if err := p.Check(); err != nil {
		return false, err
	}
	// The same progress again (a retried step) moves nothing, so it is told once.
	n, err := r.c.exec(ctx, `UPDATE turns SET status = ?, progress = ?, updated_at = ?
		WHERE id = ? AND `+turnUnfinished+` AND (progress < ? OR (progress = ? AND status <> ?))`,
		p.Status.String(), p.Percent, r.c.t(at), id.String(), p.Percent, p.Percent, p.Status.String())
	if err != nil {
		return false, classify(err, nil, "set turn progress")
	}
	if n > 0 {
		return true, nil
	}
	cur, err := r.Load(ctx, id)
	switch {
	case err != nil:
		return false, err
	case cur.Ended():
		return false, chat.ErrTurnEnded
	}
	return false, nil // a step running in parallel got further: progress never goes back
}

func (r turnRepo) Expired(ctx context.Context, now time.Time, limit int) ([]chat.Turn, error) {
	var rows []turnRow
	if err := r.c.sel(ctx, &rows, `SELECT `+turnColumns+` FROM turns
		WHERE `+turnUnfinished+` AND lease_until < ?
		ORDER BY lease_until, id LIMIT ?`, r.c.t(now), limit); err != nil {
		return nil, classify(err, nil, "list expired turns")
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

func (r turnRepo) Renew(ctx context.Context, ids []domain.ID, until time.Time) ([]domain.ID, error) {
	var stop []domain.ID
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, r.c.t(until))
		for _, id := range chunk {
			args = append(args, id.String())
		}
		var renewed []struct {
			ID     string `db:"id"`
			Cancel bool   `db:"cancel_requested"`
		}
		if err := r.c.sel(ctx, &renewed, `UPDATE turns SET lease_until = ? WHERE `+turnUnfinished+`
			AND id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`) RETURNING id, cancel_requested`, args...); err != nil {
			return nil, classify(err, nil, "renew turn leases")
		}
		for _, t := range renewed {
			if !t.Cancel {
				continue
			}
			id, err := parseID(t.ID)
			if err != nil {
				return nil, err
			}
			stop = append(stop, id)
		}
	}
	return stop, nil
}

func (r turnRepo) RequestCancel(ctx context.Context, id domain.ID) error {
	n, err := r.c.exec(ctx, `UPDATE turns SET cancel_requested = ? WHERE id = ? AND `+turnUnfinished, true, id.String())
	if err != nil {
		return classify(err, nil, "request turn cancel")
	}
	if n == 0 {
		_, err := r.Load(ctx, id) // an ended turn is left as it is; a missing one is not found
		return err
	}
	return nil
}

// leaseOf is a new turn's lease: what it says, or a minute to be picked up by a runner.
func leaseOf(t chat.TurnRecord) time.Time {
	if t.LeaseUntil.IsZero() {
		return t.CreatedAt.Add(time.Minute)
	}
	return t.LeaseUntil
}

func (r turnRepo) Active(ctx context.Context, companionID, except domain.ID) (bool, error) {
	// EXISTS stops at the first unfinished turn (turns_active_idx holds only those).
	// A companion's turns in rooms are not its own chat's.
	query := `SELECT EXISTS (SELECT 1 FROM turns WHERE companion_id = ? AND room_id IS NULL AND ` + turnUnfinished
	args := []any{companionID.String()}
	if !except.IsZero() {
		query += ` AND id <> ?`
		args = append(args, except.String())
	}
	var active bool
	err := r.c.get(ctx, &active, query+`)`, args...)
	return active, classify(err, nil, "look for active turns")
}

func (r turnRepo) Current(ctx context.Context, owner, companionID domain.ID) (chat.Turn, error) {
	return r.one(ctx, `owner_id = ? AND companion_id = ? AND room_id IS NULL AND `+turnUnfinished+` ORDER BY created_at DESC, id DESC LIMIT 1`,
		owner.String(), companionID.String())
}

func (row turnRow) turn() (chat.Turn, error) {
	var t chat.TurnRecord
	var err error
	for _, p := range []struct {
		dst *domain.ID
		src string
	}{{&t.ID, row.ID}, {&t.OwnerID, row.OwnerID}, {&t.CompanionID, row.CompanionID}, {&t.UserMessageID, row.UserMessageID}} {
		if *p.dst, err = parseID(p.src); err != nil {
			return chat.Turn{}, err
		}
	}
	if row.ReplyID != nil {
		if t.ReplyID, err = parseID(*row.ReplyID); err != nil {
			return chat.Turn{}, err
		}
	}
	if row.RoomID != nil {
		if t.RoomID, err = parseID(*row.RoomID); err != nil {
			return chat.Turn{}, err
		}
	}
	if t.Status, err = chat.ParseStatus(row.Status); err != nil {
		return chat.Turn{}, err
	}
	t.Options = chat.Options{DeepThink: row.DeepThink, Image: row.WantImage, Voice: row.WantVoice}
	if row.Sampling != nil {
		var sr samplingRow
		if err := json.Unmarshal([]byte(*row.Sampling), &sr); err != nil {
			return chat.Turn{}, domain.Errorf(domain.KindInternal, "turn %s: stored sampling: %w", row.ID, err)
		}
		t.Options.Sampling = chat.Sampling{MaxTokens: sr.MaxTokens, Temperature: sr.Temperature, TopP: sr.TopP, Stop: sr.Stop}
	}
	t.Regenerate, t.Progress, t.ErrorCode, t.ErrorMessage = row.Regenerate, row.Progress, row.ErrorCode, row.ErrorMessage
	t.CancelRequested, t.LeaseUntil = row.CancelReq, row.LeaseUntil.Time
	t.CreatedAt, t.UpdatedAt = row.CreatedAt.Time, row.UpdatedAt.Time
	return chat.HydrateTurn(t)
}

// samplingRow is a turn's sampling as the sampling column keeps it.
type samplingRow struct {
	MaxTokens   int      `json:"max_tokens,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
	TopP        *float64 `json:"top_p,omitempty"`
	Stop        []string `json:"stop,omitempty"`
}

// samplingArg is how a turn's sampling is stored: JSON, or NULL when the client asked nothing.
func samplingArg(s chat.Sampling) (any, error) {
	if s.IsZero() {
		return nil, nil
	}
	b, err := json.Marshal(samplingRow{MaxTokens: s.MaxTokens, Temperature: s.Temperature, TopP: s.TopP, Stop: s.Stop})
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "encode sampling: %w", err)
	}
	return string(b), nil
}
