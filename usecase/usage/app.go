package usage

import (
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
