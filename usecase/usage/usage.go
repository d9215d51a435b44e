// Package usage is what the hub's providers cost and who may spend how much (SPEC §3.7,
// Operations): every provider call — a model's tokens, a picture, speech, a transcription,
// embeddings — is counted per person, companion and day by the instruments that wrap the providers'
// ports (Instrument*), kept in memory and written off the hot path (Meter); daily quotas per
// person refuse work once one is used up (Quotas); and the use cases report it, with its cost
// from a price table (App).
package usage

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Kind is what is counted.
type Kind string

const (
	PromptTokens         Kind = "prompt_tokens"         // a model's prompt tokens
	CompletionTokens     Kind = "completion_tokens"     // a model's written tokens
	Pictures             Kind = "pictures"              // pictures rendered
	SpeechCharacters     Kind = "speech_characters"     // characters spoken
	TranscriptionSeconds Kind = "transcription_seconds" // seconds of voice notes transcribed
	EmbeddingTokens      Kind = "embedding_tokens"      // tokens embedded
)

// Kinds lists every kind.
func Kinds() []Kind {
	return []Kind{PromptTokens, CompletionTokens, Pictures, SpeechCharacters, TranscriptionSeconds, EmbeddingTokens}
}

// Valid reports whether k is a kind.
func (k Kind) Valid() bool {
	for _, v := range Kinds() {
		if k == v {
			return true
		}
	}
	return false
}

// Day is a UTC calendar day, "2006-01-02": usage is counted, and quotas reset, by it.
type Day string

// DayOf is the UTC day t falls on.
func DayOf(t time.Time) Day { return Day(t.UTC().Format(time.DateOnly)) }

// ParseDay reads a "2006-01-02" day.
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return "", err
	}
	return DayOf(t), nil
}

// Time is the day's first instant.
func (d Day) Time() time.Time {
	t, _ := time.Parse(time.DateOnly, string(d))
	return t
}

// Key is what an amount is counted under.
type Key struct {
	Day         Day
	UserID      string // "": the hub's own work (no person asked for it)
	CompanionID string // "": no companion
	Kind        Kind
	// Provider is the backend that did the work ("openai", "a1111", "offline", …); Model is the
	// model it used, or for pictures their size ("768x1024").
	Provider, Model string
}

// Entry is an amount counted under a key.
type Entry struct {
	Key
	Amount int64
}

// Filter selects counted usage: From and To are inclusive days; UserID "" means everyone.
type Filter struct {
	From, To Day
	UserID   string
}

// Store keeps counted usage and people's quota overrides. Implementations: adapter/sqlstore;
// conformance: test/contract/usagestoretest.
type Store interface {
	// Add adds each entry's amount to what is kept under its key (one transaction).
	Add(ctx context.Context, entries []Entry) error
	// Entries is what is kept within f, ordered by day, user, companion, kind, provider, model.
	Entries(ctx context.Context, f Filter) ([]Entry, error)
	// Used is how much of each kind userID used on day.
	Used(ctx context.Context, userID string, day Day) (map[Kind]int64, error)
	// Overrides is userID's quota overrides (none: the hub's defaults apply).
	Overrides(ctx context.Context, userID domain.ID) (Limits, error)
	// SetOverrides replaces userID's overrides (all nil: none); ErrNoSuchUser when there is no such person.
	SetOverrides(ctx context.Context, userID domain.ID, l Limits) error
}

// ErrNoSuchUser is what setting the quota of an unknown person says.
var ErrNoSuchUser = domain.E(domain.KindNotFound, "user_not_found", "no such user")
