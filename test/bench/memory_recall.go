package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/usecase/llm"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// memRecall measures recall on one loaded database (see memory.go).
func memRecall(ctx context.Context, d memDB, plan memPlan) ([]row, error) {
	never := memNoModel{}
	lex, err := memApp(d, d.store, nil, "", never)
	if err != nil {
		return nil, err
	}
	vec, err := memApp(d, d.store, plan.emb, plan.emb.Name(), never)
	if err != nil {
		return nil, err
	}
	recall := func(app interface {
		Handle(context.Context, memoryuc.Recall) ([]string, error)
	}, q string) ([]string, error) {
		out, err := app.Handle(ctx, memoryuc.Recall{OwnerID: d.owner, CompanionID: d.measured, Query: q, Limit: memRecallLimit})
		if err == nil && len(out) <= memPinnedEach {
			err = fmt.Errorf("query %q recalled only %d memories (%d pinned)", q, len(out), memPinnedEach)
		}
		return out, err
	}

	// The words the use case searches for each query, as it hands them to the store; what they
	// match; what the vectors find.
	queries := plan.queries
	words := make([]string, len(queries))
	rec := memRecorder{Store: d.store, last: new(string)}
	recApp, err := memApp(d, rec, nil, "", never)
	if err != nil {
		return nil, err
	}
	var matches, near, recalledLex, recalledVec []int
	qvs, err := plan.emb.Embed(ctx, queries)
	if err != nil {
		return nil, err
	}
	for i, q := range queries {
		*rec.last = ""
		if _, err := recall(recApp.Recall, q); err != nil {
			return nil, err
		}
		words[i] = *rec.last
		hits, err := d.store.Search(ctx, d.owner, d.measured, words[i], memCountAllLimit)
		if err != nil {
			return nil, err
		}
		matches = append(matches, len(hits))
		n := 0
		for _, g := range d.data[0] {
			if memCosine(qvs[i], g.vector) >= 0.30 { // the use case's minSimilarity
				n++
			}
		}
		near = append(near, n)
		out, err := recall(lex.Recall, q)
		if err != nil {
			return nil, err
		}
		recalledLex = append(recalledLex, len(out))
		if out, err = recall(vec.Recall, q); err != nil {
			return nil, err
		}
		recalledVec = append(recalledVec, len(out))
	}
	fmt.Printf("memory: %s: %d queries, e.g. %q searched as %q; memories sharing a searched word: min %d, median %d, max %d of %d; "+
		"vectors at cosine ≥ 0.30: median %d; recalled (of %d, %d pinned): lexical median %d, with vectors median %d\n",
		d.name, len(queries), queries[0], words[0], slices.Min(matches), median(matches), slices.Max(matches), memPerCompanion,
		median(near), memRecallLimit, memPinnedEach, median(recalledLex), median(recalledVec))

	n := len(queries)
	ds, err := memMeasure(ctx, memWarmup, memSamples, []func(context.Context, int) error{
		func(ctx context.Context, i int) error {
			hits, err := d.store.Search(ctx, d.owner, d.measured, words[i%n], memSearchLimit)
			if err == nil && len(hits) == 0 {
				err = fmt.Errorf("query %q found nothing", words[i%n])
			}
			return err
		},
		func(ctx context.Context, i int) error { _, err := recall(lex.Recall, queries[i%n]); return err },
		func(ctx context.Context, i int) error { _, err := recall(vec.Recall, queries[i%n]); return err },
	})
	if err != nil {
		return nil, err
	}
	search, lexical, vectors := ds[0], ds[1], ds[2]
	var rows []row
	for _, p := range []float64{50, 99} {
		sp, lp, vp := percentile(search, p), percentile(lexical, p), percentile(vectors, p)
		target := ""
		if p == 99 {
			target = " " + memVerdict(lp)
		}
		base := fmt.Sprintf("Search alone p%.0f", p)
		rows = append(rows,
			row{name: fmt.Sprintf("P5 %s: the store's Search alone (full text, %d best of %d memories), p%.0f", d.name, memSearchLimit, memPerCompanion, p),
				result: once(sp)},
			row{name: fmt.Sprintf("P5 %s: Recall over %d memories, lexical (no embedder), p%.0f%s", d.name, memPerCompanion, p, target),
				result: once(lp), baseline: base, base: once(sp)})
		if p == 99 {
			target = " " + memVerdict(vp)
		}
		rows = append(rows, row{name: fmt.Sprintf("P5 %s: Recall over %d memories, with vectors (%s), p%.0f%s", d.name,
			memPerCompanion, plan.emb.Name(), p, target), result: once(vp), baseline: base, base: once(sp)})
	}

	more, err := memRecallPhases(ctx, d, plan, queries)
	return append(rows, more...), err
}

// memRecallPhases runs the vector recall through timing wrappers and reports where its time goes,
// with the raw SELECT of the vectors and the cosine loop alone beside.
func memRecallPhases(ctx context.Context, d memDB, plan memPlan, queries []string) ([]row, error) {
	ph := &memPhases{}
	app, err := memApp(d, memTimedStore{Store: d.store, p: ph}, memTimedEmbedder{e: plan.emb, p: ph}, plan.emb.Name(), memNoModel{})
	if err != nil {
		return nil, err
	}
	var per [][]time.Duration // by phase: embed, pinned, search, nearest, byIDs, mark, the rest (Go)
	names := []string{"Embed the query (hashembed)", "Pinned (query)", "Search (full text)",
		"Nearest: the 50 nearest of the companion's 10 000 vectors", "ByIDs (memories found by meaning only)",
		"MarkRecalled (UPDATE)", "the rest, in Go: scoring, sort"}
	per = make([][]time.Duration, len(names))
	var totals []time.Duration
	for i := range memWarmup/2 + memPhaseSamples {
		*ph = memPhases{}
		start := time.Now()
		if _, err := app.Recall.Handle(ctx, memoryuc.Recall{OwnerID: d.owner, CompanionID: d.measured,
			Query: queries[i%len(queries)], Limit: memRecallLimit}); err != nil {
			return nil, err
		}
		total := time.Since(start)
		if i < memWarmup/2 {
			continue
		}
		parts := []time.Duration{ph.embed, ph.pinned, ph.search, ph.nearest, ph.byIDs, ph.mark}
		rest := total - sum(parts)
		for k, p := range append(parts, rest) {
			per[k] = append(per[k], p)
		}
		totals = append(totals, total)
	}
	mean := func(ds []time.Duration) time.Duration { return sum(ds) / time.Duration(max(len(ds), 1)) }
	rows := []row{{name: fmt.Sprintf("%s: with vectors, where the time goes: the recall through timing wrappers (%d), p50; mean %.1f ms",
		d.name, memPhaseSamples, ms(mean(totals))), result: once(percentile(slices.Clone(totals), 50))}}
	for k, name := range names {
		rows = append(rows, row{name: fmt.Sprintf("  %s: %s, p50 (mean %.0f%% of a recall)", d.name, name,
			100*float64(mean(per[k]))/float64(mean(totals))), result: once(percentile(per[k], 50))})
	}

	// The vectors' SELECT alone, as the in-process search sends it when a companion's vectors changed
	// (or were never read), rows scanned into bytes: what reading them all costs the database and
	// its driver — what every recall cost before the vectors were kept between recalls.
	raw := d.db.X.Rebind(`SELECT e.memory_id, e.dims, e.vector
		FROM memories m JOIN memory_embeddings e ON e.memory_id = m.id AND e.embedder = ?
		WHERE m.owner_id = ? AND m.companion_id = ?`)
	var selects []time.Duration
	var bytes int
	for i := range 110 {
		start := time.Now()
		rs, err := d.db.X.QueryContext(ctx, raw, plan.emb.Name(), d.owner.String(), d.measured.String())
		if err != nil {
			return rows, err
		}
		n, b := 0, 0
		for rs.Next() {
			var id string
			var dims int
			var v []byte
			if err := rs.Scan(&id, &dims, &v); err != nil {
				rs.Close()
				return rows, err
			}
			n, b = n+1, b+len(v)
		}
		if err := errors.Join(rs.Err(), rs.Close()); err != nil {
			return rows, err
		}
		if n != memPerCompanion {
			return rows, fmt.Errorf("raw select: %d vectors", n)
		}
		if i >= 10 {
			selects = append(selects, time.Since(start))
		}
		bytes = b
	}
	rows = append(rows, row{name: fmt.Sprintf("  %s: the vectors' SELECT alone (%d rows, %.1f MB of vectors, scanned, not decoded), p50",
		d.name, memPerCompanion, float64(bytes)/1e6), result: once(percentile(selects, 50))})

	// The comparison alone: a cosine over the companion's vectors, in a slice, as the use case
	// computed it before the store searched (float64, lengths computed every time).
	vs := make([]memoryuc.Vector, len(d.data[0]))
	for i, g := range d.data[0] {
		vs[i] = g.vector
	}
	qv, err := plan.emb.Embed(ctx, []string{queries[0]})
	if err != nil {
		return rows, err
	}
	var sink float64
	cos := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			for _, v := range vs {
				sink += memCosine(qv[0], v)
			}
		}
	})
	_ = sink
	rows = append(rows, row{name: fmt.Sprintf("  %s: cosine of a query with %d vectors of %d dimensions in Go alone (the former loop)",
		d.name, len(vs), len(qv[0])), result: cos})
	return rows, nil
}

// memMeasure times samples calls of each op (after warmup unmeasured ones), one call of each in
// turn with the same i, so that all see the same moments of a shared machine.
func memMeasure(ctx context.Context, warmup, samples int, ops []func(context.Context, int) error) ([][]time.Duration, error) {
	ds := make([][]time.Duration, len(ops))
	for i := range warmup + samples {
		for k, op := range ops {
			t := time.Now()
			err := op(ctx, i)
			d := time.Since(t)
			if err != nil {
				return nil, err
			}
			if i >= warmup {
				ds[k] = append(ds[k], d)
			}
		}
	}
	return ds, nil
}

// memCosine is the use case's cosine (usecase/memory/recall.go).
func memCosine(a, b memoryuc.Vector) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
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

func median(xs []int) int {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// memNoModel is the model of a recall, which never calls it.
type memNoModel struct{}

var errNoModel = errors.New("the memory bench's recall model is never called")

func (memNoModel) Stream(context.Context, llm.Request, func(string) error) (llm.Usage, error) {
	return llm.Usage{}, errNoModel
}

func (memNoModel) Complete(context.Context, llm.Request) (string, llm.Usage, error) {
	return "", llm.Usage{}, errNoModel
}

// memRecorder is the store, remembering the words the use case last searched for.
type memRecorder struct {
	memoryuc.Store
	last *string
}

func (r memRecorder) Search(ctx context.Context, owner, comp domain.ID, q string, limit int) ([]memoryuc.Scored, error) {
	*r.last = q
	return r.Store.Search(ctx, owner, comp, q, limit)
}

// memPhases is the time a use case spent in each call of the store and the embedder (one use case
// at a time).
type memPhases struct {
	embed, pinned, search, nearest, byIDs, mark time.Duration
	byKey, create, setEmbedding                 time.Duration
	nearestCalls                                int
}

// memTimedStore is the store, timing the calls recall and learning make.
type memTimedStore struct {
	memoryuc.Store
	p *memPhases
}

func memTime(into *time.Duration) func() {
	start := time.Now()
	return func() { *into += time.Since(start) }
}

func (s memTimedStore) Pinned(ctx context.Context, owner, comp domain.ID) ([]memory.Memory, error) {
	defer memTime(&s.p.pinned)()
	return s.Store.Pinned(ctx, owner, comp)
}

func (s memTimedStore) Search(ctx context.Context, owner, comp domain.ID, q string, limit int) ([]memoryuc.Scored, error) {
	defer memTime(&s.p.search)()
	return s.Store.Search(ctx, owner, comp, q, limit)
}

func (s memTimedStore) Nearest(ctx context.Context, owner, comp domain.ID, embedder string, q memoryuc.Vector, minSim float64,
	limit int) ([]memoryuc.Near, error) {
	defer memTime(&s.p.nearest)()
	s.p.nearestCalls++
	return s.Store.Nearest(ctx, owner, comp, embedder, q, minSim, limit)
}

func (s memTimedStore) ByIDs(ctx context.Context, owner domain.ID, ids []domain.ID) ([]memory.Memory, error) {
	defer memTime(&s.p.byIDs)()
	return s.Store.ByIDs(ctx, owner, ids)
}

func (s memTimedStore) MarkRecalled(ctx context.Context, ids []domain.ID, at time.Time) error {
	defer memTime(&s.p.mark)()
	return s.Store.MarkRecalled(ctx, ids, at)
}

func (s memTimedStore) ByKey(ctx context.Context, owner, comp domain.ID, key string) (memory.Memory, bool, error) {
	defer memTime(&s.p.byKey)()
	return s.Store.ByKey(ctx, owner, comp, key)
}

func (s memTimedStore) Create(ctx context.Context, m memory.Memory) error {
	defer memTime(&s.p.create)()
	return s.Store.Create(ctx, m)
}

func (s memTimedStore) SetEmbedding(ctx context.Context, id domain.ID, embedder string, v memoryuc.Vector) error {
	defer memTime(&s.p.setEmbedding)()
	return s.Store.SetEmbedding(ctx, id, embedder, v)
}

// memTimedEmbedder is the embedder, timed.
type memTimedEmbedder struct {
	e interface {
		Embed(context.Context, []string) ([]memoryuc.Vector, error)
	}
	p *memPhases
}

func (e memTimedEmbedder) Embed(ctx context.Context, texts []string) ([]memoryuc.Vector, error) {
	defer memTime(&e.p.embed)()
	return e.e.Embed(ctx, texts)
}
