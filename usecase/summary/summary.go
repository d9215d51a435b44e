// Package summary keeps long conversations whole (SPEC §3.5, long conversations): the part of a
// conversation that no longer fits a reply's history window is told in a running summary, made
// in the background after replies and put into the reply's prompt ahead of the history that fits.
package summary

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/llm"
)

// Summary is a companion's running summary of its conversation with its person: what was said up
// to and including the message at Through, in Messages messages.
type Summary struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Text        string
	Through     domain.Cursor
	Messages    int
	// Stale: a message it tells of was edited, deleted or replaced by another alternative since.
	// A stale summary goes into no prompt; the next one starts over.
	Stale     bool
	UpdatedAt time.Time
}

// Store keeps one summary a companion. Implementation: adapter/sqlstore (migration 00013, whose
// triggers mark a summary stale when a message it tells of changes); conformance:
// test/contract/summarystoretest.
type Store interface {
	// Get returns the owner's companion's summary; ok is false when it has none (or the companion
	// is another's).
	Get(ctx context.Context, ownerID, companionID domain.ID) (s Summary, ok bool, err error)
	// Save keeps s as the companion's summary, replacing the one it had. A companion that is not
	// the owner's (or is gone) is KindNotFound.
	Save(ctx context.Context, s Summary) error
}

// Conversation reads a companion's conversation: Recent returns up to limit of its messages (the
// shown ones, hidden included) created before before (zero: now), newest first. The chat store's
// MessageRepository is one.
type Conversation interface {
	Recent(ctx context.Context, companionID domain.ID, before domain.Cursor, limit int) ([]chat.Message, error)
}

// Tokens counts the tokens of a text as the reply's model would.
type Tokens interface {
	Count(text string) int
}

// Deps are what the summary use cases consume.
type Deps struct {
	Store        Store
	Conversation Conversation
	Tokens       Tokens
	Model        llm.Model
	Clock        usecase.Clock
	// HistoryTokens is the reply's history window (chat.Limits.HistoryTokens): what lies beyond
	// three quarters of it is summarised, so the summary reaches into the window before a message
	// leaves it.
	HistoryTokens int
}

// App is the set of summary use cases.
type App struct {
	// Summarize is the chat turn's, after a reply.
	Summarize decorator.Handler[Summarize, bool]
	// Get is the person's (and the reply prompt's).
	Get decorator.Handler[Get, Summary]
}

// NewApp builds the summary use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil || d.Conversation == nil || d.Tokens == nil || d.Model == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "summary deps: Store, Conversation, Tokens, Model and Clock are required")
	}
	if d.HistoryTokens <= 0 {
		return nil, domain.Errorf(domain.KindInternal, "summary deps: HistoryTokens must be positive, not %d", d.HistoryTokens)
	}
	return &App{
		Summarize: decorator.Decorate("summary.summarize", summarizeHandler{d}, obs...),
		Get:       decorator.Decorate("summary.get", getHandler{d}, obs...),
	}, nil
}
