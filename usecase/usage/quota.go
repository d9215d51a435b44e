package usage

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase"
)

// Quota is what a person may spend in a day.
type Quota string

const (
	QuotaTokens   Quota = "tokens"   // a model's prompt and written tokens together
	QuotaPictures Quota = "pictures" // pictures rendered
	QuotaSpeech   Quota = "speech"   // characters spoken
)

// Quotas lists every quota.
func Quotas() []Quota { return []Quota{QuotaTokens, QuotaPictures, QuotaSpeech} }

// kinds are the counted kinds a quota adds up.
func (q Quota) kinds() []Kind {
	switch q {
	case QuotaTokens:
		return []Kind{PromptTokens, CompletionTokens}
	case QuotaPictures:
		return []Kind{Pictures}
	case QuotaSpeech:
		return []Kind{SpeechCharacters}
	}
	return nil
}

// Limits are daily quotas: nil is "not set" (an override that is nil leaves the hub's default), 0
// is "no limit".
type Limits struct {
	Tokens, Pictures, Speech *int64
}

// Of is the limit of q.
func (l Limits) Of(q Quota) *int64 {
	switch q {
	case QuotaTokens:
		return l.Tokens
	case QuotaPictures:
		return l.Pictures
	case QuotaSpeech:
		return l.Speech
	}
	return nil
}

// Over is l with o's set limits in place of its own.
func (l Limits) Over(o Limits) Limits {
	if o.Tokens != nil {
		l.Tokens = o.Tokens
	}
	if o.Pictures != nil {
		l.Pictures = o.Pictures
	}
	if o.Speech != nil {
		l.Speech = o.Speech
	}
	return l
}

// Validate refuses negative limits.
func (l Limits) Validate() error {
	var v []domain.FieldViolation
	for _, q := range Quotas() {
		if p := l.Of(q); p != nil && *p < 0 {
			v = append(v, domain.Violation(string(q), "negative", "a quota is 0 (no limit) or more"))
		}
	}
	if len(v) > 0 {
		return domain.Invalid(v...)
	}
	return nil
}

// Standing is one quota of one person today.
type Standing struct {
	Quota Quota
	Limit int64 // 0: no limit
	Used  int64
	// ResetsAt is when the day's count starts again (the next UTC midnight).
	ResetsAt time.Time
}

// Exceeded reports whether no more work fits in the quota.
func (s Standing) Exceeded() bool { return s.Limit > 0 && s.Used >= s.Limit }

// Gate answers whether a person may still spend of a quota today: what was written, plus what the
// meter holds unwritten. A quota is checked before work starts — a message, a picture, speech —
// and work that started finishes even if it goes over: a reply is never cut off by its own cost.
type Gate struct {
	Store    Store
	Meter    *Meter // nil: only what is written counts
	Defaults Limits
	Clock    usecase.Clock
}

// Standings are userID's quotas today.
func (g Gate) Standings(ctx context.Context, userID domain.ID) ([]Standing, error) {
	limits, err := g.limits(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := g.Clock.Now()
	day := DayOf(now)
	used, err := g.used(ctx, userID.String(), day)
	if err != nil {
		return nil, err
	}
	out := make([]Standing, 0, len(Quotas()))
	for _, q := range Quotas() {
		out = append(out, standing(q, limits, used, day))
	}
	return out, nil
}

// standing is where quota q stands on day, with limits and what was used.
func standing(q Quota, limits Limits, used map[Kind]int64, day Day) Standing {
	s := Standing{Quota: q, ResetsAt: day.Time().AddDate(0, 0, 1)}
	if p := limits.Of(q); p != nil {
		s.Limit = *p
	}
	for _, k := range q.kinds() {
		s.Used += used[k]
	}
	return s
}

// Allow is nil when userID may still spend of q today, else usecase.QuotaExceeded saying when it
// resets. A zero Gate (no store) allows everything.
func (g Gate) Allow(ctx context.Context, userID domain.ID, q Quota) error {
	if g.Store == nil {
		return nil
	}
	limits, err := g.limits(ctx, userID)
	if err != nil {
		return err
	}
	p := limits.Of(q)
	if p == nil || *p == 0 {
		return nil // no limit: nothing to read
	}
	now := g.Clock.Now()
	day := DayOf(now)
	used, err := g.used(ctx, userID.String(), day)
	if err != nil {
		return err
	}
	if s := standing(q, limits, used, day); s.Exceeded() {
		return usecase.QuotaExceeded(string(q), s.ResetsAt.Sub(now))
	}
	return nil
}

func (g Gate) limits(ctx context.Context, userID domain.ID) (Limits, error) {
	o, err := g.Store.Overrides(ctx, userID)
	if err != nil {
		return Limits{}, err
	}
	return g.Defaults.Over(o), nil
}

// used is what userID used on day: written, and not written yet — read under the meter's hold.
func (g Gate) used(ctx context.Context, userID string, day Day) (map[Kind]int64, error) {
	if g.Meter != nil {
		defer g.Meter.Hold()()
	}
	used, err := g.Store.Used(ctx, userID, day)
	if err != nil {
		return nil, err
	}
	if g.Meter != nil {
		for k, n := range g.Meter.Pending(userID, day) {
			used[k] += n
		}
	}
	return used, nil
}
