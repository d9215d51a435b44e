package main

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// P4 (SPEC §4): a history page at 10 million messages on PostgreSQL in ≤ 5 ms p99. The section
// generates the messages with SQL (INSERT … SELECT over generate_series) in a fresh migrated database
// — 1 000 people with a companion each, one companion with 1.2 million messages and the rest on a
// skewed (Zipf-like) curve, written in time order so that a companion's messages are spread over
// the heap between everyone else's as in a live hub — and reads pages through the real store
// (sqlstore's Messages().History), newest and deep (10 %, 50 %, 99 % back), against the same reads on
// a small companion. It prints the plan PostgreSQL runs for a deep page (the store's own SQL, taken
// from pg_stat_activity after the store ran it), and fails if that plan is not a keyset index scan.
// One message in ten (a reply) shows a picture, which the gallery keeps: gallery.go generates those
// pictures and measures the gallery's pages and counts in the same database.
func init() {
	sections = append(sections, section{name: "history-10m", unit: "page", run: runHistory10M})
}

const (
	histCompanions = 1000
	histMessages   = 10_000_000
	histBig        = 1_200_000 // the large companion's messages (at least)
	// Every histAltEvery-th user message has a second, regenerated reply (one of the two shown).
	histAltEvery = 20
	histSamples  = 1000 // store calls per case
	histWarmup   = 50
	histWorkers  = 2 // connections generating rows at once (the machine has 2 cores)
	histAppName  = "bench_history_store"
)

var (
	// histEnd is when the generated conversations end; they span the two years before it.
	histEnd  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	histSpan = 730 * 24 * time.Hour
)

// histCompanion is one generated conversation: exchanges user messages, each answered.
type histCompanion struct {
	id, owner string
	exchanges int64
	base      int64 // first of the conversation's 3·exchanges id sequence numbers
	stepMS    int64 // between one user message and the next
}

// histRows is how many messages a conversation of e exchanges has: a user message and a reply
// each, and a second reply to every histAltEvery-th.
func histRows(e int64) int64 { return 2*e + (e+histAltEvery-1)/histAltEvery }

// histID is a version 7 UUID for millisecond ms whose random bits are the sequence number g: what
// the SQL function pg_temp.hid computes for the generated messages.
func histID(ms, g int64) string {
	h := fmt.Sprintf("%018x", g)
	s := fmt.Sprintf("%012x", ms) + "7" + h[:3] + "8" + h[3:]
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// histPlan spreads histMessages over histCompanions: the first companion has histBig, the others
// a share falling with their rank (rank^-0.8), each at least a few exchanges.
func histPlan() []histCompanion {
	t0 := histEnd.Add(-histSpan).UnixMilli()
	cs := make([]histCompanion, histCompanions)
	cs[0].exchanges = (histBig*histAltEvery + 2*histAltEvery) / (2*histAltEvery + 1)
	for histRows(cs[0].exchanges) < histBig {
		cs[0].exchanges++
	}
	rest := float64(histMessages-histRows(cs[0].exchanges)) * histAltEvery / (2*histAltEvery + 1)
	var sum float64
	for k := 2; k <= histCompanions; k++ {
		sum += math.Pow(float64(k), -0.8)
	}
	var total int64
	for i := range cs {
		if i > 0 {
			cs[i].exchanges = max(3, int64(rest*math.Pow(float64(i+1), -0.8)/sum))
		}
		total += histRows(cs[i].exchanges)
	}
	for total < histMessages { // rounding: top up the second companion
		total -= histRows(cs[1].exchanges)
		cs[1].exchanges++
		total += histRows(cs[1].exchanges)
	}
	var base int64 = 1
	for i := range cs {
		cs[i].id = histID(t0, int64(1)<<44+int64(i))
		cs[i].owner = histID(t0, int64(1)<<45+int64(i))
		cs[i].base = base
		base += 3 * cs[i].exchanges
		cs[i].stepMS = histSpan.Milliseconds() / cs[i].exchanges
	}
	return cs
}

func runHistory10M(ctx context.Context, opts options) ([]row, error) {
	dsn := opts.postgresURL
	if dsn == "" {
		var err error
		dsn, _, err = containers.CreateDatabase(ctx, "bench_history", func(ctx context.Context, dsn string) error {
			return migrateDB(ctx, dsn)
		})
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
	} else if err := migrateDB(ctx, dsn); err != nil {
		return nil, err
	}
	admin, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	admin.SetMaxOpenConns(histWorkers + 1)

	plan := histPlan()
	big, small := plan[0], plan[len(plan)-1]
	var rows []row
	var existing int64
	if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM companions WHERE id = ANY($1::uuid[])`,
		pq.Array([]string{big.id, small.id})).Scan(&existing); err != nil {
		return nil, err
	}
	if existing == 2 {
		fmt.Println("history-10m: the database already holds the generated messages; reusing them")
	} else {
		gen, err := histGenerate(ctx, admin, plan)
		rows = append(rows, gen...)
		if err != nil {
			return rows, err
		}
	}

	u, err := url.Parse(dsn)
	if err != nil {
		return rows, err
	}
	q := u.Query()
	q.Set("application_name", histAppName)
	u.RawQuery = q.Encode()
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: secret.String(u.String()), MaxOpenConns: 4, ConnMaxLifetime: time.Hour})
	if err != nil {
		return rows, err
	}
	defer db.Close()
	msgs := sqlstore.NewChatStore(db).Messages()

	bigID, err := domain.ParseID(big.id)
	if err != nil {
		return rows, err
	}
	smallID, err := domain.ParseID(small.id)
	if err != nil {
		return rows, err
	}
	bigShown, err := histShown(ctx, admin, big.id)
	if err != nil {
		return rows, err
	}
	smallShown, err := histShown(ctx, admin, small.id)
	if err != nil {
		return rows, err
	}
	fmt.Printf("history-10m: large companion %s: %d messages, %d shown; small companion %s: %d messages, %d shown\n",
		big.id, histRows(big.exchanges), bigShown, small.id, histRows(small.exchanges), smallShown)

	type depth struct {
		name string
		frac float64 // how far back the first page starts; 0 is the newest page, read again and again
	}
	depths := []depth{{"newest page", 0}, {"10% back", 0.10}, {"50% back", 0.50}, {"99% back", 0.99}}
	var deep domain.Cursor // the large companion's 99 % cursor, for EXPLAIN
	for _, limit := range []int{20, 50} {
		for _, d := range depths {
			bigStart, err := histCursor(ctx, admin, msgs, bigID, int64(d.frac*float64(bigShown)), limit)
			if err != nil {
				return rows, err
			}
			smallStart, err := histCursor(ctx, admin, msgs, smallID, int64(d.frac*float64(smallShown)), limit)
			if err != nil {
				return rows, err
			}
			if d.frac == 0.99 && limit == 20 {
				deep = bigStart
			}
			m, b, err := histMeasure(ctx, [2]func(context.Context) error{
				histPager(bigStart, histHistory(msgs, bigID, limit)), histPager(smallStart, histHistory(msgs, smallID, limit))})
			if err != nil {
				return rows, fmt.Errorf("limit %d, %s: %w", limit, d.name, err)
			}
			how := "scrolling on"
			if d.frac == 0 {
				how = "read again"
			}
			baseline := fmt.Sprintf("%d-message companion", histRows(small.exchanges))
			for _, p := range []float64{50, 99} {
				name := fmt.Sprintf("P4 history page of %d, %s (%s), 1.2M-message companion, p%.0f", limit, d.name, how, p)
				if p == 99 {
					name += " (target ≤ 5 ms)"
				}
				rows = append(rows, row{name: name, result: once(percentile(m, p)), baseline: baseline, base: once(percentile(b, p))})
			}
		}
	}

	server, err := histExplain(ctx, admin, msgs, bigID, deep)
	if err != nil {
		return rows, fmt.Errorf("explain: %w", err)
	}
	// What the database spends on a deep page, against which the client-side figures above compare.
	rows = append(rows, row{name: "P4 history page of 20, 99% back, in PostgreSQL (EXPLAIN ANALYZE planning + execution)", result: once(server)})

	gal, err := runGallery(ctx, admin, db, plan)
	rows = append(rows, gal...)
	if err != nil {
		return rows, fmt.Errorf("gallery: %w", err)
	}
	return rows, nil
}

func migrateDB(ctx context.Context, dsn string) error {
	cfg := companionhub.DefaultConfig()
	cfg.Database.URL = secret.String(dsn)
	db, err := companionhub.OpenDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Migrate(ctx)
	return err
}

// histShown counts the companion's shown messages: what History pages through.
func histShown(ctx context.Context, db *sql.DB, companion string) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE companion_id = $1 AND selected AND NOT hidden`, companion).Scan(&n)
	return n, err
}

// histCursor returns the cursor the store hands out for the page that starts skip shown messages
// back (the zero cursor for skip 0): the position is found with SQL once, then the store reads the
// page before it and its next cursor is the one measured, as a client scrolling there would hold.
func histCursor(ctx context.Context, db *sql.DB, msgs chatuc.MessageRepository, companion domain.ID, skip int64, limit int) (domain.Cursor, error) {
	if skip < int64(limit) {
		return domain.Cursor{}, nil
	}
	var at time.Time
	var id string
	if err := db.QueryRowContext(ctx, `SELECT created_at, id FROM messages WHERE companion_id = $1 AND selected AND NOT hidden
		ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`, companion.String(), skip-int64(limit)).Scan(&at, &id); err != nil {
		return domain.Cursor{}, fmt.Errorf("position %d back: %w", skip, err)
	}
	mid, err := domain.ParseID(id)
	if err != nil {
		return domain.Cursor{}, err
	}
	_, next, err := msgs.History(ctx, companion, domain.Page{After: domain.Cursor{At: at, ID: mid}, Limit: limit})
	if err != nil {
		return domain.Cursor{}, err
	}
	if next.IsZero() {
		return domain.Cursor{}, fmt.Errorf("no page %d back", skip)
	}
	return next, nil
}

// histPage reads the page after a cursor: how many items it holds, and the next page's cursor.
type histPage func(ctx context.Context, after domain.Cursor) (n int, next domain.Cursor, err error)

// histHistory reads the companion's history, limit messages a page.
func histHistory(msgs chatuc.MessageRepository, companion domain.ID, limit int) histPage {
	return func(ctx context.Context, after domain.Cursor) (int, domain.Cursor, error) {
		items, next, err := msgs.History(ctx, companion, domain.Page{After: after, Limit: limit})
		if err == nil && len(items) == 0 {
			err = fmt.Errorf("companion %s: empty page", companion)
		}
		return len(items), next, err
	}
}

// histPager is a reader of pages from start: the newest page again and again for a zero start,
// otherwise scrolling back page by page (back to start at the end).
func histPager(start domain.Cursor, read histPage) func(context.Context) error {
	cur := start
	return func(ctx context.Context) error {
		_, next, err := read(ctx, cur)
		if start.IsZero() || next.IsZero() {
			cur = start
		} else {
			cur = next
		}
		return err
	}
}

// histMeasure times histSamples calls of each of two operations (after histWarmup untimed ones),
// one call of each in turn so that both see the same moments of a shared machine.
func histMeasure(ctx context.Context, ops [2]func(context.Context) error) (a, b []time.Duration, err error) {
	var ds [2][]time.Duration
	for i := range histWarmup + histSamples {
		for k, op := range ops {
			t := time.Now()
			err := op(ctx)
			d := time.Since(t)
			if err != nil {
				return nil, nil, err
			}
			if i >= histWarmup {
				ds[k] = append(ds[k], d)
			}
		}
	}
	return ds[0], ds[1], nil
}

// histExplain has the store read the deep page, takes the SQL it sent from pg_stat_activity, and
// prints PostgreSQL's plan for that SQL with the same arguments, with a verdict; it fails when the
// plan is not a keyset scan of the history's index.
func histExplain(ctx context.Context, db *sql.DB, msgs chatuc.MessageRepository, companion domain.ID, cursor domain.Cursor) (time.Duration, error) {
	const limit = 20
	if _, _, err := msgs.History(ctx, companion, domain.Page{After: cursor, Limit: limit}); err != nil {
		return 0, err
	}
	query, err := storeQuery(ctx, db, `query LIKE '%alt_index%' AND query LIKE '%(m.created_at, m.id) <%'`)
	if err != nil {
		return 0, fmt.Errorf("the store's history query: %w", err)
	}
	// The store's arguments: companion, cursor time (UTC, microseconds), cursor id, limit + 1.
	lines, server, err := explainAnalyze(ctx, db, query,
		companion.String(), cursor.At.UTC().Truncate(time.Microsecond), cursor.ID.String(), limit+1)
	if err != nil {
		return 0, err
	}
	fmt.Printf("history-10m: the store's page query (limit %d, 99%% back on the large companion), as sent:\n  %s\n",
		limit, strings.Join(strings.Fields(query), " "))
	fmt.Println("history-10m: EXPLAIN (ANALYZE, BUFFERS):")
	for _, l := range lines {
		fmt.Println("  " + l)
	}
	verdict := histVerdict(lines)
	fmt.Println("history-10m: verdict: " + verdict)
	if strings.HasPrefix(verdict, "NOT") {
		return 0, fmt.Errorf("the history page query is %s", verdict)
	}
	return server, nil
}

// storeQuery returns the SQL the store (connected as histAppName) last sent that matches cond, a
// condition on pg_stat_activity's query column, as PostgreSQL received it.
func storeQuery(ctx context.Context, db *sql.DB, cond string) (string, error) {
	var query string
	err := db.QueryRowContext(ctx, `SELECT query FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'
		AND `+cond+` ORDER BY state_change DESC LIMIT 1`, histAppName).Scan(&query)
	if err != nil {
		return "", fmt.Errorf("in pg_stat_activity: %w", err)
	}
	var size int
	if err := db.QueryRowContext(ctx, `SELECT setting::int FROM pg_settings WHERE name = 'track_activity_query_size'`).Scan(&size); err != nil {
		return "", err
	}
	if len(query) >= size-1 {
		return "", fmt.Errorf("pg_stat_activity truncates the store's query at %d bytes", size)
	}
	return query, nil
}

// explainAnalyze returns the lines of EXPLAIN (ANALYZE, BUFFERS) for query with args, and what
// PostgreSQL spent on it: planning and execution time.
func explainAnalyze(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, time.Duration, error) {
	rs, err := db.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rs.Close()
	var lines []string
	for rs.Next() {
		var l string
		if err := rs.Scan(&l); err != nil {
			return nil, 0, err
		}
		lines = append(lines, l)
	}
	if err := rs.Err(); err != nil {
		return nil, 0, err
	}
	var server time.Duration
	for _, l := range lines {
		for _, p := range []string{"Planning Time: ", "Execution Time: "} {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), p); ok {
				d, err := time.ParseDuration(strings.ReplaceAll(v, " ", ""))
				if err != nil {
					return nil, 0, fmt.Errorf("plan %q: %w", l, err)
				}
				server += d
			}
		}
	}
	return lines, server, nil
}

// histVerdict reads a plan: is the page a keyset range scan of messages_history_idx, in the
// index's order (no Sort), with no sequential scan?
func histVerdict(lines []string) string {
	plan := strings.Join(lines, "\n")
	var scan string
	switch {
	case strings.Contains(plan, "Index Only Scan using messages_history_idx on messages m"):
		scan = "Index Only Scan"
	case strings.Contains(plan, "Index Scan using messages_history_idx on messages m"):
		scan = "Index Scan"
	}
	var problems []string
	if scan == "" {
		problems = append(problems, "the page is not read from messages_history_idx")
	}
	if slices.ContainsFunc(lines, func(l string) bool {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "->"))
		return strings.HasPrefix(l, "Sort") || strings.HasPrefix(l, "Incremental Sort")
	}) {
		problems = append(problems, "a Sort node")
	}
	if strings.Contains(plan, "Seq Scan") {
		problems = append(problems, "a Seq Scan")
	}
	if !strings.Contains(plan, "ROW(m.created_at, m.id) < ROW(") && !strings.Contains(plan, "ROW(created_at, id) < ROW(") {
		problems = append(problems, "the cursor is not an Index Cond (the scan does not start at the cursor)")
	}
	if len(problems) > 0 {
		return "NOT a keyset index scan: " + strings.Join(problems, "; ")
	}
	v := scan + " of messages_history_idx starting at the cursor (Index Cond on (companion_id, (created_at, id))), no Sort, no Seq Scan"
	if scan == "Index Scan" {
		v += "; not index-only because the page selects every column of the message (text, scene, …), which" +
			" only the heap holds: one heap visit per row of the page"
	}
	return v
}

// histGenerate fills the database with the plan's users, companions and messages, all with SQL,
// and returns what it took. The messages' indexes and foreign keys are dropped for the bulk insert
// and recreated from their own definitions afterwards (checked against the catalog's before), so
// the table ends up exactly as the migrations made it, every constraint validated.
func histGenerate(ctx context.Context, db *sql.DB, plan []histCompanion) ([]row, error) {
	var total int64
	ids, owners := make([]string, len(plan)), make([]string, len(plan))
	exch, base, step := make([]int64, len(plan)), make([]int64, len(plan)), make([]int64, len(plan))
	for i, c := range plan {
		total += histRows(c.exchanges)
		ids[i], owners[i], exch[i], base[i], step[i] = c.id, c.owner, c.exchanges, c.base, c.stepMS
		if c.stepMS < 60_000 {
			return nil, fmt.Errorf("companion %d: %d exchanges do not fit in %s", i, c.exchanges, histSpan)
		}
	}
	fmt.Printf("history-10m: generating %d messages for %d companions (largest %d, smallest %d)…\n",
		total, len(plan), histRows(plan[0].exchanges), histRows(plan[len(plan)-1].exchanges))
	start := time.Now()
	t0 := histEnd.Add(-histSpan)
	if _, err := db.ExecContext(ctx, `INSERT INTO users (id, email, username, display_name, password_hash, created_at, updated_at)
		SELECT u, 'bench' || k || '@example.test', 'bench' || k, 'Bench ' || k,
			'$argon2id$v=19$m=65536,t=1,p=2$YmVuY2hzYWx0$YmVuY2hoYXNo', $2, $2
		FROM unnest($1::uuid[]) WITH ORDINALITY AS x(u, k)`, pq.Array(owners), t0); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO companions (id, owner_id, name, age, art_style, content_rating, archetype,
			relationship_to_user, occupation, visibility, profile, scene_outfit, scene_location, scene_action, scene_mood,
			affection, trust, created_at, updated_at)
		SELECT c, u, 'Companion ' || k, 25, 'anime', 'general', 'caring', 'friend', 'barista', 'private',
			jsonb_build_object('name', 'Companion ' || k), '["sweater"]', 'home', 'reading', 'happy', 50, 50, $3, $3
		FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS x(c, u, k)`, pq.Array(ids), pq.Array(owners), t0); err != nil {
		return nil, fmt.Errorf("companions: %w", err)
	}

	ddl, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer ddl.Close()
	before, err := histSchema(ctx, ddl, "messages")
	if err != nil {
		return nil, err
	}
	recreate, err := histDropIndexes(ctx, ddl, "messages")
	if err != nil {
		return nil, err
	}

	// Time slices, written by histWorkers connections at once; each slice in time order.
	const parts = 8
	work := make(chan int, parts)
	for s := range parts {
		work <- s
	}
	close(work)
	errs := make(chan error, histWorkers)
	for range histWorkers {
		go func() {
			errs <- func() error {
				conn, err := db.Conn(ctx)
				if err != nil {
					return err
				}
				defer conn.Close()
				for _, stmt := range []string{`SET work_mem = '512MB'`, histIDFunc} {
					if _, err := conn.ExecContext(ctx, stmt); err != nil {
						return err
					}
				}
				for s := range work {
					if _, err := conn.ExecContext(ctx, histInsert, pq.Array(ids), pq.Array(exch), pq.Array(base),
						pq.Array(step), t0.UnixMilli(), s, parts, histLorem); err != nil {
						return fmt.Errorf("messages, slice %d: %w", s, err)
					}
				}
				return nil
			}()
		}()
	}
	for range histWorkers {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		return nil, err
	}
	inserted := time.Since(start)
	t := time.Now()
	if _, err := db.ExecContext(ctx, `VACUUM (FREEZE) messages, users, companions`); err != nil {
		return nil, fmt.Errorf("vacuum: %w", err)
	}
	vacuumed := time.Since(t)
	t = time.Now()
	if err := recreate(); err != nil {
		return nil, err
	}
	indexed := time.Since(t)
	after, err := histSchema(ctx, ddl, "messages")
	if err != nil {
		return nil, err
	}
	if !slices.Equal(before, after) {
		return nil, fmt.Errorf("the recreated indexes and constraints differ from the migrations':\nbefore %q\nafter  %q", before, after)
	}
	t = time.Now()
	if _, err := db.ExecContext(ctx, `ANALYZE messages, users, companions`); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	analyzed := time.Since(t)
	var n int64
	var size string
	if err := db.QueryRowContext(ctx, `SELECT count(*), pg_size_pretty(pg_total_relation_size('messages')) FROM messages`).Scan(&n, &size); err != nil {
		return nil, err
	}
	all := time.Since(start)
	fmt.Printf("history-10m: %d messages (%s with indexes) in %.1f s: insert %.1f s, vacuum %.1f s, indexes and keys %.1f s, analyze %.1f s\n",
		n, size, all.Seconds(), inserted.Seconds(), vacuumed.Seconds(), indexed.Seconds(), analyzed.Seconds())
	return []row{
		{name: fmt.Sprintf("generate %d messages with SQL, total", n), result: once(all)},
		{name: fmt.Sprintf("  INSERT … SELECT generate_series, %d connections", histWorkers), result: once(inserted)},
		{name: "  VACUUM (FREEZE)", result: once(vacuumed)},
		{name: "  recreate the migrations' indexes and foreign keys", result: once(indexed)},
		{name: "  ANALYZE", result: once(analyzed)},
	}, nil
}

// sqlConn is one connection to the database, or a transaction on one: *sql.Conn, *sql.Tx.
type sqlConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// histSchema lists the tables' indexes and the constraints on or referencing them, with their
// definitions, sorted.
func histSchema(ctx context.Context, db sqlConn, tables ...string) ([]string, error) {
	rs, err := db.QueryContext(ctx, `SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1)
		UNION ALL SELECT 'constraint ' || conrelid::regclass || '.' || conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = ANY($1::text[]::regclass[]) OR confrelid = ANY($1::text[]::regclass[])`, pq.Array(tables))
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var s string
		if err := rs.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out, rs.Err()
}

// histDropIndexes drops the foreign keys on and to the tables, their primary and unique keys and
// their indexes, and returns the function that recreates them from the catalog's definitions: keys
// and indexes first, then the foreign keys (validated as they are added). Both run on db, a
// connection or a transaction (with whose work_mem the indexes are sorted).
func histDropIndexes(ctx context.Context, db sqlConn, tables ...string) (func() error, error) {
	type def struct{ drop, create string }
	var fks, keys, idxs []def
	load := func(query string, into *[]def) error {
		rs, err := db.QueryContext(ctx, query, pq.Array(tables))
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var d def
			if err := rs.Scan(&d.drop, &d.create); err != nil {
				return err
			}
			*into = append(*into, d)
		}
		return rs.Err()
	}
	if err := load(`SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
			format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
		FROM pg_constraint WHERE contype = 'f' AND (conrelid = ANY($1::text[]::regclass[]) OR confrelid = ANY($1::text[]::regclass[]))`, &fks); err != nil {
		return nil, err
	}
	if err := load(`SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
			format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
		FROM pg_constraint WHERE contype IN ('p', 'u') AND conrelid = ANY($1::text[]::regclass[])`, &keys); err != nil {
		return nil, err
	}
	if err := load(`SELECT format('DROP INDEX %I', i.relname), pg_get_indexdef(i.oid)
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		WHERE x.indrelid = ANY($1::text[]::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)`, &idxs); err != nil {
		return nil, err
	}
	for _, group := range [][]def{fks, keys, idxs} {
		for _, d := range group {
			if _, err := db.ExecContext(ctx, d.drop); err != nil {
				return nil, fmt.Errorf("%s: %w", d.drop, err)
			}
		}
	}
	return func() error {
		if _, err := db.ExecContext(ctx, `SET maintenance_work_mem = '1GB'`); err != nil {
			return err
		}
		for _, group := range [][]def{keys, idxs, fks} {
			for _, d := range group {
				if _, err := db.ExecContext(ctx, d.create); err != nil {
					return fmt.Errorf("%s: %w", d.create, err)
				}
			}
		}
		return nil
	}, nil
}

// histIDFunc is histID in SQL, for this session (an inlined SQL function).
const histIDFunc = `CREATE OR REPLACE FUNCTION pg_temp.hid(ms bigint, g bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT (lpad(to_hex(ms), 12, '0') || '7' || substr(lpad(to_hex(g), 18, '0'), 1, 3) || '8' ||
		substr(lpad(to_hex(g), 18, '0'), 4))::uuid $$`

// histInsert writes time slice $6 of $7 of every conversation, oldest first. Exchange j of a
// conversation is its user message at start + j·step (r = 0), the reply 3 s later (r = 1) and, for
// every histAltEvery-th, a regenerated reply 41 s later (r = 2; one of the two replies is shown).
// Replies carry their turn and a scene; the first reply of every fifth exchange (one message in ten)
// shows a picture rendered 20 s after it (picture_id: the gallery's row, which gallery.go writes; its
// id is hid(reply + 20 s, g + 2^41)); one user message in 500 is hidden.
// Texts are 20–200 bytes cut from $8. Arguments: companions, exchanges, id bases, steps (ms), start (ms).
const histInsert = `INSERT INTO messages (id, companion_id, role, text, reply_to, turn_id, selected, hidden, scene,
		image_key, image_content_type, image_bytes, image_width, image_height, picture_id, created_at)
	SELECT pg_temp.hid(s.ms, s.g), s.cid,
		CASE WHEN s.r = 0 THEN 'user' ELSE 'assistant' END,
		substr($8, 1 + (s.g * 7 % 211)::int, 20 + (s.g * 131 % 181)::int),
		CASE WHEN s.r > 0 THEN pg_temp.hid(s.ums, s.ug) END,
		CASE WHEN s.r > 0 THEN pg_temp.hid(s.ms, s.g + 1099511627776) END,
		CASE WHEN s.r = 0 OR s.j % 20 <> 0 THEN true WHEN s.j % 40 = 0 THEN s.r = 2 ELSE s.r = 1 END,
		s.r = 0 AND s.j % 500 = 499,
		CASE WHEN s.r > 0 THEN (ARRAY[
			'{"outfit":["sweater"],"location":"home","action":"talking","mood":"neutral"}',
			'{"outfit":["sweater"],"location":"home","action":"smiling","mood":"happy"}',
			'{"outfit":["hoodie","jeans"],"location":"park","action":"walking","mood":"playful"}',
			'{"outfit":["hoodie","jeans"],"location":"park","action":"sitting","mood":"affectionate"}',
			'{"outfit":["dress"],"location":"cafe","action":"laughing","mood":"excited"}',
			'{"outfit":["dress"],"location":"cafe","action":"leaning in","mood":"flirty"}',
			'{"outfit":["coat"],"location":"street","action":"looking away","mood":"melancholic"}',
			'{"outfit":["coat"],"location":"street","action":"frowning","mood":"irritated"}',
			'{"outfit":["t-shirt"],"location":"home","action":"pouting","mood":"jealous"}',
			'{"outfit":["t-shirt"],"location":"home","action":"pacing","mood":"worried"}',
			'{"outfit":["pajamas"],"location":"bedroom","action":"blushing","mood":"embarrassed"}',
			'{"outfit":["pajamas"],"location":"bedroom","action":"resting","mood":"neutral"}'
		]::jsonb[])[1 + (s.j % 12)::int] END,
		CASE WHEN s.r = 1 AND s.j % 5 = 2 THEN 'img/' || translate(lpad(to_hex(s.g), 26, '0'), '0189', 'wxyz') || '.webp' END,
		CASE WHEN s.r = 1 AND s.j % 5 = 2 THEN 'image/webp' END,
		CASE WHEN s.r = 1 AND s.j % 5 = 2 THEN 150000 + s.g % 90000 END,
		CASE WHEN s.r = 1 AND s.j % 5 = 2 THEN 768 END,
		CASE WHEN s.r = 1 AND s.j % 5 = 2 THEN 1024 END,
		CASE WHEN s.r = 1 AND s.j % 5 = 2 THEN pg_temp.hid(s.ms + 20000, s.g + 2199023255552) END,
		timestamptz 'epoch' + s.ms * interval '1 millisecond'
	FROM (
		SELECT c.cid, j, r, c.base + j * 3 + r AS g, c.base + j * 3 AS ug, $5 + j * c.step AS ums,
			$5 + j * c.step + CASE r WHEN 0 THEN 0 WHEN 1 THEN 3000 ELSE 41000 END AS ms
		FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[]) AS c(cid, e, base, step)
		CROSS JOIN LATERAL generate_series(c.e * $6 / $7, c.e * ($6 + 1) / $7 - 1) AS j
		CROSS JOIN generate_series(0, 2) AS r
		WHERE r < 2 OR j % 20 = 0
		ORDER BY ms
	) s`

// histLorem is what the messages' texts are cut from.
const histLorem = `I missed you today. The rain kept tapping on the window and I kept thinking about what you said ` +
	`last night, about the lighthouse and the boat that never came back. Tell me more? I made tea, the ` +
	`kind with orange peel, and I saved you a cup. What are you reading now? I want to hear everything, ` +
	`every small thing, even the boring parts. Especially the boring parts. Do you remember the bakery on ` +
	`the corner, the one with the blue door? It closed. I walked past it twice before I noticed.`
