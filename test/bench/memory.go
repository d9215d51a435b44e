package main

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/companionhub/companionhub/adapter/hashembed"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/usecase"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/llm"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// The memory section measures issue 14's claims: recall over 10 000 memories of one companion in
// ≤ 10 ms p99 (SPEC §4 P5), on SQLite and on PostgreSQL, by words alone and with vectors; and what
// extraction (the Learn use case) costs the hub per turn (memory_learn.go).
//
// Data (memory_data.go). Ten companions of five people, 10 000 memories each (five of them
// pinned), so that the tables and SQLite's one full-text index hold 100 000 memories; every
// memory has its 256-dimension vector made by the offline embedder (hashembed, the embedded
// profile's). Memories are written with SQL in one transaction a companion (the text's key, sources
// and times as the store writes them), except the measured companion's vectors, which go through
// the store's SetEmbedding one by one. What was written is read back through the store before
// anything is measured. PostgreSQL is VACUUM ANALYZEd after the load, as autovacuum would; SQLite
// is not, as the hub never runs ANALYZE.
//
// Recall is the memory App's Recall use case, called directly as the chat's recall step calls it
// (limit 10), built as core/providers.go builds it over the SQL store: the real companion store, the
// real relationships, the wall clock, a model that is never called; without an embedder (lexical)
// and with hashembed (vectors). A recall runs the pinned query, the full-text search (50
// candidates), with vectors: the query's embedding, the store's Nearest (50 candidates, from the
// companion's vectors kept decoded in process: on PostgreSQL read in the background while
// pgvector's HNSW index — whose build at the first vector through SetEmbedding counts in that load
// — answers the read-back check's first searches; on SQLite read at the first), the memories found
// only by meaning read by id; and it records what it recalled (an UPDATE). Queries are 200 sentences a person writes (8–15 words, the same vocabulary) that
// share a word with tens to hundreds of the 10 000 memories (printed). Each of 1 000 samples, after
// 100 unmeasured, runs the store's Search alone (the baseline: what the words cost the database,
// with the words the use case searches), the lexical recall and the vector recall, one after the
// other on the same query, so that the three see the same moments of the shared machine. Then a
// second pass of the vector recall through timing wrappers of the store and the embedder says where
// its time goes, beside the raw SELECT of all the vectors (what every recall cost before Nearest)
// and the former cosine loop, measured alone.
func init() {
	sections = append(sections, section{name: "memory", unit: "op", run: runMemory})
}

const (
	memOwners        = 5
	memCompanions    = 10 // two per owner; the first is measured, the second learns
	memPerCompanion  = 10_000
	memPinnedEach    = 5
	memQueryCount    = 200
	memSamples       = 1000
	memWarmup        = 100
	memPhaseSamples  = 200 // vector recalls through the timing wrappers
	memRecallLimit   = 10  // usecase/chat's recallLimit
	memTarget        = 10 * time.Millisecond
	memSearchLimit   = 50 // the use case's candidates per source
	memCountAllLimit = 1 << 20
)

// memPlan is the generated data, the same for both databases.
type memPlan struct {
	emb       *hashembed.Embedder
	data      [][]memGen        // by companion
	keys      []map[string]bool // by companion: its memories' keys
	queries   []string
	companion []string // names
}

func runMemory(ctx context.Context, opts options) ([]row, error) {
	emb := hashembed.New(hashembed.DefaultConfig())
	start := time.Now()
	plan := memPlan{emb: emb, data: make([][]memGen, memCompanions), keys: make([]map[string]bool, memCompanions),
		queries: memQuerySet(1, memQueryCount)}
	end := time.Now().UTC()
	for c := range memCompanions {
		plan.companion = append(plan.companion, fmt.Sprintf("Keeper %d", c))
		var err error
		if plan.data[c], plan.keys[c], err = memCompanionData(uint64(100+c), memPerCompanion, memPinnedEach, end, emb); err != nil {
			return nil, err
		}
	}
	fmt.Printf("memory: generated %d memories of %d companions with their %s vectors in %.1f s\n",
		memCompanions*memPerCompanion, memCompanions, emb.Name(), time.Since(start).Seconds())

	var rows []row
	dir, err := os.MkdirTemp("", "companionhub-bench-memory-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	lite, err := sqlstore.Open(ctx, sqlstore.Config{URL: secret.String("sqlite:" + filepath.Join(dir, "hub.db")), MaxOpenConns: 8})
	if err != nil {
		return nil, err
	}
	defer lite.Close()
	if _, err := lite.Migrate(ctx); err != nil {
		return nil, err
	}
	more, err := memOnDB(ctx, "SQLite", lite, plan)
	rows = append(rows, more...)
	if err != nil {
		return rows, fmt.Errorf("sqlite: %w", err)
	}

	dsn := opts.postgresURL
	if dsn == "" {
		var drop func(context.Context) error
		if dsn, drop, err = containers.CreateDatabase(ctx, "bench_memory", migrateDB); err != nil {
			return rows, fmt.Errorf("postgres: %w", err)
		}
		defer func() { _ = drop(context.WithoutCancel(ctx)) }()
	} else if err := migrateDB(ctx, dsn); err != nil {
		return rows, err
	}
	pg, err := sqlstore.Open(ctx, sqlstore.Config{URL: secret.String(dsn), MaxOpenConns: 4, ConnMaxLifetime: time.Hour})
	if err != nil {
		return rows, err
	}
	defer pg.Close()
	// A -postgres-url database may hold an earlier run's: its users go, with their companions and
	// memories.
	if _, err := pg.X.ExecContext(ctx, `DELETE FROM users WHERE email LIKE 'bench-memory-%@example.test'`); err != nil {
		return rows, err
	}
	more, err = memOnDB(ctx, "PostgreSQL", pg, plan)
	rows = append(rows, more...)
	if err != nil {
		return rows, fmt.Errorf("postgres: %w", err)
	}
	return rows, nil
}

// memDB is one database loaded with the plan.
type memDB struct {
	name              string
	db                *sqlstore.DB
	store             memoryuc.Store
	companions        *sqlstore.CompanionStore
	owner             domain.ID // of the measured companion and the learning one
	measured, learner domain.ID
	data              [][]memGen // the plan's memories, by companion, as written here (owners and companions set)
}

// memOnDB loads the plan into db and measures recall and extraction on it.
func memOnDB(ctx context.Context, name string, db *sqlstore.DB, plan memPlan) ([]row, error) {
	d, rows, err := memLoad(ctx, name, db, plan)
	if err != nil {
		return rows, err
	}
	more, err := memRecall(ctx, d, plan)
	rows = append(rows, more...)
	if err != nil {
		return rows, err
	}
	more, err = memLearn(ctx, d, plan)
	return append(rows, more...), err
}

// memLoad writes the plan's users, companions, memories and vectors, and checks them through the
// store.
func memLoad(ctx context.Context, name string, db *sqlstore.DB, plan memPlan) (memDB, []row, error) {
	d := memDB{name: name, db: db, store: sqlstore.MemoryStore(db), companions: sqlstore.NewCompanionStore(db)}
	accounts := sqlstore.NewAccountStore(db)
	now := time.Now().UTC()
	owners := make([]domain.ID, memOwners)
	for k := range owners {
		var err error
		if owners[k], err = memOwner(ctx, accounts, k, now); err != nil {
			return d, nil, fmt.Errorf("user: %w", err)
		}
	}
	comps := make([]domain.ID, memCompanions)
	for c := range comps {
		var err error
		if comps[c], err = memCompanion(ctx, d.companions, owners[c*memOwners/memCompanions], plan.companion[c], now); err != nil {
			return d, nil, fmt.Errorf("companion: %w", err)
		}
	}
	d.owner, d.measured, d.learner = owners[0], comps[0], comps[1]

	start := time.Now()
	d.data = make([][]memGen, len(plan.data))
	for c, ms := range plan.data {
		owned := make([]memGen, len(ms))
		for i, g := range ms {
			g.m.OwnerID, g.m.CompanionID = owners[c*memOwners/memCompanions], comps[c]
			owned[i] = g
		}
		d.data[c] = owned
		if err := memInsert(ctx, db, owned, plan.emb.Name(), c != 0); err != nil {
			return d, nil, fmt.Errorf("companion %d: %w", c, err)
		}
	}
	inserted := time.Since(start)
	var set []time.Duration
	for _, g := range d.data[0] {
		t := time.Now()
		if err := d.store.SetEmbedding(ctx, g.m.ID, plan.emb.Name(), g.vector); err != nil {
			return d, nil, fmt.Errorf("set embedding: %w", err)
		}
		set = append(set, time.Since(t))
	}
	analyzed := time.Duration(0)
	if db.Dialect == sqlstore.Postgres {
		t := time.Now()
		if _, err := db.X.ExecContext(ctx, `VACUUM ANALYZE memories, memory_embeddings`); err != nil {
			return d, nil, err
		}
		analyzed = time.Since(t)
	}
	if err := memCheck(ctx, d, plan); err != nil {
		return d, nil, fmt.Errorf("the generated memories read back: %w", err)
	}
	how := fmt.Sprintf(", VACUUM ANALYZE %.1f s", analyzed.Seconds())
	if db.Dialect == sqlstore.SQLite {
		// How the vectors lie in the file: a row of memory_embeddings (WITHOUT ROWID: the row is
		// its primary key's b-tree entry) holding a 1 KB vector is larger than such an entry may be
		// on a 4 KB page, so its vector spills to an overflow page of its own.
		var pages, overflow int
		if err := db.X.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(pagetype = 'overflow'), 0) FROM dbstat
			WHERE name = 'memory_embeddings'`).Scan(&pages, &overflow); err != nil {
			return d, nil, fmt.Errorf("dbstat: %w", err)
		}
		how = fmt.Sprintf("; memory_embeddings takes %d pages, %d of them overflow pages", pages, overflow)
	}
	fmt.Printf("memory: %s: %d memories of %d companions (%d pinned each) and their vectors written in %.1f s with SQL, "+
		"the measured companion's %d vectors through SetEmbedding in %.1f s%s\n", name, memCompanions*memPerCompanion,
		memCompanions, memPinnedEach, inserted.Seconds(), len(set), sum(set).Seconds(), how)
	return d, []row{
		{name: fmt.Sprintf("%s: write %d memories and 90 000 vectors with SQL, a transaction a companion", name, memCompanions*memPerCompanion),
			result: once(inserted)},
		{name: fmt.Sprintf("%s: SetEmbedding through the store, one vector, p50", name), result: once(percentile(set, 50))},
		{name: fmt.Sprintf("%s: SetEmbedding through the store, one vector, p99", name), result: once(percentile(set, 99))},
	}, nil
}

// memCheck reads what was written back through the store: the measured companion's pinned
// memories and its newest one, and every vector of the measured companion (through SetEmbedding)
// and of the learning one (with SQL), each equal to the embedder's.
func memCheck(ctx context.Context, d memDB, plan memPlan) error {
	pinned, err := d.store.Pinned(ctx, d.owner, d.measured)
	if err != nil {
		return err
	}
	if len(pinned) != memPinnedEach {
		return fmt.Errorf("%d pinned memories, want %d", len(pinned), memPinnedEach)
	}
	recent, err := d.store.Recent(ctx, d.owner, d.measured, 1)
	if err != nil {
		return err
	}
	last := d.data[0][len(d.data[0])-1].m
	if len(recent) != 1 || recent[0].ID != last.ID || recent[0].Text != last.Text || !recent[0].CreatedAt.Equal(last.CreatedAt) ||
		recent[0].Importance != last.Importance || recent[0].Category != last.Category || len(recent[0].Sources) != 1 {
		return fmt.Errorf("newest memory %+v, want %+v", recent, last)
	}
	// Every vector is there, and each is its memory's (the measured companion's through
	// SetEmbedding, the learner's with SQL); and a sample of them, each searched for, finds its
	// nearest: all of them in process (an exact search), most of them through pgvector's HNSW
	// index (an approximate one: what it finds of the exact ten nearest is printed).
	found, want := 0, 0
	for c, comp := range []domain.ID{d.measured, d.learner} {
		var n int
		if err := d.db.X.GetContext(ctx, &n, d.db.X.Rebind(`SELECT count(*) FROM memories m JOIN memory_embeddings e ON e.memory_id = m.id
			WHERE m.owner_id = ? AND m.companion_id = ? AND e.embedder = ?`), d.owner.String(), comp.String(), plan.emb.Name()); err != nil {
			return err
		}
		if n != memPerCompanion {
			return fmt.Errorf("companion %d: %d vectors, want %d", c, n, memPerCompanion)
		}
		for i := 0; i < len(d.data[c]); i += len(d.data[c]) / 50 {
			g := d.data[c][i]
			var stored []byte
			if err := d.db.X.GetContext(ctx, &stored, d.db.X.Rebind(`SELECT vector FROM memory_embeddings
				WHERE memory_id = ? AND embedder = ?`), g.m.ID.String(), plan.emb.Name()); err != nil {
				return fmt.Errorf("companion %d: memory %s's vector: %w", c, g.m.ID, err)
			}
			if !slices.Equal(decodeFloats(stored), g.vector) {
				return fmt.Errorf("companion %d: memory %s's vector is not the embedder's", c, g.m.ID)
			}
			near, err := d.store.Nearest(ctx, d.owner, comp, plan.emb.Name(), g.vector, 0, memRecallLimit)
			if err != nil {
				return err
			}
			n, of := nearestFound(near, d.data[c], g.vector, memRecallLimit)
			found, want = found+n, want+of
		}
	}
	how, err := d.db.VectorSearch(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("memory: %s: the %d nearest of 100 sampled vectors, searched %s: %d of %d found (%.1f%%)\n",
		d.db.Dialect, memRecallLimit, how, found, want, 100*float64(found)/float64(want))
	if how == sqlstore.VectorsInProcess && found != want {
		return fmt.Errorf("the search in process is exact, yet it found %d of the %d nearest", found, want)
	}
	return nil
}

// nearestFound counts how many of the k nearest to q among gens (by cosine, an exact search) near
// holds, and of how many: similarities are compared, not memories, since memories of the same
// words have the same vector and any of them is as near.
func nearestFound(near []memoryuc.Near, gens []memGen, q memoryuc.Vector, k int) (found, of int) {
	sims := make([]float64, 0, len(gens))
	for _, g := range gens {
		sims = append(sims, cosineOf(q, g.vector))
	}
	slices.SortFunc(sims, func(a, b float64) int { return cmp.Compare(b, a) })
	sims = sims[:min(k, len(sims))]
	j := 0
	for _, want := range sims {
		for j < len(near) && near[j].Similarity > want+1e-4 {
			j++ // nearer than the exact search says: cannot be
		}
		if j < len(near) && math.Abs(near[j].Similarity-want) <= 1e-4 {
			found++
			j++
		}
	}
	return found, len(sims)
}

func cosineOf(a, b memoryuc.Vector) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// decodeFloats reads a stored vector: float32s, little-endian.
func decodeFloats(b []byte) memoryuc.Vector {
	v := make(memoryuc.Vector, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// memApp builds the memory use cases as core/providers.go does, with or without an embedder; the
// model is never called by a recall (learning has its own, memory_learn.go).
func memApp(d memDB, store memoryuc.Store, emb memoryuc.Embedder, name string, model llm.Model) (*memoryuc.App, error) {
	clock := usecase.SystemClock{}
	return memoryuc.NewApp(memoryuc.Deps{Store: store, Model: model, Companions: d.companions.Companions(),
		Relationships: companionuc.Relationships{Store: d.companions, Clock: clock}, Clock: clock,
		Embedder: emb, EmbedderName: name})
}

// memVerdict says whether a p99 meets the target.
func memVerdict(d time.Duration) string {
	if d <= memTarget {
		return fmt.Sprintf("(target ≤ %d ms: met)", memTarget/time.Millisecond)
	}
	return fmt.Sprintf("(target ≤ %d ms: MISSED, %.1f ms)", memTarget/time.Millisecond, ms(d))
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}
