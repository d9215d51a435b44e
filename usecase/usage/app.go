package usage

import (
	"context"
	"sort"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
)

// Deps are what the usage use cases consume.
type Deps struct {
	Store  Store
	Meter  *Meter // nil: only what is written is reported
	Prices Prices
	// Defaults are the hub's daily quotas (0 or nil: no limit).
	Defaults Limits
	Clock    usecase.Clock
}

// App is the set of usage use cases.
type App struct {
	// Mine is a person's usage by day and kind, with its cost and their quotas today.
	Mine decorator.Handler[Mine, Report]
	// All is everyone's usage (or one person's) by day, person, companion and kind: for operators.
	All decorator.Handler[All, Report]
	// Quota is a person's quotas: their overrides and where they stand today.
	Quota decorator.Handler[GetQuota, QuotaView]
	// SetQuota replaces a person's overrides (an operator's command).
	SetQuota decorator.Handler[SetQuota, QuotaView]
	// Gate answers whether a person may still spend of a quota.
	Gate Gate
}

// NewApp builds the usage use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "usage deps: Store and Clock are required")
	}
	if err := d.Defaults.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInternal, "usage deps: default quotas: %w", err)
	}
	gate := Gate{Store: d.Store, Meter: d.Meter, Defaults: d.Defaults, Clock: d.Clock}
	return &App{
		Mine:     decorator.Decorate("usage.mine", mineHandler{d, gate}, obs...),
		All:      decorator.Decorate("usage.all", allHandler{d}, obs...),
		Quota:    decorator.Decorate("usage.quota", quotaHandler{d, gate}, obs...),
		SetQuota: decorator.Decorate("usage.set_quota", setQuotaHandler{d, gate}, obs...),
		Gate:     gate,
	}, nil
}

// MaxDays bounds a report's span.
const MaxDays = 366

// Line is an amount of a report: by day, kind, provider and model — and for operators by person
// and companion too.
type Line struct {
	Key
	Amount int64
	Cost   float64
}

// Total is a kind's amount and cost over a report's span.
type Total struct {
	Kind   Kind
	Amount int64
	Cost   float64
}

// Report is usage over a span of days.
type Report struct {
	From, To Day
	Currency string // "": no prices
	Lines    []Line
	Totals   []Total
	Cost     float64
	// Quotas are the person's quotas today (a person's own report only).
	Quotas []Standing
}

// Mine asks for a person's usage from From to To (inclusive; zero: the last 30 days).
type Mine struct {
	UserID   domain.ID
	From, To string
}

type mineHandler struct {
	d    Deps
	gate Gate
}

func (h mineHandler) Handle(ctx context.Context, in Mine) (Report, error) {
	f, err := h.d.span(in.From, in.To)
	if err != nil {
		return Report{}, err
	}
	f.UserID = in.UserID.String()
	r, err := h.d.report(ctx, f, false)
	if err != nil {
		return Report{}, err
	}
	if r.Quotas, err = h.gate.Standings(ctx, in.UserID); err != nil {
		return Report{}, err
	}
	return r, nil
}

// All asks for everyone's usage (UserID set: one person's) from From to To.
type All struct {
	UserID   domain.ID // zero: everyone
	From, To string
}

type allHandler struct{ d Deps }

func (h allHandler) Handle(ctx context.Context, in All) (Report, error) {
	f, err := h.d.span(in.From, in.To)
	if err != nil {
		return Report{}, err
	}
	if !in.UserID.IsZero() {
		f.UserID = in.UserID.String()
	}
	return h.d.report(ctx, f, true)
}

// span reads a report's days: From and To as "2006-01-02", the last 30 days when both are empty,
// a single day when one is.
func (d Deps) span(from, to string) (Filter, error) {
	today := DayOf(d.Clock.Now())
	f := Filter{From: Day(from), To: Day(to)}
	var v []domain.FieldViolation
	for _, p := range []struct {
		field string
		day   *Day
	}{{"from", &f.From}, {"to", &f.To}} {
		if *p.day == "" {
			continue
		}
		day, err := ParseDay(string(*p.day))
		if err != nil {
			v = append(v, domain.Violation(p.field, "invalid", "a day is written 2006-01-02"))
			continue
		}
		*p.day = day
	}
	if len(v) > 0 {
		return Filter{}, domain.Invalid(v...)
	}
	switch {
	case f.From == "" && f.To == "":
		f.To = today
		f.From = DayOf(today.Time().AddDate(0, 0, -29))
	case f.From == "":
		f.From = f.To
	case f.To == "":
		f.To = f.From
	}
	if f.From > f.To {
		return Filter{}, domain.Invalid(domain.Violation("to", "before_from", "to is on or after from"))
	}
	if f.To.Time().Sub(f.From.Time()).Hours()/24 >= MaxDays {
		return Filter{}, domain.Invalid(domain.Violation("to", "too_long", "a report spans at most 366 days"))
	}
	return f, nil
}

// report reads what is written within f with what the meter holds, priced. Lines keep the person
// and companion apart only when byPerson is set.
func (d Deps) report(ctx context.Context, f Filter, byPerson bool) (Report, error) {
	written, err := d.Store.Entries(ctx, f)
	if err != nil {
		return Report{}, err
	}
	if d.Meter != nil {
		written = append(written, d.Meter.Unwritten(f)...)
	}
	sums := map[Key]int64{}
	for _, e := range written {
		k := e.Key
		if !byPerson {
			k.UserID, k.CompanionID = "", ""
		}
		sums[k] += e.Amount
	}
	r := Report{From: f.From, To: f.To, Currency: d.Prices.Currency, Lines: make([]Line, 0, len(sums))}
	totals := map[Kind]*Total{}
	for k, n := range sums {
		cost := d.Prices.Cost(k, n)
		r.Lines = append(r.Lines, Line{Key: k, Amount: n, Cost: cost})
		t := totals[k.Kind]
		if t == nil {
			t = &Total{Kind: k.Kind}
			totals[k.Kind] = t
		}
		t.Amount += n
		t.Cost += cost
		r.Cost += cost
	}
	sort.Slice(r.Lines, func(i, j int) bool { return r.Lines[i].Key.less(r.Lines[j].Key) })
	for _, k := range Kinds() {
		if t := totals[k]; t != nil {
			r.Totals = append(r.Totals, *t)
		}
	}
	return r, nil
}

func (k Key) less(o Key) bool {
	a := [...]string{string(k.Day), k.UserID, k.CompanionID, string(k.Kind), k.Provider, k.Model}
	b := [...]string{string(o.Day), o.UserID, o.CompanionID, string(o.Kind), o.Provider, o.Model}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// QuotaView is a person's overrides and where they stand today.
type QuotaView struct {
	Overrides Limits
	Standings []Standing
}

// GetQuota asks for a person's quotas.
type GetQuota struct{ UserID domain.ID }

type quotaHandler struct {
	d    Deps
	gate Gate
}

func (h quotaHandler) Handle(ctx context.Context, in GetQuota) (QuotaView, error) {
	return view(ctx, h.d, h.gate, in.UserID)
}

func view(ctx context.Context, d Deps, gate Gate, userID domain.ID) (QuotaView, error) {
	o, err := d.Store.Overrides(ctx, userID)
	if err != nil {
		return QuotaView{}, err
	}
	s, err := gate.Standings(ctx, userID)
	if err != nil {
		return QuotaView{}, err
	}
	return QuotaView{Overrides: o, Standings: s}, nil
}

// SetQuota replaces a person's overrides: a nil limit is the hub's default, 0 no limit.
type SetQuota struct {
	UserID    domain.ID
	Overrides Limits
}

type setQuotaHandler struct {
	d    Deps
	gate Gate
}

func (h setQuotaHandler) Handle(ctx context.Context, in SetQuota) (QuotaView, error) {
	if err := in.Overrides.Validate(); err != nil {
		return QuotaView{}, err
	}
	if err := h.d.Store.SetOverrides(ctx, in.UserID, in.Overrides); err != nil {
		return QuotaView{}, err
	}
	return view(ctx, h.d, h.gate, in.UserID)
}
