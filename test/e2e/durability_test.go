package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // registers "sqlite": the tests read the embedded profile's database file

	"github.com/companionhub/companionhub/test/awaittest"
)

// TestEmbeddedProfileSurvivesKill: `serve` on the embedded profile (SQLite and files in
// COMPANIONHUB_DATA_DIR) is killed (SIGKILL) at once in the middle of everything that writes: a
// reply being written, an upload whose body is half sent, and an upload between storing its file
// and recording it (held there by the test, which keeps SQLite's write lock while the hub stores
// the file). Afterwards the database is sound — integrity and foreign keys, right after the crash
// and after the next start — nothing refers to what is not there, the next start finishes the turn
// as interrupted, and the only file no row names is the one the crash orphaned, which
// `admin cleanup-orphans` removes once it is past its grace; the files in use stay.
func TestEmbeddedProfileSurvivesKill(t *testing.T) {
	t.Parallel()
	env := map[string]string{"COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND": "2",
		"COMPANIONHUB_TURN_LEASE_TTL": "2s", "COMPANIONHUB_TURN_LEASE_RENEW_EVERY": "1s", "COMPANIONHUB_TURN_REAP_EVERY": "1s"}
	h := startHub(t, env)
	dataDir := filepath.Join(h.cmd.Dir, "data")
	dbFile := filepath.Join(dataDir, "companionhub.db")
	blobs := filepath.Join(dataDir, "blobs")

	// A reply being written.
	talker := newChatter(t, h, "")
	sent := talker.send(t, "Tell me about the stars.")
	talker.follow(t, sent.Turn.ID, 0).untilTokens(1)

	// A header image in use.
	keeper := newChatter(t, h, "")
	res := keeper.do("PUT", "/api/v1/companions/"+keeper.companion+"/header-image", picture(t, 64, 48), header("Content-Type", "image/png"))
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	var kept companionResp
	res.json(t, &kept)
	require.NotNil(t, kept.Companion.HeaderImage)
	inUse := blobFiles(t, blobs)
	require.Len(t, inUse, 1, "the header image's file")

	// An upload whose body is half sent when the hub dies.
	halfway := newChatter(t, h, "")
	body := picture(t, 300, 200)
	pr, pw := io.Pipe()
	defer pw.Close()
	uploaded := make(chan error, 1)
	go func() { uploaded <- putHeader(halfway, pr, int64(len(body))) }()
	_, err := pw.Write(body[:len(body)/2]) // returns once the client took it to send
	require.NoError(t, err)

	// An upload held between its file and its row: the test takes SQLite's write lock, so the hub
	// stores the file and then waits to record it.
	lock := openSQLite(t, dbFile, false)
	conn, err := lock.Conn(t.Context())
	require.NoError(t, err)
	_, err = conn.ExecContext(t.Context(), "BEGIN IMMEDIATE")
	require.NoError(t, err)
	t.Cleanup(func() { // if the test fails with the lock held: the hub could not stop
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		_ = conn.Close()
	})
	replaced := make(chan error, 1)
	second := picture(t, 80, 60)
	go func() { replaced <- putHeader(keeper, bytes.NewReader(second), int64(len(second))) }()
	var orphan string
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		files, err := listBlobs(blobs)
		require.NoError(ct, err)
		files = slices.DeleteFunc(files, func(f string) bool { return f == inUse[0] })
		require.Len(ct, files, 1, "the second upload's file is stored")
		orphan = files[0]
	}, awaittest.Patience, 5*time.Millisecond, "the upload stores its file")
	require.NotContains(t, []string{"completed", "failed", "cancelled"}, talker.turn(t, sent.Turn.ID).Status,
		"the reply is still being written")

	h.kill(t)
	// The rest of the body can no longer be sent (net/http's client waits for its body to end).
	require.NoError(t, pw.CloseWithError(io.ErrClosedPipe))
	require.Error(t, awaittest.Recv(t, uploaded, "the end of the half-sent upload"), "the half-sent upload never got an answer")
	require.Error(t, awaittest.Recv(t, replaced, "the end of the held upload"), "the held upload never got an answer")
	_, err = conn.ExecContext(t.Context(), "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, lock.Close())

	// Right after the crash, as the next start will find it.
	requireSoundDatabase(t, dbFile)

	// The next start finishes the turn its dead runner left, and the conversation goes on.
	h2 := startHub(t, with(env, "COMPANIONHUB_DATA_DIR", dataDir, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "0"))
	talker2 := &chatter{client: h2.client(t), token: talker.token, companion: talker.companion}
	talker2.bearer = talker.token
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		turn := talker2.turn(ct, sent.Turn.ID)
		require.Equal(ct, "failed", turn.Status)
		require.NotNil(ct, turn.Error)
		require.Equal(ct, "interrupted", turn.Error.Code)
	}, awaittest.Patience, 100*time.Millisecond, "the next start finishes the turn its dead runner left")
	require.Equal(t, []string{"user"}, roles(talker2.history(t)), "no half-written reply")
	require.NotEmpty(t, completed(t, talker2.follow(t, talker2.send(t, "Are you back?").Turn.ID, 0).rest()).Text)

	// The header image in use is still the first one, served; the half-sent one left nothing.
	keeper2 := &chatter{client: h2.client(t), token: keeper.token, companion: keeper.companion}
	keeper2.bearer = keeper.token
	var now companionResp
	keeper2.do("GET", "/api/v1/companions/"+keeper.companion, nil).json(t, &now)
	require.NotNil(t, now.Companion.HeaderImage)
	require.Equal(t, kept.Companion.HeaderImage.URL, now.Companion.HeaderImage.URL, "the held upload never replaced it")
	require.Equal(t, http.StatusOK, keeper2.do("GET", now.Companion.HeaderImage.URL, nil).StatusCode)
	halfway2 := &chatter{client: h2.client(t), token: halfway.token, companion: halfway.companion}
	halfway2.bearer = halfway.token
	var none companionResp
	halfway2.do("GET", "/api/v1/companions/"+halfway.companion, nil).json(t, &none)
	require.Nil(t, none.Companion.HeaderImage, "the half-sent upload changed nothing")
	h2.stop()

	// With the hub stopped: sound, nothing dangling, and the one orphan is the held upload's file.
	requireSoundDatabase(t, dbFile)
	db := openSQLite(t, dbFile, true)
	for what, query := range danglingQueries {
		var n int
		require.NoError(t, db.QueryRow(query).Scan(&n), what)
		assert.Zero(t, n, what)
	}
	recorded := map[string]bool{}
	rows, err := db.Query("SELECT key FROM media")
	require.NoError(t, err)
	for rows.Next() {
		var key string
		require.NoError(t, rows.Scan(&key))
		recorded[key] = true
		_, err := os.Stat(filepath.Join(blobs, filepath.FromSlash(key)))
		assert.NoError(t, err, "the file of media row %s is there", key)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, db.Close())
	var unrecorded []string
	for _, f := range blobFiles(t, blobs) {
		if !recorded[f] {
			unrecorded = append(unrecorded, f)
		}
	}
	require.Equal(t, []string{orphan}, unrecorded, "the only file no row names is the held upload's")
	require.FileExists(t, filepath.Join(blobs, filepath.FromSlash(orphan))+".attrs")

	// cleanup-orphans leaves a file younger than its grace (an upload may be in flight), and
	// removes it once older.
	env2 := []string{"COMPANIONHUB_DATA_DIR=" + dataDir}
	out, code := runBinary(t, h.cmd.Dir, env2, "", "admin", "cleanup-orphans")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "deleted 0 orphan(s)")
	old := time.Now().Add(-3 * time.Hour) // past the default grace of an hour
	require.NoError(t, os.Chtimes(filepath.Join(blobs, filepath.FromSlash(orphan)), old, old))
	out, code = runBinary(t, h.cmd.Dir, env2, "", "admin", "cleanup-orphans")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "deleted 1 orphan(s)")
	require.NoFileExists(t, filepath.Join(blobs, filepath.FromSlash(orphan)))
	require.NoFileExists(t, filepath.Join(blobs, filepath.FromSlash(orphan))+".attrs")
	require.Len(t, blobFiles(t, blobs), len(recorded), "every file in use stays")
	t.Logf("after the kill: turn %s failed as interrupted; %d file(s) in use kept; orphan %s swept; "+
		"half-sent upload left nothing", sent.Turn.ID, len(recorded), orphan)
}

// danglingQueries count what would refer to nothing, or be left unfinished, after a crash — what
// foreign keys do not rule out.
var danglingQueries = map[string]string{
	"a person's message without its turn": `SELECT count(*) FROM messages m WHERE m.role = 'user'
		AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.user_message_id = m.id)`,
	"a reply without the turn that wrote it": `SELECT count(*) FROM messages m WHERE m.role = 'assistant'
		AND (m.turn_id IS NULL OR NOT EXISTS (SELECT 1 FROM turns t WHERE t.id = m.turn_id))`,
	"a turn left unfinished": `SELECT count(*) FROM turns WHERE status NOT IN ('completed', 'failed', 'cancelled')`,
	"a completed turn without its reply": `SELECT count(*) FROM turns t WHERE t.status = 'completed'
		AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = t.reply_id)`,
	"a turn's reply that is not its own": `SELECT count(*) FROM turns t JOIN messages m ON m.id = t.reply_id
		WHERE m.turn_id IS NOT t.id`,
	"a header image without its media row": `SELECT count(*) FROM companions c WHERE c.header_key IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM media WHERE media.key = c.header_key)`,
	"a message's picture or recording without its media row": `SELECT count(*) FROM messages m
		WHERE (m.image_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM media WHERE media.key = m.image_key))
		OR (m.audio_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM media WHERE media.key = m.audio_key))`,
}

// openSQLite opens the embedded profile's database file — read-only, or to take its locks.
func openSQLite(t *testing.T, file string, readOnly bool) *sql.DB {
	t.Helper()
	dsn := "file:" + file + "?_pragma=busy_timeout(10000)"
	if readOnly {
		dsn += "&mode=ro"
	}
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// requireSoundDatabase checks the database file as SQLite sees it: PRAGMA integrity_check says
// ok, and PRAGMA foreign_key_check finds no row pointing at nothing.
func requireSoundDatabase(t *testing.T, file string) {
	t.Helper()
	db := openSQLite(t, file, true)
	defer db.Close()
	var integrity []string
	rows, err := db.QueryContext(context.Background(), "PRAGMA integrity_check")
	require.NoError(t, err)
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		integrity = append(integrity, line)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"ok"}, integrity)
	rows, err = db.QueryContext(context.Background(), "PRAGMA foreign_key_check")
	require.NoError(t, err)
	var dangling bytes.Buffer
	cols, err := rows.Columns()
	require.NoError(t, err)
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		for _, v := range vals {
			dangling.WriteString(strconv.Quote(strings.TrimSpace(toString(v))) + " ")
		}
		dangling.WriteString("\n")
	}
	require.NoError(t, rows.Err())
	require.Empty(t, dangling.String(), "rows whose foreign keys point at nothing (table, rowid, parent, fk)")
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	default:
		return ""
	}
}

// putHeader uploads a header image for c's companion from body (of size n, which it may never
// finish giving), safe on any goroutine: it reports the failure to get an answer, or nil.
func putHeader(c *chatter, body io.Reader, n int64) error {
	req, err := http.NewRequest("PUT", c.h.URL+"/api/v1/companions/"+c.companion+"/header-image", body)
	if err != nil {
		return err
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", "image/png")
	req.Header.Set("Authorization", "Bearer "+c.bearer)
	req.Header.Set("X-Forwarded-For", c.ip)
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, res.Body)
	return errors.Join(err, res.Body.Close())
}

// blobFiles are the keys of the files in the local blob store, without fileblob's bookkeeping
// (".attrs" sidecars, temporary ".tmp" files), sorted.
func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	keys, err := listBlobs(dir)
	require.NoError(t, err)
	return keys
}

func listBlobs(dir string) ([]string, error) {
	var keys []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".attrs") || strings.HasSuffix(path, ".tmp") {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		keys = append(keys, filepath.ToSlash(rel))
		return err
	})
	if os.IsNotExist(err) {
		err = nil
	}
	slices.Sort(keys)
	return keys, err
}
