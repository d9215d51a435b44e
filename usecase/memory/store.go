package memory

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
)

// Scored is a memory with its lexical relevance to a query: 1 for the best match of the search,
// lower for the others, above 0.
type Scored struct {
	Memory  memory.Memory
	Lexical float64
}

// Store keeps a companion's memories. Every call is scoped to the owner: another user's memory or
// companion is memory.ErrNotFound (or nothing), exactly like an absent one. Implementation:
// adapter/sqlstore (SQLite FTS5, PostgreSQL full text); conformance: test/contract/memorystoretest.
type Store interface {
	// Create stores a new memory. KindConflict if its ID exists, or if the companion already has a
	// memory with the same key (memory.Key of its text): one fact is one memory.
	Create(ctx context.Context, m memory.Memory) error
	// Get returns the owner's memory.
	Get(ctx context.Context, ownerID, id domain.ID) (memory.Memory, error)
	// Update saves text, category, importance, pin and UpdatedAt (KindConflict as Create when the new
	// text is another memory's).
	Update(ctx context.Context, m memory.Memory) error
	// Delete removes the owner's memory; memory.ErrNotFound when there is none.
	Delete(ctx context.Context, ownerID, id domain.ID) error
	// List pages the memories f selects, newest first (keyset on created_at, id).
	List(ctx context.Context, f memory.Filter, p domain.Page) ([]memory.Memory, domain.Cursor, error)
	// ByIDs returns the owner's memories among ids (in no particular order; absent or another's ids
	// are left out).
	ByIDs(ctx context.Context, ownerID domain.ID, ids []domain.ID) ([]memory.Memory, error)
	// ByKey returns the companion's memory whose text has key (memory.Key), if any.
	ByKey(ctx context.Context, ownerID, companionID domain.ID, key string) (memory.Memory, bool, error)
	// Search ranks the companion's memories by full-text relevance to query (words of any order,
	// stemmed where the database can; a query of no searchable word finds nothing) and returns at
	// most limit, best first.
	Search(ctx context.Context, ownerID, companionID domain.ID, query string, limit int) ([]Scored, error)
	// Pinned returns the companion's pinned memories, newest first.
	Pinned(ctx context.Context, ownerID, companionID domain.ID) ([]memory.Memory, error)
	// Recent returns the companion's newest memories, at most limit.
	Recent(ctx context.Context, ownerID, companionID domain.ID, limit int) ([]memory.Memory, error)
	// MarkRecalled records that the memories ids were put into a reply's prompt at at.
	MarkRecalled(ctx context.Context, ids []domain.ID, at time.Time) error
	// Wipe deletes every memory of the companion and returns how many there were.
	Wipe(ctx context.Context, ownerID, companionID domain.ID) (int, error)
	// SetEmbedding keeps the memory's vector, as embedder made it (vectors of another embedder are
	// not comparable, so each is kept with its embedder's name).
	SetEmbedding(ctx context.Context, id domain.ID, embedder string, v Vector) error
	// Nearest returns the companion's memories whose vectors by embedder are the most similar to
	// query — cosine similarity at least minSimilarity — at most limit, most similar first. Vectors
	// of another length than the query's, and vectors of zeros, are near nothing (a changed
	// embedder's old vectors are ignored, not an error). A store may search approximately (an
	// index such as pgvector's HNSW), trading a rare miss among the nearest for speed.
	Nearest(ctx context.Context, ownerID, companionID domain.ID, embedder string, query Vector, minSimilarity float64, limit int) ([]Near, error)
}

// Near is a memory found by meaning, with the cosine similarity of its vector to the query's.
type Near struct {
	ID         domain.ID
	Similarity float64
}
