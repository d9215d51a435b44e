// Package userdata is what a person may ask of everything the hub keeps of them: to take it all
// away (Export) or to have it all deleted (Erase). Every area keeps its own rows; this package reaches across them, through a
// store that deletes a person whole in one transaction, and the blob store that holds their files.
package userdata

import (
	"context"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/auditlog"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/decorator"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	roomuc "github.com/companionhub/companionhub/usecase/room"
	"github.com/companionhub/companionhub/usecase/usage"
)

// Store deletes people. Implementation: adapter/sqlstore; conformance:
// test/contract/userdatastoretest.
type Store interface {
	// Erase deletes the person and every row that is theirs, in one transaction — account,
	// sessions, tokens, companions with their conversations, memories, summaries, schedules and
	// runs, pictures' and audio's records, ratings (the totals of what they rated recounted),
	// reports, preferences, their audit trail and the login lockouts whose keys start with
	// lockoutSubject — and returns the keys of the stored files those rows named. KindNotFound
	// for an unknown user.
	Erase(ctx context.Context, userID domain.ID, lockoutSubject string) ([]media.Key, error)
	// Files lists the person's stored files, oldest first.
	Files(ctx context.Context, userID domain.ID) ([]media.Item, error)
}

// Deps are what the user-data use cases consume.
type Deps struct {
	Store      Store
	Accounts   *accountuc.App
	Companions *companionuc.App
	Chat       *chatuc.App
	Memory     *memoryuc.App
	// Schedules takes the person's schedules out of the scheduler before their rows go.
	Schedules *proactive.App
	// Usage is what the providers did for the person, for the export (nil: it has no usage.json).
	Usage *usage.App
	// Rooms are the group chats, for the export (nil: it has no rooms.json).
	Rooms *roomuc.App
	Guard *ratelimit.Guard
	// Change bounds exports per person (the settings rule): each reads everything.
	Change ratelimit.Rule
	Blobs  mediauc.BlobStore
	Audit  auditlog.Repository
	Clock  usecase.Clock
	// Observer hears of files and audit events that could not be written or deleted (nil: nobody).
	Observer Observer
}

// Observer hears what erasing carries on past. adapter/zaplog logs it.
type Observer interface {
	AuditNotRecorded(ctx context.Context, action string, err error)
	FileNotDeleted(ctx context.Context, key string, err error)
	SchedulesNotForgotten(ctx context.Context, err error)
}

// App is the set of user-data use cases.
type App struct {
	Export decorator.Handler[Export, Exported]
	Erase  decorator.Handler[Erase, Erased]
}

// NewApp builds the use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil || d.Accounts == nil || d.Companions == nil || d.Chat == nil || d.Memory == nil || d.Schedules == nil || d.Guard == nil ||
		d.Blobs == nil || d.Audit == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "userdata deps: all but Observer are required")
	}
	return &App{
		Export: decorator.Decorate("userdata.export", exportHandler{d}, obs...),
		Erase:  decorator.Decorate("userdata.erase", eraseHandler{d}, obs...),
	}, nil
}

// Erase deletes a person's account and everything that is theirs, once they gave their password.
type Erase struct {
	UserID   domain.ID
	Password string
}

// Erased says what went: the stored files deleted (Files), and those that could not be (left to
// the orphan sweep, `admin cleanup-orphans`).
type Erased struct {
	Files, FilesLeft int
}

type eraseHandler struct{ d Deps }

func (h eraseHandler) Handle(ctx context.Context, in Erase) (Erased, error) {
	if _, err := h.d.Accounts.VerifyPassword.Handle(ctx, accountuc.VerifyPassword{UserID: in.UserID, Password: in.Password}); err != nil {
		return Erased{}, err
	}
	// Out of the scheduler first (Temporal keeps its own): what fails is dropped at its next firing.
	if _, err := h.d.Schedules.Forget.Handle(ctx, proactive.Forget{OwnerID: in.UserID}); err != nil && h.d.Observer != nil {
		h.d.Observer.SchedulesNotForgotten(ctx, err)
	}
	keys, err := h.d.Store.Erase(ctx, in.UserID, accountuc.LockoutSubject(in.UserID))
	if err != nil {
		return Erased{}, err
	}
	// The rows are gone: nothing names the files any more. One that cannot be deleted now is an
	// orphan, which the sweep deletes later.
	ctx = context.WithoutCancel(ctx)
	var out Erased
	for _, k := range keys {
		if err := h.d.Blobs.Delete(ctx, k.String()); err != nil {
			out.FilesLeft++
			if h.d.Observer != nil {
				h.d.Observer.FileNotDeleted(ctx, k.String(), err)
			}
			continue
		}
		out.Files++
	}
	e := audit.New(h.d.Clock.Now(), domain.ID{}, audit.ActionAccountDelete, audit.ResourceUser, in.UserID.String(), audit.Meta{}).
		With("files", strconv.Itoa(out.Files))
	if err := h.d.Audit.Append(ctx, e); err != nil && h.d.Observer != nil {
		h.d.Observer.AuditNotRecorded(ctx, e.Action.String(), err)
	}
	return out, nil
}
