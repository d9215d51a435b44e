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
// embedder's name is the caller's mistake, KindInvalid.
func (r memoryRepo) SetEmbedding(ctx context.Context, id domain.ID, embedder string, v memoryuc.Vector) error {
	if len(v) == 0 || embedder == "" {
		return domain.Errorf(domain.KindInvalid, "embedding of memory %s: %d dimensions by embedder %q", id, len(v), embedder)
	}
	_, err := r.c.exec(ctx, `INSERT INTO memory_embeddings (memory_id, embedder, dims, vector) VALUES (?, ?, ?, ?)
		ON CONFLICT (memory_id, embedder) DO UPDATE SET dims = excluded.dims, vector = excluded.vector`,
		id.String(), embedder, len(v), encodeVector(v))
	if err != nil && isForeignKeyViolation(err) {
		return memory.ErrNotFound.Wrap(fmt.Errorf("embedding of memory %s: %w", id, err))
	}
	return classify(err, nil, "set memory embedding")
}

// Embeddings reads the vectors by embedder of the companion's memories, through the memories (the
// owner's scope; the vectors' key finds each from its memory).
func (r memoryRepo) Embeddings(ctx context.Context, ownerID, companionID domain.ID, embedder string) (map[domain.ID]memoryuc.Vector, error) {
	var rows []struct {
		MemoryID string `db:"memory_id"`
		Dims     int    `db:"dims"`
		Vector   []byte `db:"vector"`
	}
	if err := r.c.sel(ctx, &rows, `SELECT e.memory_id, e.dims, e.vector
		FROM memories m JOIN memory_embeddings e ON e.memory_id = m.id AND e.embedder = ?
		WHERE m.owner_id = ? AND m.companion_id = ?`, embedder, ownerID.String(), companionID.String()); err != nil {
		return nil, classify(err, nil, "select memory embeddings")
	}
	out := make(map[domain.ID]memoryuc.Vector, len(rows))
	for _, row := range rows {
		id, err := parseID(row.MemoryID)
		if err != nil {
			return nil, err
		}
		if len(row.Vector) != 4*row.Dims {
			return nil, domain.Errorf(domain.KindInternal, "embedding of memory %s by %q: %d bytes for %d dimensions",
				row.MemoryID, embedder, len(row.Vector), row.Dims)
		}
		out[id] = decodeVector(row.Vector)
	}
	return out, nil
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
