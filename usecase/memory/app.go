package memory

import (
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
)

// Recall asks what a companion remembers that bears on a message: at most Limit memories, most
// relevant first.
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

// Deps are what the memory use cases consume. Embedder is optional: recall works without one.
type Deps struct {
	Embedder Embedder
}

// App is the set of memory use cases. Remembering needs a memory store, which the hub does not
// have yet (it comes with memory extraction and recall, SPEC §3.5): until then Recall and Learn
// say usecase.ErrNotConfigured, which a turn takes as "skip this step", and they are not
// decorated, since a feature that is not there is not a failure to log on every turn.
type App struct {
	Recall decorator.Handler[Recall, []string]
	Learn  decorator.Handler[Learn, struct{}]
}

// Configured says whether the hub can remember (it has a memory store); without one, Recall and
// Learn say usecase.ErrNotConfigured, and a turn need not ask them.
func (a *App) Configured() bool { return false }

// NewApp builds the memory use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	return &App{Recall: decorator.Fail[Recall, []string](usecase.ErrNotConfigured),
		Learn: decorator.Fail[Learn, struct{}](usecase.ErrNotConfigured)}, nil
}
