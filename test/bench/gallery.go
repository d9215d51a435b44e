package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/picture"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
)

// The gallery half of P4 (SPEC §4: "a history or gallery page at 10 million messages (Postgres):
// ≤ 5 ms p99"), in history-10m's database. Every picture a generated message shows is in its
// owner's gallery (about a million: one message in ten), and every owner also has standalone
// pictures, of no companion, one per ten of their chat pictures; each picture has its image and
// thumbnail rows in media, which its foreign keys need. All of it is written with SQL, in time
// order, so that a gallery's rows are spread over the heap as in a live hub. The gallery is then
// read through the real store (sqlstore.GalleryRepository): pages of picture.PageLimit, newest and
// deep, of the large companion's gallery and of its owner's whole gallery, against the same reads
// on the small companion's; and Count, which the gallery shows beside its pages. The section
// fails if PostgreSQL does not read a deep page as a keyset range of the gallery's index, or a
// count from the kept totals' primary key.
//
// Count reads the totals kept by triggers (picture_counts, migration 00011): one row for a
// companion's gallery, the sum of the owner's few for the whole gallery. COUNT(*) over the
// gallery's index entries, what it did before, took 15–20 ms for the large companion's 117 000
// pictures (100–150 ns an entry; what 10 pictures an hour, the default image rate limit, make in
// 16 months). The bulk insert below runs with the trigger off and fills the totals with one
// GROUP BY, as the migration does.

// galStandaloneEvery: an owner has a standalone picture per galStandaloneEvery exchanges with
// their companion (one per ten chat pictures: a chat picture is one per five exchanges).
const galStandaloneEvery = 50

// runGallery generates the gallery if the database does not hold it yet, and measures a
// companion's gallery and its owner's whole gallery.
func runGallery(ctx context.Context, admin *sql.DB, db *sqlstore.DB, plan []histCompanion) ([]row, error) {
	var rows []row
	var exists bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pictures WHERE owner_id = $1)`, plan[0].owner).Scan(&exists); err != nil {
		return nil, err
	}
	if exists {
		fmt.Println("history-10m: the database already holds the generated gallery; reusing it")
		if err := galVacuum(ctx, admin); err != nil {
			return nil, err
		}
	} else {
		gen, err := galGenerate(ctx, admin, plan)
		rows = append(rows, gen...)
		if err != nil {
			return rows, err
		}
	}
	gallery := sqlstore.GalleryRepository(db)
	for _, g := range []struct {
		what, idx string
		whole     bool
	}{{"companion's gallery", "pictures_owner_companion_idx", false}, {"owner's whole gallery", "pictures_owner_idx", true}} {
		var fs [2]picture.Filter // the large companion's and the small one's
		for k, c := range []histCompanion{plan[0], plan[len(plan)-1]} {
			var err error
			if fs[k].OwnerID, err = domain.ParseID(c.owner); err == nil && !g.whole {
				fs[k].CompanionID, err = domain.ParseID(c.id)
			}
			if err != nil {
				return rows, err
			}
		}
		r, err := galMeasure(ctx, admin, gallery, g.what, g.idx, fs)
		rows = append(rows, r...)
		if err != nil {
			return rows, fmt.Errorf("%s: %w", g.what, err)
		}
	}
	return rows, nil
}

// galMeasure reads two galleries, fs[0] measured and fs[1] its baseline: pages at four depths and
// Count, then the plans of fs[0]'s deep page and count (galExplain).
func galMeasure(ctx context.Context, admin *sql.DB, gallery pictureuc.Gallery, what, idx string, fs [2]picture.Filter) ([]row, error) {
	var n [2]int64
	for k, f := range fs {
		var err error
		if n[k], err = galSize(ctx, admin, f); err != nil {
			return nil, err
		}
	}
	fmt.Printf("history-10m: %s: %d pictures (the large companion's owner), %d (the small one's)\n", what, n[0], n[1])
	var rows []row
	add := func(name string, m, b []time.Duration) {
		for _, p := range []float64{50, 99} {
			r := row{name: fmt.Sprintf("%s, %s of %d pictures, p%.0f", name, what, n[0], p), result: once(percentile(m, p)),
				baseline: fmt.Sprintf("%d-picture gallery", n[1]), base: once(percentile(b, p))}
			if p == 99 {
				r.name += " (target ≤ 5 ms)"
			}
			rows = append(rows, r)
		}
	}
	var deep domain.Cursor // fs[0]'s 99 % cursor, for EXPLAIN
	for _, d := range []struct {
		name string
		frac float64 // how far back the first page starts; 0 is the newest page, read again and again
	}{{"newest page (read again)", 0}, {"10% back (scrolling on)", 0.10}, {"50% back (scrolling on)", 0.50}, {"99% back (scrolling on)", 0.99}} {
		var ops [2]func(context.Context) error
		for k, f := range fs {
			start, err := galCursor(ctx, admin, gallery, f, int64(d.frac*float64(n[k])))
			if err != nil {
				return rows, err
			}
			if k == 0 && d.frac == 0.99 {
				deep = start
			}
			ops[k] = histPager(start, galList(gallery, f))
		}
		m, b, err := histMeasure(ctx, ops)
		if err != nil {
			return rows, fmt.Errorf("%s: %w", d.name, err)
		}
		add(fmt.Sprintf("P4 gallery page of %d, %s", picture.PageLimit, d.name), m, b)
	}
	count := func(f picture.Filter) func(context.Context) error {
		return func(ctx context.Context) error { _, err := gallery.Count(ctx, f); return err }
	}
	m, b, err := histMeasure(ctx, [2]func(context.Context) error{count(fs[0]), count(fs[1])})
	if err != nil {
		return rows, fmt.Errorf("count: %w", err)
	}
	if p99 := percentile(m, 99); p99 > 5*time.Millisecond {
		fmt.Printf("history-10m: SLOW: Count over the %s of %d pictures takes %.1f ms at p99 (p50 %.1f ms), over a page's 5 ms\n",
			what, n[0], ms(p99), ms(percentile(m, 50)))
	}
	add("P4 gallery Count (the total shown with the pages)", m, b)
	for _, cursor := range []domain.Cursor{deep, {}} {
		server, err := galExplain(ctx, admin, gallery, fs[0], cursor, idx)
		if err != nil {
			return rows, fmt.Errorf("explain: %w", err)
		}
		name := fmt.Sprintf("P4 gallery page of %d, 99%% back", picture.PageLimit)
		if cursor.IsZero() {
			name = "P4 gallery Count"
		}
		rows = append(rows, row{name: fmt.Sprintf("%s, %s, in PostgreSQL (EXPLAIN ANALYZE planning + execution)", name, what),
			result: once(server)})
	}
	return rows, nil
}

// galList reads the filter's gallery, a page of picture.PageLimit at a time.
func galList(g pictureuc.Gallery, f picture.Filter) histPage {
	return func(ctx context.Context, after domain.Cursor) (int, domain.Cursor, error) {
		items, next, err := g.List(ctx, f, domain.Page{After: after, Limit: picture.PageLimit})
		if err == nil && len(items) == 0 {
			err = fmt.Errorf("gallery %+v: empty page", f)
		}
		return len(items), next, err
	}
}

// galWhere is the filter as SQL for the admin connection.
func galWhere(f picture.Filter) (string, []any) {
	if f.CompanionID.IsZero() {
		return `owner_id = $1`, []any{f.OwnerID.String()}
	}
	return `owner_id = $1 AND companion_id = $2`, []any{f.OwnerID.String(), f.CompanionID.String()}
}

// galSize counts the filter's pictures with SQL.
func galSize(ctx context.Context, db *sql.DB, f picture.Filter) (int64, error) {
	where, args := galWhere(f)
	var n int64
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM pictures WHERE `+where, args...).Scan(&n)
	return n, err
}

// galCursor is histCursor for a gallery: the cursor the store hands out for the page starting
// skip pictures back (zero for the newest page).
func galCursor(ctx context.Context, db *sql.DB, g pictureuc.Gallery, f picture.Filter, skip int64) (domain.Cursor, error) {
	if skip < picture.PageLimit {
		return domain.Cursor{}, nil
	}
	where, args := galWhere(f)
	var at time.Time
	var id string
	if err := db.QueryRowContext(ctx, `SELECT created_at, id FROM pictures WHERE `+where+`
		ORDER BY created_at DESC, id DESC OFFSET `+fmt.Sprint(skip-picture.PageLimit)+` LIMIT 1`, args...).Scan(&at, &id); err != nil {
		return domain.Cursor{}, fmt.Errorf("picture %d back: %w", skip, err)
	}
	pid, err := domain.ParseID(id)
	if err != nil {
		return domain.Cursor{}, err
	}
	_, next, err := g.List(ctx, f, domain.Page{After: domain.Cursor{At: at, ID: pid}, Limit: picture.PageLimit})
	if err == nil && next.IsZero() {
		err = fmt.Errorf("no page %d back", skip)
	}
	return next, err
}

// galExplain has the store read the page after cursor (Count for a zero cursor), takes the SQL it
// sent from pg_stat_activity and prints PostgreSQL's plan for it, with a verdict: the read must be
// a range of index idx (from the cursor for a page), with no Sort and no Seq Scan, or galExplain
// fails.
func galExplain(ctx context.Context, db *sql.DB, g pictureuc.Gallery, f picture.Filter, cursor domain.Cursor, idx string) (time.Duration, error) {
	where, args := galWhere(f)
	what, cond := "page query (99% back)", `query LIKE '%FROM pictures WHERE `+where+` AND (created_at, id) <%'`
	table := "pictures"
	if cursor.IsZero() {
		what, cond = "Count", `query LIKE '%FROM picture_counts WHERE `+where+`'`
		table, idx = "picture_counts", "picture_counts_pkey"
		if _, err := g.Count(ctx, f); err != nil {
			return 0, err
		}
	} else {
		if _, _, err := g.List(ctx, f, domain.Page{After: cursor, Limit: picture.PageLimit}); err != nil {
			return 0, err
		}
		args = append(args, cursor.At.UTC().Truncate(time.Microsecond), cursor.ID.String(), picture.PageLimit+1)
	}
	query, err := storeQuery(ctx, db, cond)
	if err != nil {
		return 0, fmt.Errorf("the store's gallery %s: %w", what, err)
	}
	lines, server, err := explainAnalyze(ctx, db, query, args...)
	if err != nil {
		return 0, err
	}
	fmt.Printf("history-10m: the gallery's %s on %s, as sent:\n  %s\n", what, idx, strings.Join(strings.Fields(query), " "))
	fmt.Println("history-10m: EXPLAIN (ANALYZE, BUFFERS):")
	for _, l := range lines {
		fmt.Println("  " + l)
	}
	plan := strings.Join(lines, "\n")
	var problems []string
	scan := ""
	for _, s := range []string{"Index Only Scan", "Index Scan"} {
		if scan == "" && strings.Contains(plan, s+" using "+idx+" on "+table) {
			scan = s
		}
	}
	if scan == "" && table == "picture_counts" && strings.Contains(plan, "Bitmap Index Scan on "+idx) {
		scan = "Bitmap Index Scan" // the owner's few rows, by the key's first column
	}
	if scan == "" {
		problems = append(problems, "not read from "+idx)
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
	if !cursor.IsZero() && !strings.Contains(plan, "ROW(created_at, id) < ROW(") {
		problems = append(problems, "the cursor is not an Index Cond (the scan does not start at the cursor)")
	}
	if len(problems) > 0 {
		fmt.Println("history-10m: verdict: NOT a range scan of " + idx + ": " + strings.Join(problems, "; "))
		return 0, fmt.Errorf("the gallery's %s is not a range scan of %s: %s", what, idx, strings.Join(problems, "; "))
	}
	verdict := scan + " of " + idx + ", no Sort, no Seq Scan"
	if cursor.IsZero() {
		verdict += "; the count reads the gallery's kept total, whatever its size"
	} else {
		verdict += fmt.Sprintf(", starting at the cursor; the page's %d rows are then read from the heap (a page shows every column)", picture.PageLimit)
	}
	fmt.Println("history-10m: verdict: " + verdict)
	return server, nil
}

// galGenerate writes the pictures of the messages that show one, the owners' standalone pictures
// and their files' media rows, all with SQL, and returns what it took. As for the messages, the
// tables' indexes and foreign keys are dropped for the bulk insert and recreated, checked, after.
func galGenerate(ctx context.Context, db *sql.DB, plan []histCompanion) ([]row, error) {
	ids, owners, standalone := make([]string, len(plan)), make([]string, len(plan)), make([]int64, len(plan))
	for i, c := range plan {
		ids[i], owners[i], standalone[i] = c.id, c.owner, max(1, c.exchanges/galStandaloneEvery)
	}
	fmt.Println("history-10m: generating the gallery: a picture for every message that shows one, standalone pictures, media rows…")
	start := time.Now()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// One transaction (DDL included): a failure leaves the tables as the migrations made them.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }() // after Commit, a no-op
	tables := []string{"pictures", "media"}
	before, err := histSchema(ctx, tx, tables...)
	if err != nil {
		return nil, err
	}
	recreate, err := histDropIndexes(ctx, tx, tables...)
	if err != nil {
		return nil, err
	}
	for _, stmt := range []string{`SET LOCAL work_mem = '512MB'`, histIDFunc} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return nil, err
		}
	}
	// The totals are filled once after the bulk insert, not a row at a time by the trigger.
	if _, err := tx.ExecContext(ctx, `ALTER TABLE pictures DISABLE TRIGGER pictures_count`); err != nil {
		return nil, err
	}
	t0 := histEnd.Add(-histSpan)
	if _, err := tx.ExecContext(ctx, galInsert, pq.Array(ids), pq.Array(owners), pq.Array(standalone),
		t0.UnixMilli(), histSpan.Milliseconds()); err != nil {
		return nil, fmt.Errorf("pictures: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO media (key, owner_id, companion_id, kind, content_type, bytes, width, height, created_at)
		SELECT image_key, owner_id, companion_id, 'picture', image_content_type, image_bytes, image_width, image_height, created_at FROM pictures
		UNION ALL
		SELECT thumb_key, owner_id, companion_id, 'picture', thumb_content_type, thumb_bytes, thumb_width, thumb_height, created_at FROM pictures`); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	for _, stmt := range []string{`DELETE FROM picture_counts`,
		`INSERT INTO picture_counts (owner_id, companion_id, n) SELECT owner_id,
			COALESCE(companion_id, '00000000-0000-0000-0000-000000000000'), count(*) FROM pictures GROUP BY 1, 2`,
		`ALTER TABLE pictures ENABLE TRIGGER pictures_count`} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("picture counts: %w", err)
		}
	}
	inserted := time.Since(start)
	t := time.Now()
	if err := recreate(); err != nil {
		return nil, err
	}
	after, err := histSchema(ctx, tx, tables...)
	if err != nil {
		return nil, err
	}
	if len(before) == 0 || !slices.Equal(before, after) {
		return nil, fmt.Errorf("the recreated indexes and constraints differ from the migrations':\nbefore %q\nafter  %q", before, after)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	indexed := time.Since(t)
	t = time.Now()
	if err := galVacuum(ctx, db); err != nil {
		return nil, err
	}
	vacuumed := time.Since(t)
	var pics, chat, media, shown int64
	var size string
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(message_id), (SELECT count(*) FROM media),
			(SELECT count(*) FROM messages WHERE picture_id IS NOT NULL), pg_size_pretty(pg_total_relation_size('pictures'))
		FROM pictures`).Scan(&pics, &chat, &media, &shown, &size); err != nil {
		return nil, err
	}
	if chat != shown {
		return nil, fmt.Errorf("%d messages show a picture but %d pictures have a message (a database from an older bench?)", shown, chat)
	}
	all := time.Since(start)
	fmt.Printf("history-10m: %d pictures (%d of messages, %d standalone; %s with indexes) and %d media rows in %.1f s: insert %.1f s, "+
		"indexes and keys %.1f s, vacuum and analyze %.1f s\n", pics, chat, pics-chat, size, media, all.Seconds(), inserted.Seconds(),
		indexed.Seconds(), vacuumed.Seconds())
	return []row{
		{name: fmt.Sprintf("generate %d pictures and %d media rows with SQL, total", pics, media), result: once(all)},
		{name: "  INSERT … SELECT (from messages, and generate_series), 1 connection", result: once(inserted)},
		{name: "  recreate the migrations' indexes and foreign keys", result: once(indexed)},
		{name: "  VACUUM (FREEZE), ANALYZE", result: once(vacuumed)},
	}, nil
}

// galVacuum freezes the gallery's tables (setting their visibility map, which index-only scans
// read) and analyses them. Not in parallel: a parallel VACUUM sizes its shared memory by the
// session's maintenance_work_mem, which histDropIndexes raised on some of the pool's connections,
// and the container's /dev/shm is small.
func galVacuum(ctx context.Context, db *sql.DB) error {
	for _, stmt := range []string{`VACUUM (FREEZE, PARALLEL 0) pictures, media`, `ANALYZE pictures, media`} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// galInsert writes the gallery, oldest first: for every message of the companions $1 that shows a
// picture, the picture (rendered 20 s after the reply: histInsert's picture_id), and for owner $2[k]
// $3[k] standalone pictures spread evenly over the span ($4: start, $5: length, in ms). A picture's
// thumbnail key is its image's with other letters and a .jpg extension; prompts are built like the
// hub's reply prompts (identity, outfit and scene, quality tags).
const galInsert = `INSERT INTO pictures (id, owner_id, companion_id, message_id, image_key, image_content_type, image_bytes,
		image_width, image_height, thumb_key, thumb_content_type, thumb_bytes, thumb_width, thumb_height, prompt,
		negative_prompt, width, height, steps, cfg_scale, sampler, seed, backend, model, created_at)
	SELECT p.id, p.owner_id, p.companion_id, p.message_id, p.image_key, 'image/webp', 150000 + p.h % 90000, 768, 1024,
		'img/' || translate(substr(p.image_key, 5, 26), 'abcdef', 'ghijkl') || '.jpg', 'image/jpeg', 12000 + p.h % 9000, 256, 341,
		'1girl, solo, long silver hair, green eyes, freckles, slim, ' || (ARRAY[
			'sweater, at home, talking', 'sweater, at home, smiling, happy expression',
			'hoodie, jeans, walking, playful expression, in the park', 'hoodie, jeans, sitting on a bench, in the park, pov, with the viewer',
			'dress, laughing, excited expression, in a cafe', 'dress, leaning in, flirty expression, in a cafe, pov, with the viewer',
			'coat, looking away, melancholic expression, on the street', 'coat, frowning, irritated expression, on the street',
			't-shirt, pouting, jealous expression, at home', 't-shirt, pacing, worried expression, at home',
			'pajamas, blushing, embarrassed expression, in the bedroom', 'pajamas, resting, in the bedroom'
		])[1 + (p.h % 12)::int] || ', masterpiece, best quality, detailed face, soft lighting',
		'lowres, bad anatomy, bad hands, extra fingers, missing fingers, deformed, blurry, watermark, text, signature, ' ||
			'nsfw, nude, naked, nipples, explicit, sexual',
		768, 1024, 28, 7, 'DPM++ 2M Karras', p.h, 'a1111', 'animagine-xl-3.1', p.created_at
	FROM (
		SELECT m.picture_id AS id, c.owner_id, m.companion_id, m.id AS message_id, m.image_key,
			m.created_at + interval '20 seconds' AS created_at, hashtext(m.picture_id::text)::bigint + 2147483648 AS h
		FROM messages m JOIN companions c ON c.id = m.companion_id
		WHERE m.picture_id IS NOT NULL AND m.companion_id = ANY($1::uuid[])
		UNION ALL
		SELECT pg_temp.hid(x.ms, x.g), o.owner_id, NULL, NULL,
			'img/' || translate(lpad(to_hex(x.g), 26, '0'), '0189', 'wxyz') || '.webp',
			timestamptz 'epoch' + x.ms * interval '1 millisecond', hashtext(x.g::text)::bigint + 2147483648
		FROM unnest($2::uuid[], $3::bigint[]) WITH ORDINALITY AS o(owner_id, n, k)
		CROSS JOIN LATERAL generate_series(0, o.n - 1) AS i
		CROSS JOIN LATERAL (SELECT $4::bigint + (2 * i + 1) * $5::bigint / (2 * o.n) + 17000 AS ms,
			4398046511104 + o.k * 1048576 + i AS g) x
		ORDER BY created_at
	) p`
