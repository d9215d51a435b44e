package community

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/auditlog"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// Policy is the community's limits.
type Policy struct {
	// Change bounds publishing, unpublishing and reports per person (the settings rule).
	Change ratelimit.Rule
	// View bounds the views counted per client address and companion: beyond it a view is shown
	// but not counted.
	View ratelimit.Rule
	// Browse bounds community lists and views per client address, anonymous visitors included.
	Browse ratelimit.Rule
}

// DefaultPolicy is SPEC §3.1's limits for the community.
func DefaultPolicy() Policy {
	r := ratelimit.DefaultRules()
	return Policy{Change: r.Settings, View: r.ViewCount, Browse: r.CommunityBrowse}
}

// Deps are what the community use cases consume.
type Deps struct {
	Store Store
	// Companions reads an owner's companion and makes clones (usecase/companion).
	Companions *companionuc.App
	Audit      auditlog.Repository
	Guard      *ratelimit.Guard
	Clock      usecase.Clock
	Policy     Policy
	Observer   Observer // nil: nobody hears
}

// App is the set of community use cases.
type App struct {
	Publish      decorator.Handler[Publish, Listing]
	Unpublish    decorator.Handler[Unpublish, struct{}]
	Browse       decorator.Handler[Browse, Page]
	View         decorator.Handler[View, Viewed]
	Rate         decorator.Handler[Rate, Rated]
	Clone        decorator.Handler[Clone, *companion.Companion]
	Report       decorator.Handler[ReportCompanion, struct{}]
	ConfirmAdult decorator.Handler[ConfirmAdult, bool]
	Adult        decorator.Handler[AdultStatus, bool]
	ExportCard   decorator.Handler[ExportCard, companionuc.ExportedCard]
	// Reports is the moderators' list of a companion's reports.
	Reports decorator.Handler[ListReports, []Report]
	// Status is the owner's view of their companion's publication (ErrNotPublished when private).
	Status decorator.Handler[Status, Listing]
}

// NewApp builds the community use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil || d.Companions == nil || d.Audit == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "community deps: Store, Companions, Audit and Clock are required")
	}
	return &App{
		Publish:      decorator.Decorate("community.publish", publishHandler{d}, obs...),
		Unpublish:    decorator.Decorate("community.unpublish", unpublishHandler{d}, obs...),
		Browse:       decorator.Decorate("community.browse", browseHandler{d}, obs...),
		View:         decorator.Decorate("community.view", viewHandler{d}, obs...),
		Rate:         decorator.Decorate("community.rate", rateHandler{d}, obs...),
		Clone:        decorator.Decorate("community.clone", cloneHandler{d}, obs...),
		Report:       decorator.Decorate("community.report", reportHandler{d}, obs...),
		ConfirmAdult: decorator.Decorate("community.confirm_adult", confirmAdultHandler{d}, obs...),
		Status:       decorator.Decorate("community.status", statusHandler{d}, obs...),
		Adult:        decorator.Decorate("community.adult", adultStatusHandler{d}, obs...),
		ExportCard:   decorator.Decorate("community.export_card", exportCardHandler{d}, obs...),
		Reports:      decorator.Decorate("community.reports", listReportsHandler{d}, obs...),
	}, nil
}

// Viewer is who is looking: a person (UserID) or an anonymous visitor (zero UserID), from IP.
type Viewer struct {
	UserID domain.ID
	IP     string
}

// ErrAccountNeeded refuses what only people with an account may do (rate, clone, report).
var ErrAccountNeeded = domain.E(domain.KindUnauthenticated, "unauthenticated", "sign in to do this")

// ratingsFor are the content ratings viewer may see: everything for a person who confirmed they
// are an adult, general ones only for anyone else (anonymous visitors included).
func (d Deps) ratingsFor(ctx context.Context, viewer domain.ID) ([]companion.ContentRating, error) {
	if viewer.IsZero() {
		return []companion.ContentRating{companion.RatingGeneral}, nil
	}
	adult, err := d.Store.AdultConfirmed(ctx, viewer)
	if err != nil {
		return nil, err
	}
	if !adult {
		return []companion.ContentRating{companion.RatingGeneral}, nil
	}
	return []companion.ContentRating{companion.RatingGeneral, companion.RatingMature, companion.RatingExplicit}, nil
}

// visible returns the published companion if viewer may see it; ErrNotPublished otherwise, so a
// companion hidden by the content gate is indistinguishable from one that is not published.
func (d Deps) visible(ctx context.Context, viewer domain.ID, id domain.ID) (Listing, error) {
	l, err := d.Store.Get(ctx, id)
	if err != nil {
		return Listing{}, err
	}
	if l.Companion.OwnerID() == viewer {
		return l, nil // an owner always sees their own
	}
	allowed, err := d.ratingsFor(ctx, viewer)
	if err != nil {
		return Listing{}, err
	}
	rating := l.Companion.Profile().Spec().ContentRating
	for _, r := range allowed {
		if r == rating {
			return l, nil
		}
	}
	return Listing{}, ErrNotPublished
}

// record appends an audit event after the change it records was made: an event that cannot be
// written does not undo the change, and the observer hears of it.
func (d Deps) record(ctx context.Context, e audit.Event) {
	if err := d.Audit.Append(context.WithoutCancel(ctx), e); err != nil && d.Observer != nil {
		d.Observer.AuditNotRecorded(ctx, e.Action.String(), err)
	}
}

// Observer hears what the community use cases carry on past. adapter/zaplog logs it.
type Observer interface {
	// AuditNotRecorded: a change was made but its audit event could not be written.
	AuditNotRecorded(ctx context.Context, action string, err error)
}
