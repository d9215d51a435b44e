package usage

import (
	"context"
	"sort"

	"github.com/companionhub/companionhub/domain"
)

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
	if d.Meter != nil {
		defer d.Meter.Hold()() // what is written and what is not, each once
	}
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
