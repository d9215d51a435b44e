package chat

import "time"

// Limits bound what a turn sends to the model and how it streams.
type Limits struct {
	// ContextTokens is the model's context window. Replies take what the persona asks for; the
	// history gets the rest, up to HistoryTokens (DeepThink: all of it).
	ContextTokens int
	HistoryTokens int
	// BatchDelay and BatchBytes coalesce reply tokens into stream events: a batch is published
	// when it is BatchDelay old or BatchBytes long, whichever comes first.
	BatchDelay time.Duration
	BatchBytes int
	// EventTTL is how long a finished turn's events stay on the bus for late followers.
	EventTTL time.Duration
	// RecallBudget is the longest recalling memories may hold the reply back: beyond it the reply
	// is written without them (SPEC §3.3 step 1).
	RecallBudget time.Duration
}

// DefaultLimits suit an 8k-context model.
func DefaultLimits() Limits {
	return Limits{ContextTokens: 8192, HistoryTokens: 4096, BatchDelay: 50 * time.Millisecond, BatchBytes: 64,
		EventTTL: time.Hour, RecallBudget: 250 * time.Millisecond}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.ContextTokens <= 0 {
		l.ContextTokens = d.ContextTokens
	}
	if l.HistoryTokens <= 0 {
		l.HistoryTokens = min(d.HistoryTokens, l.ContextTokens/2)
	}
	if l.BatchDelay <= 0 {
		l.BatchDelay = d.BatchDelay
	}
	if l.BatchBytes <= 0 {
		l.BatchBytes = d.BatchBytes
	}
	if l.EventTTL <= 0 {
		l.EventTTL = d.EventTTL
	}
	if l.RecallBudget <= 0 {
		l.RecallBudget = d.RecallBudget
	}
	return l
}
