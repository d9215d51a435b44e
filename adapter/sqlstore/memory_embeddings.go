package sqlstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// SetEmbedding keeps v as the memory's vector by embedder, replacing the one it made before. A
// memory that is gone (deleted while its text was embedded) is memory.ErrNotFound; no vector or no
// embedder's name is the caller's mistake, KindInvalid. With pgvector the vector is written twice,
// as bytes (the portable form) and as vec (what the index searches).
func (r memoryRepo) SetEmbedding(ctx context.Context, id domain.ID, embedder string, v memoryuc.Vector) error {
	if len(v) == 0 || embedder == "" {
		return domain.Errorf(domain.KindInvalid, "embedding of memory %s: %d dimensions by embedder %q", id, len(v), embedder)
	}
	pgvector, err := r.v.usePgvector(ctx, r.db)
	if err != nil {
		return err
	}
	if pgvector {
		var vec any // NULL for a vector pgvector refuses (NaN, infinities): near nothing
		if n := vectorNorm(v); !math.IsNaN(n) && !math.IsInf(n, 0) {
			vec = vectorLiteral(v)
		}
		_, err = r.c.exec(ctx, `INSERT INTO memory_embeddings (memory_id, embedder, dims, vector, vec) VALUES (?, ?, ?, ?, CAST(? AS vector))
			ON CONFLICT (memory_id, embedder) DO UPDATE SET dims = excluded.dims, vector = excluded.vector, vec = excluded.vec`,
			id.String(), embedder, len(v), encodeVector(v), vec)
	} else {
		_, err = r.c.exec(ctx, `INSERT INTO memory_embeddings (memory_id, embedder, dims, vector) VALUES (?, ?, ?, ?)
			ON CONFLICT (memory_id, embedder) DO UPDATE SET dims = excluded.dims, vector = excluded.vector`,
			id.String(), embedder, len(v), encodeVector(v))
	}
	if err != nil && isForeignKeyViolation(err) {
		return memory.ErrNotFound.Wrap(fmt.Errorf("embedding of memory %s: %w", id, err))
	}
	if err != nil {
		return classify(err, nil, "set memory embedding")
	}
	if pgvector {
		r.ensureHNSW(ctx, len(v))
	}
	r.keep(ctx, id, embedder, v)
	return nil
}

// keep adds the vector just written to the in-process search's, if the companion's generation
// moved by that write alone (else its vectors are read again at the next search). A failure to
// tell is that too.
func (r memoryRepo) keep(ctx context.Context, id domain.ID, embedder string, v memoryuc.Vector) {
	var row struct {
		OwnerID     string `db:"owner_id"`
		CompanionID string `db:"companion_id"`
		Generation  int64  `db:"generation"`
	}
	if err := r.c.get(ctx, &row, `SELECT m.owner_id, m.companion_id, coalesce(g.generation, 0) AS generation
		FROM memories m LEFT JOIN memory_vector_generations g ON g.companion_id = m.companion_id
		WHERE m.id = ?`, id.String()); err != nil {
		return
	}
	owner, err := parseID(row.OwnerID)
	if err != nil {
		return
	}
	companionID, err := parseID(row.CompanionID)
	if err != nil {
		return
	}
	r.v.cache.set(vectorKey{owner: owner, companion: companionID, embedder: embedder}, row.Generation, id, v)
}

// Nearest finds the companion's memories nearest by meaning. The companion's vectors kept decoded
// in process, still the database's, answer exactly in about a millisecond; without them (a
// companion not searched since the start, or evicted), pgvector's HNSW index answers this search
// (approximately, in about 15 ms among 100 000 vectors of ten companions: the index is every
// companion's, and the scan goes on until it found enough of this one's) while the vectors are
// read for the next ones, in the background; without pgvector they are read now.
func (r memoryRepo) Nearest(ctx context.Context, ownerID, companionID domain.ID, embedder string, q memoryuc.Vector,
	minSimilarity float64, limit int) ([]memoryuc.Near, error) {
	if len(q) == 0 || limit <= 0 {
		return nil, nil
	}
	pgvector, err := r.v.usePgvector(ctx, r.db)
	if err != nil {
		return nil, err
	}
	k := vectorKey{owner: ownerID, companion: companionID, embedder: embedder}
	if pgvector {
		gen, err := r.generation(ctx, k.companion)
		if err != nil {
			return nil, err
		}
		if s := r.v.cache.get(k, gen); s != nil {
			return s.nearest(q, minSimilarity, limit), nil
		}
		r.warm(k)
		return r.nearestPgvector(ctx, k, q, minSimilarity, limit)
	}
	return r.nearestInProcess(ctx, k, q, minSimilarity, limit)
}

// encodeVector writes v as float32s, little-endian: four bytes a dimension, whatever the machine.
func encodeVector(v memoryuc.Vector) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func decodeVector(b []byte) memoryuc.Vector {
	v := make(memoryuc.Vector, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
