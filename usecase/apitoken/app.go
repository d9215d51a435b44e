package apitoken

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/auditlog"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// Deps are what the token use cases consume.
type Deps struct {
	Store Store
	Audit auditlog.Repository
	Guard *ratelimit.Guard
	Clock usecase.Clock
	// Change bounds making and revoking tokens per person (the settings rule).
	Change ratelimit.Rule
	// Observer hears of audit events that could not be written (nil: nobody).
	Observer Observer
	// VerifyPassword checks the person's password before a token is made (usecase/account's
	// VerifyPassword, within its own budget of checks): a token outlives the session that made it,
	// so a stolen session alone must not be able to mint one.
	VerifyPassword func(ctx context.Context, userID domain.ID, password string) error
}

// Observer hears what the token use cases carry on past. adapter/zaplog logs it.
type Observer interface {
	AuditNotRecorded(ctx context.Context, action string, err error)
}

// App is the set of token use cases.
type App struct {
	Create decorator.Handler[Create, Created]
	List   decorator.Handler[List, []Token]
	Revoke decorator.Handler[Revoke, struct{}]
	// Authenticate resolves a presented secret to its live token.
	Authenticate decorator.Handler[Authenticate, Token]
}

// NewApp builds the token use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil || d.Audit == nil || d.Guard == nil || d.Clock == nil || d.VerifyPassword == nil {
		return nil, domain.Errorf(domain.KindInternal, "apitoken deps: Store, Audit, Guard, Clock and VerifyPassword are required")
	}
	return &App{
		Create:       decorator.Decorate("apitoken.create", createHandler{d}, obs...),
		List:         decorator.Decorate("apitoken.list", listHandler{d}, obs...),
		Revoke:       decorator.Decorate("apitoken.revoke", revokeHandler{d}, obs...),
		Authenticate: decorator.Decorate("apitoken.authenticate", authenticateHandler{d}, obs...),
	}, nil
}

// record appends an audit event after the change it records was made: an event that cannot be
// written does not undo the change, and the observer hears of it.
func (d Deps) record(ctx context.Context, e audit.Event) {
	if err := d.Audit.Append(context.WithoutCancel(ctx), e); err != nil && d.Observer != nil {
		d.Observer.AuditNotRecorded(ctx, e.Action.String(), err)
	}
}
