package memory

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/llm"
)

// Recall asks what a companion remembers that bears on a message: at most Limit memories, pinned
// ones first, then the most relevant.
type Recall struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Query       string
	Limit       int
}

// Learn takes in an exchange — a person's message and the reply to it: what is worth remembering,
// and how it moved the relationship.
type Learn struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	UserMessage chat.Message
	Reply       chat.Message
}

// Companions is what memory reads of companions: the owner's one (another's is not found).
type Companions interface {
	Get(ctx context.Context, owner, id domain.ID) (*companion.Companion, error)
}

// Relationships moves a companion's relationship: by what a conversation did to it, and back to
// where it starts when the companion forgets everything (audited). usecase/companion's
// Relationships is one.
type Relationships interface {
	Adjust(ctx context.Context, owner, id domain.ID, affection, trust int) error
	Forgot(ctx context.Context, owner, id domain.ID, forgotten int, m audit.Meta) error
}

// Deps are what the memory use cases consume. Store is nil on a hub that cannot remember: the
// use cases then say usecase.ErrNotConfigured. Embedder is optional: recall works without one.
type Deps struct {
	Store         Store
	Model         llm.Model
	Companions    Companions
	Relationships Relationships
	Clock         usecase.Clock
	Embedder      Embedder
	// EmbedderName names the embedder's vectors (its provider and model): vectors of another one
	// are not compared.
	EmbedderName string
	// EmbedTimeout bounds embedding a recall's query, so that a slow embedder costs recall its
	// meaning, not its time (0: a default, 150 ms). The hub gives it most of the recall budget.
	EmbedTimeout time.Duration
	// Pause waits before a memory's embedding is tried again, and reports false if ctx ended
	// first (nil: a timer; tests pass one that returns at once and records the wait).
	Pause func(ctx context.Context, d time.Duration) bool
}

// App is the set of memory use cases.
type App struct {
	// Recall and Learn are the chat turn's.
	Recall decorator.Handler[Recall, []string]
	Learn  decorator.Handler[Learn, struct{}]
	// List, Add, Edit, Delete and Wipe are the person's.
	List   decorator.Handler[List, Page]
	Add    decorator.Handler[Add, memory.Memory]
	Edit   decorator.Handler[Edit, memory.Memory]
	Delete decorator.Handler[Delete, struct{}]
	Wipe   decorator.Handler[Wipe, int]
	store  bool
}

// Configured says whether the hub can remember (it has a memory store).
func (a *App) Configured() bool { return a.store }

// NewApp builds the memory use cases over d. Without a store they say usecase.ErrNotConfigured and
// are not decorated: a feature that is not there is not a failure to log on every turn.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil {
		return &App{Recall: decorator.Fail[Recall, []string](usecase.ErrNotConfigured),
			Learn:  decorator.Fail[Learn, struct{}](usecase.ErrNotConfigured),
			List:   decorator.Fail[List, Page](usecase.ErrNotConfigured),
			Add:    decorator.Fail[Add, memory.Memory](usecase.ErrNotConfigured),
			Edit:   decorator.Fail[Edit, memory.Memory](usecase.ErrNotConfigured),
			Delete: decorator.Fail[Delete, struct{}](usecase.ErrNotConfigured),
			Wipe:   decorator.Fail[Wipe, int](usecase.ErrNotConfigured)}, nil
	}
	if d.Companions == nil || d.Relationships == nil || d.Clock == nil || d.Model == nil {
		return nil, domain.Errorf(domain.KindInternal, "memory deps: Companions, Relationships, Clock and Model are required with a store")
	}
	if d.EmbedTimeout <= 0 {
		d.EmbedTimeout = defaultEmbedTimeout
	}
	return &App{
		Recall: decorator.Decorate("memory.recall", recallHandler{d}, obs...),
		Learn:  decorator.Decorate("memory.learn", learnHandler{d}, obs...),
		List:   decorator.Decorate("memory.list", listHandler{d}, obs...),
		Add:    decorator.Decorate("memory.add", addHandler{d}, obs...),
		Edit:   decorator.Decorate("memory.edit", editHandler{d}, obs...),
		Delete: decorator.Decorate("memory.delete", deleteHandler{d}, obs...),
		Wipe:   decorator.Decorate("memory.wipe", wipeHandler{d}, obs...),
		store:  true,
	}, nil
}
