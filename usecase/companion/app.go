package companion

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// Policy gathers what a deployment tunes about companions.
type Policy struct {
	// CreateRule limits creations, imports and clones per owner; UpdateRule limits edits.
	CreateRule ratelimit.Rule
	UpdateRule ratelimit.Rule
	// Retention is how long a trashed companion can be restored before purging removes it.
	Retention time.Duration
}

// DefaultPolicy is SPEC §3.1/§3.2: 10 creations and 20 changes an hour, 30 days in the trash.
func DefaultPolicy() Policy {
	r := ratelimit.DefaultRules()
	return Policy{CreateRule: r.CompanionCreate, UpdateRule: r.Settings, Retention: 30 * 24 * time.Hour}
}

// Deps are what the companion use cases consume.
type Deps struct {
	Store  Store
	Blobs  media.BlobStore
	Images media.ImageProcessor
	Cards  CardCodec
	Guard  *ratelimit.Guard
	Clock  usecase.Clock
	Policy Policy
	// Voices checks a voice a companion is given against the speech backend's (nil: any id).
	Voices VoiceChecker
}

// VoiceChecker says whether the speech backend has a voice: an error (KindNotFound) for one it
// lacks, nil for one it has — and when it cannot tell (no list, or the backend is down), so that
// a companion is never refused for the backend's trouble. usecase/voice's CheckVoice answers.
type VoiceChecker interface {
	CheckVoice(ctx context.Context, id string) error
}

// checkVoice checks the voice a change gives a companion, when it gives one it did not have.
func (d Deps) checkVoice(ctx context.Context, before, after companion.Voice) error {
	if d.Voices == nil || !after.Enabled || after.VoiceID == "" || (before.Enabled && before.VoiceID == after.VoiceID) {
		return nil
	}
	if err := d.Voices.CheckVoice(ctx, after.VoiceID); err != nil {
		if domain.KindOf(err) == domain.KindNotFound {
			return domain.Invalid(domain.Violation("voice.voice_id", "unknown", "the speech backend has no such voice; GET /api/v1/voices lists them"))
		}
		return err
	}
	return nil
}

// App is the set of companion use cases.
type App struct {
	Create       decorator.Handler[Create, *companion.Companion]
	Get          decorator.Handler[Get, *companion.Companion]
	List         decorator.Handler[List, Page]
	Update       decorator.Handler[Update, *companion.Companion]
	Delete       decorator.Handler[Delete, struct{}]
	Restore      decorator.Handler[Restore, *companion.Companion]
	Purge        decorator.Handler[Purge, PurgeResult]
	SetHeader    decorator.Handler[SetHeader, *companion.Companion]
	RemoveHeader decorator.Handler[RemoveHeader, *companion.Companion]
	ImportCard   decorator.Handler[ImportCard, Imported]
	// Clone makes someone a private copy of a shared companion (the community's).
	Clone      decorator.Handler[Clone, *companion.Companion]
	ExportCard decorator.Handler[ExportCard, ExportedCard]
	// GetSettings and UpdateSettings read and change a companion's settings (auto-image, voice,
	// memory, DeepThink).
	GetSettings    decorator.Handler[GetSettings, companion.Settings]
	UpdateSettings decorator.Handler[UpdateSettings, companion.Settings]
	// GetLorebook, PutLorebook and ImportWorldInfo read and change a companion's lorebook (its
	// card's character_book).
	GetLorebook     decorator.Handler[GetLorebook, companion.Book]
	PutLorebook     decorator.Handler[PutLorebook, companion.Book]
	ImportWorldInfo decorator.Handler[ImportWorldInfo, ImportedLorebook]
}

// NewApp builds the companion use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Store == nil || d.Blobs == nil || d.Images == nil || d.Cards == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "companion deps: Store, Blobs, Images, Cards and Clock are required")
	}
	return &App{
		Create:          decorator.Decorate("companion.create", createHandler{d}, obs...),
		Get:             decorator.Decorate("companion.get", getHandler{d}, obs...),
		List:            decorator.Decorate("companion.list", listHandler{d}, obs...),
		Update:          decorator.Decorate("companion.update", updateHandler{d}, obs...),
		Delete:          decorator.Decorate("companion.delete", deleteHandler{d}, obs...),
		Restore:         decorator.Decorate("companion.restore", restoreHandler{d}, obs...),
		Purge:           decorator.Decorate("companion.purge", purgeHandler{d}, obs...),
		SetHeader:       decorator.Decorate("companion.set_header", setHeaderHandler{d}, obs...),
		RemoveHeader:    decorator.Decorate("companion.remove_header", removeHeaderHandler{d}, obs...),
		ImportCard:      decorator.Decorate("companion.import_card", importCardHandler{d}, obs...),
		Clone:           decorator.Decorate("companion.clone", cloneHandler{d}, obs...),
		ExportCard:      decorator.Decorate("companion.export_card", exportCardHandler{d}, obs...),
		GetSettings:     decorator.Decorate("companion.get_settings", getSettingsHandler{d}, obs...),
		UpdateSettings:  decorator.Decorate("companion.update_settings", updateSettingsHandler{d}, obs...),
		GetLorebook:     decorator.Decorate("companion.get_lorebook", getLorebookHandler{d}, obs...),
		PutLorebook:     decorator.Decorate("companion.put_lorebook", putLorebookHandler{d}, obs...),
		ImportWorldInfo: decorator.Decorate("companion.import_world_info", importWorldInfoHandler{d}, obs...),
	}, nil
}

func appendAudit(ctx context.Context, r Repos, e audit.Event) error {
	if err := r.Audit().Append(ctx, e); err != nil {
		return errors.Join(domain.Errorf(domain.KindInternal, "record audit event %s", e.Action), err)
	}
	return nil
}

func event(now time.Time, owner domain.ID, action audit.Action, c *companion.Companion, m audit.Meta) audit.Event {
	return audit.New(now, owner, action, audit.ResourceCompanion, c.ID().String(), m).With("name", c.Profile().Name())
}

// writable returns the owner's companion to change it, locked for the transaction: a companion in
// the trash is read-only (companion.ErrTrashed).
func writable(ctx context.Context, r Repository, owner, id domain.ID) (*companion.Companion, error) {
	c, err := r.GetForUpdate(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	if err := c.Writable(); err != nil {
		return nil, err
	}
	return c, nil
}
