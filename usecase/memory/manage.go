package memory

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/memory"
)

// The person's side of memory (SPEC §3.5): they can list, search, add, edit, pin, delete, and make
// their companion forget everything. Every use case is scoped to the owner: another person's
// companion or memory is not found.

// List is a page of a companion's memories, newest first — or, with Query, the memories recall
// would find for it, best first (one page).
type List struct {
	Filter memory.Filter
	Query  string
	Page   domain.Page
}

// Page is one page of memories.
type Page struct {
	Memories []memory.Memory
	Next     domain.Cursor
}

type listHandler struct{ d Deps }

func (h listHandler) Handle(ctx context.Context, in List) (Page, error) {
	if _, err := h.d.Companions.Get(ctx, in.Filter.OwnerID, in.Filter.CompanionID); err != nil {
		return Page{}, err
	}
	if in.Query == "" {
		mems, next, err := h.d.Store.List(ctx, in.Filter, in.Page)
		return Page{Memories: mems, Next: next}, err
	}
	ranked, err := h.d.score(ctx, in.Filter.OwnerID, in.Filter.CompanionID, in.Query, h.d.Clock.Now())
	if err != nil {
		return Page{}, err
	}
	var out []memory.Memory
	for _, r := range ranked {
		m := r.memory
		if (!in.Filter.Category.IsZero() && m.Category != in.Filter.Category) ||
			(in.Filter.Pinned != nil && m.Pinned != *in.Filter.Pinned) {
			continue
		}
		if out = append(out, m); len(out) == in.Page.Limit {
			break
		}
	}
	return Page{Memories: out}, nil
}

// Add is a memory the person gives their companion.
type Add struct {
	OwnerID, CompanionID domain.ID
	Spec                 memory.Spec
}

type addHandler struct{ d Deps }

func (h addHandler) Handle(ctx context.Context, in Add) (memory.Memory, error) {
	c, err := h.d.Companions.Get(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return memory.Memory{}, err
	}
	if err := c.Writable(); err != nil {
		return memory.Memory{}, err
	}
	now := h.d.Clock.Now()
	m, err := memory.New(domain.NewID(now), in.OwnerID, in.CompanionID, in.Spec, nil, now)
	if err != nil {
		return memory.Memory{}, err
	}
	if err := h.d.Store.Create(ctx, m); err != nil {
		if domain.IsKind(err, domain.KindConflict) {
			return memory.Memory{}, ErrKnown
		}
		return memory.Memory{}, err
	}
	h.d.embed(ctx, m)
	return m, nil
}

// ErrKnown refuses a memory the companion has already (the same words).
var ErrKnown = domain.E(domain.KindConflict, "memory_exists", "the companion already remembers this")

// Edit changes a memory: the fields Change sets.
type Edit struct {
	OwnerID, ID domain.ID
	Change      Change
}

// Change is a partial edit of a memory (nil: as it is).
type Change struct {
	Text       *string
	Category   *memory.Category
	Importance *int
	Pinned     *bool
}

type editHandler struct{ d Deps }

func (h editHandler) Handle(ctx context.Context, in Edit) (memory.Memory, error) {
	m, err := h.d.Store.Get(ctx, in.OwnerID, in.ID)
	if err != nil {
		return memory.Memory{}, err
	}
	spec := m.Spec()
	if in.Change.Text != nil {
		spec.Text = *in.Change.Text
	}
	if in.Change.Category != nil {
		spec.Category = *in.Change.Category
	}
	if in.Change.Importance != nil {
		spec.Importance = *in.Change.Importance
	}
	if in.Change.Pinned != nil {
		spec.Pinned = *in.Change.Pinned
	}
	textChanged := memory.CleanText(spec.Text) != m.Text
	updated, err := m.Apply(spec, h.d.Clock.Now())
	if err != nil {
		return memory.Memory{}, err
	}
	if err := h.d.Store.Update(ctx, updated); err != nil {
		if domain.IsKind(err, domain.KindConflict) {
			return memory.Memory{}, ErrKnown
		}
		return memory.Memory{}, err
	}
	if textChanged {
		h.d.embed(ctx, updated)
	}
	return updated, nil
}

// Delete forgets one memory.
type Delete struct {
	OwnerID, ID domain.ID
}

type deleteHandler struct{ d Deps }

func (h deleteHandler) Handle(ctx context.Context, in Delete) (struct{}, error) {
	return struct{}{}, h.d.Store.Delete(ctx, in.OwnerID, in.ID)
}

// Wipe makes a companion forget everything: every memory, and the relationship back where it
// starts; audited.
type Wipe struct {
	OwnerID, CompanionID domain.ID
	Meta                 audit.Meta
}

type wipeHandler struct{ d Deps }

func (h wipeHandler) Handle(ctx context.Context, in Wipe) (int, error) {
	c, err := h.d.Companions.Get(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return 0, err
	}
	if err := c.Writable(); err != nil {
		return 0, err
	}
	n, err := h.d.Store.Wipe(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return 0, err
	}
	return n, h.d.Relationships.Forgot(ctx, in.OwnerID, in.CompanionID, n, in.Meta)
}
