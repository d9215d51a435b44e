package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// MemoryStore returns the memory store over db, for the memory use cases. Migrations 00012 and
// 00014 hold its schema: SQLite searches an FTS5 index, PostgreSQL a generated tsvector (see
// memory_search.go); by meaning, PostgreSQL with pgvector searches an HNSW index, else the vectors
// are searched in process (memory_pgvector.go, memory_vectors.go). The stores of one DB share
// what they keep of the vectors.
func MemoryStore(db *DB) memoryuc.Store {
	return memoryRepo{c: db.conn(db.X), db: db, v: db.memoryVectors()}
}

type memoryRepo struct {
	c  conn
	db *DB
	v  *memoryVectors
}

var _ memoryuc.Store = memoryRepo{}

// errMemoryExists is a memory whose text (its key) the companion already has; the message is the
// person's to read, since adding or editing a memory is their request.
var errMemoryExists = domain.E(domain.KindConflict, "memory_exists", "the companion already remembers that")

type memoryRow struct {
	ID           string   `db:"id"`
	OwnerID      string   `db:"owner_id"`
	CompanionID  string   `db:"companion_id"`
	Text         string   `db:"text"`
	Category     string   `db:"category"`
	Importance   int      `db:"importance"`
	Pinned       bool     `db:"pinned"`
	Sources      string   `db:"sources"`
	CreatedAt    nullTime `db:"created_at"`
	UpdatedAt    nullTime `db:"updated_at"`
	LastRecalled nullTime `db:"last_recalled_at"`
	RecallCount  int      `db:"recall_count"`
}

// memoryColumns are read through the alias m, as every query here names the table (the search joins
// SQLite's index, which has a text column too).
const memoryColumns = `m.id, m.owner_id, m.companion_id, m.text, m.category, m.importance, m.pinned, m.sources,
	m.created_at, m.updated_at, m.last_recalled_at, m.recall_count`

// Create inserts the memory with its key. The key to its companion and owner together refuses a
// companion that is not the owner's, as one that does not exist: memory.ErrNotFound.
func (r memoryRepo) Create(ctx context.Context, m memory.Memory) error {
	sources, err := encodeSources(m.Sources)
	if err != nil {
		return err
	}
	_, err = r.c.exec(ctx, `INSERT INTO memories (id, owner_id, companion_id, text, text_key, category, importance,
		pinned, sources, created_at, updated_at, last_recalled_at, recall_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID.String(), m.OwnerID.String(), m.CompanionID.String(), m.Text, memory.Key(m.Text), m.Category.String(),
		m.Importance, m.Pinned, sources, r.c.t(m.CreatedAt), r.c.t(m.UpdatedAt), r.c.t(m.LastRecalled), m.RecallCount)
	if c, dup := uniqueViolation(err); dup {
		if strings.Contains(c, "text_key") {
			return errMemoryExists.Wrap(err)
		}
		return domain.Errorf(domain.KindConflict, "memory %s exists (%s)", m.ID, c)
	}
	if err != nil && isForeignKeyViolation(err) {
		return memory.ErrNotFound.Wrap(fmt.Errorf("memory %s: companion %s is not owner %s's: %w",
			m.ID, m.CompanionID, m.OwnerID, err))
	}
	return classify(err, nil, "insert memory")
}

func (r memoryRepo) Get(ctx context.Context, ownerID, id domain.ID) (memory.Memory, error) {
	var row memoryRow
	if err := r.c.get(ctx, &row, `SELECT `+memoryColumns+` FROM memories m WHERE m.id = ? AND m.owner_id = ?`,
		id.String(), ownerID.String()); err != nil {
		return memory.Memory{}, classify(err, memory.ErrNotFound, "select memory")
	}
	return row.memory()
}

// Update saves what a person or the extraction may change; the key follows the text.
func (r memoryRepo) Update(ctx context.Context, m memory.Memory) error {
	n, err := r.c.exec(ctx, `UPDATE memories SET text = ?, text_key = ?, category = ?, importance = ?, pinned = ?,
		updated_at = ? WHERE id = ? AND owner_id = ?`,
		m.Text, memory.Key(m.Text), m.Category.String(), m.Importance, m.Pinned, r.c.t(m.UpdatedAt),
		m.ID.String(), m.OwnerID.String())
	if _, dup := uniqueViolation(err); dup {
		return errMemoryExists.Wrap(err)
	}
	if err != nil {
		return classify(err, nil, "update memory")
	}
	if n == 0 {
		return memory.ErrNotFound
	}
	return nil
}

func (r memoryRepo) Delete(ctx context.Context, ownerID, id domain.ID) error {
	n, err := r.c.exec(ctx, `DELETE FROM memories WHERE id = ? AND owner_id = ?`, id.String(), ownerID.String())
	if err != nil {
		return classify(err, nil, "delete memory")
	}
	if n == 0 {
		return memory.ErrNotFound
	}
	return nil
}

// List pages a companion's memories newest first, on memories_owner_companion_idx (or its pinned part):
// the keyset is a row value, a range on the index starting at the cursor. A filter without a
// companion selects nothing — the list is a companion's.
func (r memoryRepo) List(ctx context.Context, f memory.Filter, p domain.Page) ([]memory.Memory, domain.Cursor, error) {
	query := `SELECT ` + memoryColumns + ` FROM memories m WHERE m.owner_id = ? AND m.companion_id = ?`
	args := []any{f.OwnerID.String(), idArg(f.CompanionID)}
	if !f.Category.IsZero() {
		query += ` AND m.category = ?`
		args = append(args, f.Category.String())
	}
	if f.Pinned != nil {
		// A literal, not a parameter: SQLite uses a partial index only for a condition it can see.
		query += ` AND m.pinned = ` + r.c.boolLit(*f.Pinned)
	}
	if !p.After.IsZero() {
		query += ` AND (m.created_at, m.id) < (?, ?)`
		args = append(args, r.c.t(p.After.At), p.After.ID.String())
	}
	query += ` ORDER BY m.created_at DESC, m.id DESC LIMIT ?`
	out, err := r.list(ctx, query, append(args, p.Limit+1)...)
	if err != nil {
		return nil, domain.Cursor{}, err
	}
	page, next := domain.Paginate(out, p, memory.Memory.Cursor)
	return page, next, nil
}

func (r memoryRepo) ByKey(ctx context.Context, ownerID, companionID domain.ID, key string) (memory.Memory, bool, error) {
	var row memoryRow
	err := r.c.get(ctx, &row, `SELECT `+memoryColumns+` FROM memories m
		WHERE m.companion_id = ? AND m.text_key = ? AND m.owner_id = ?`,
		companionID.String(), key, ownerID.String())
	if err != nil {
		if err = classify(err, errNoRow, "select memory by key"); err == errNoRow {
			return memory.Memory{}, false, nil
		}
		return memory.Memory{}, false, err
	}
	m, err := row.memory()
	return m, err == nil, err
}

func (r memoryRepo) Pinned(ctx context.Context, ownerID, companionID domain.ID) ([]memory.Memory, error) {
	return r.list(ctx, `SELECT `+memoryColumns+` FROM memories m
		WHERE m.owner_id = ? AND m.companion_id = ? AND m.pinned = `+r.c.boolLit(true)+`
		ORDER BY m.created_at DESC, m.id DESC`, ownerID.String(), companionID.String())
}

func (r memoryRepo) Recent(ctx context.Context, ownerID, companionID domain.ID, limit int) ([]memory.Memory, error) {
	if limit <= 0 {
		return nil, nil
	}
	return r.list(ctx, `SELECT `+memoryColumns+` FROM memories m WHERE m.owner_id = ? AND m.companion_id = ?
		ORDER BY m.created_at DESC, m.id DESC LIMIT ?`, ownerID.String(), companionID.String(), limit)
}

// MarkRecalled updates every memory of ids in one statement. A memory deleted since it was
// recalled is simply not there to mark.
func (r memoryRepo) MarkRecalled(ctx context.Context, ids []domain.ID, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	in, list, err := r.idsIn("id", ids)
	if err != nil {
		return err
	}
	_, err = r.c.exec(ctx, `UPDATE memories SET last_recalled_at = ?, recall_count = recall_count + 1 WHERE `+in,
		r.c.t(at), list)
	return classify(err, nil, "mark memories recalled")
}

// ByIDs reads the owner's memories among ids, in one query, by their ids: on SQLite the ids lead
// the join (CROSS JOIN keeps that order), which its planner would otherwise trade for a scan of the
// owner's memories on memories_owner_companion_idx, having no statistics to know better.
func (r memoryRepo) ByIDs(ctx context.Context, ownerID domain.ID, ids []domain.ID) ([]memory.Memory, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, list, err := r.idsIn("m.id", ids)
	if err != nil {
		return nil, err
	}
	query := `SELECT ` + memoryColumns + ` FROM memories m WHERE ` + in + ` AND m.owner_id = ?`
	if r.c.d == SQLite {
		query = `SELECT ` + memoryColumns + ` FROM (SELECT DISTINCT value FROM json_each(?)) j
			CROSS JOIN memories m WHERE m.id = j.value AND m.owner_id = ?`
	}
	return r.list(ctx, query, list, ownerID.String())
}

// idsIn is the condition "column is one of ids" with its one argument — a JSON array on SQLite, an
// array on PostgreSQL — so that the statement's text is the same for any number of ids (one
// prepared statement, not one per count).
func (r memoryRepo) idsIn(column string, ids []domain.ID) (cond string, arg any, err error) {
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = id.String()
	}
	if r.c.d == Postgres {
		return column + ` = ANY (CAST(? AS uuid[]))`, pq.StringArray(strs), nil
	}
	b, err := json.Marshal(strs)
	if err != nil {
		return "", nil, domain.Errorf(domain.KindInternal, "encode memory ids: %w", err)
	}
	return column + ` IN (SELECT value FROM json_each(?))`, string(b), nil
}

func (r memoryRepo) Wipe(ctx context.Context, ownerID, companionID domain.ID) (int, error) {
	n, err := r.c.exec(ctx, `DELETE FROM memories WHERE owner_id = ? AND companion_id = ?`,
		ownerID.String(), companionID.String())
	return int(n), classify(err, nil, "wipe memories")
}

// list runs a query of memoryColumns and decodes its rows.
func (r memoryRepo) list(ctx context.Context, query string, args ...any) ([]memory.Memory, error) {
	var rows []memoryRow
	if err := r.c.sel(ctx, &rows, query, args...); err != nil {
		return nil, classify(err, nil, "list memories")
	}
	out := make([]memory.Memory, 0, len(rows))
	for _, row := range rows {
		m, err := row.memory()
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// memory hydrates a row; one that does not decode is corruption, so internal.
func (row memoryRow) memory() (memory.Memory, error) {
	var m memory.Memory
	var err error
	if m.ID, err = parseID(row.ID); err != nil {
		return m, err
	}
	if m.OwnerID, err = parseID(row.OwnerID); err != nil {
		return m, err
	}
	if m.CompanionID, err = parseID(row.CompanionID); err != nil {
		return m, err
	}
	if m.Category, err = memory.ParseCategory(row.Category); err != nil {
		return m, domain.Errorf(domain.KindInternal, "memory %s: stored category %q: %w", row.ID, row.Category, err)
	}
	if m.Sources, err = decodeSources(row.Sources); err != nil {
		return m, domain.Errorf(domain.KindInternal, "memory %s: %w", row.ID, err)
	}
	m.Text, m.Importance, m.Pinned, m.RecallCount = row.Text, row.Importance, row.Pinned, row.RecallCount
	m.CreatedAt, m.UpdatedAt, m.LastRecalled = row.CreatedAt.Time, row.UpdatedAt.Time, row.LastRecalled.Time
	return m, nil
}

// encodeSources writes a memory's source message ids as a JSON array of strings ([] for none).
func encodeSources(ids []domain.ID) (string, error) {
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = id.String()
	}
	b, err := json.Marshal(strs)
	if err != nil {
		return "", domain.Errorf(domain.KindInternal, "encode memory sources: %w", err)
	}
	return string(b), nil
}

// decodeSources reads them back; none is nil, as memory.New makes it.
func decodeSources(s string) ([]domain.ID, error) {
	var strs []string
	if err := json.Unmarshal([]byte(s), &strs); err != nil {
		return nil, domain.Errorf(domain.KindInternal, "stored sources %q: %w", s, err)
	}
	if len(strs) == 0 {
		return nil, nil
	}
	ids := make([]domain.ID, len(strs))
	for i, str := range strs {
		id, err := parseID(str)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}
