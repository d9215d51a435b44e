package picture

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/llm"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// Companions is what the picture use cases read of companions: the owner's one, to draw it.
// usecase/companion's Repository is one.
type Companions interface {
	Get(ctx context.Context, owner, id domain.ID) (*companion.Companion, error)
}

// Deps are what the picture use cases consume. Generator is nil on a hub without an image
// backend: the use cases that draw then say usecase.ErrNotConfigured (the gallery still answers).
type Deps struct {
	Generator Generator
	// Backend and ImageModel name the backend and its configured model, recorded with each picture.
	Backend, ImageModel string
	// Model writes a reply's picture prompt from its scene; nil (or an unusable answer) falls back
	// to a deterministic template.
	Model      llm.Model
	Images     mediauc.ImageProcessor
	Blobs      mediauc.BlobStore
	Media      mediauc.Repository
	Gallery    Gallery
	Companions Companions
	Clock      usecase.Clock
	// Guard and Rule limit the pictures a person generates (SPEC §3.1: 10 an hour); a nil Guard
	// allows everything.
	Guard *ratelimit.Guard
	Rule  ratelimit.Rule
	// Timeout bounds one render (0: only the caller's context does).
	Timeout time.Duration
	// Quota refuses a picture once the person's daily picture quota is used up (nil: no quotas).
	Quota func(ctx context.Context, owner domain.ID) error
}

// allowed asks the quota, if there is one.
func (d Deps) allowed(ctx context.Context, owner domain.ID) error {
	if d.Quota == nil {
		return nil
	}
	return d.Quota(ctx, owner)
}

// App is the set of picture use cases.
type App struct {
	// IllustrateReply draws the scene a reply leaves the companion in (the chat turn's picture).
	IllustrateReply decorator.Handler[IllustrateReply, picture.Picture]
	// Generate renders a picture from a person's own prompt (the standalone generator).
	Generate decorator.Handler[Generate, picture.Picture]
	// List, Get and Delete are the gallery.
	List   decorator.Handler[List, Page]
	Get    decorator.Handler[Get, picture.Picture]
	Delete decorator.Handler[Delete, picture.Picture]
	// Samplers lists the backend's samplers, for forms (nil: the backend does not say).
	Samplers   decorator.Handler[Samplers, []string]
	configured bool
}

// Configured says whether pictures have a backend on this hub (an offline one counts); without
// one, IllustrateReply and Generate say usecase.ErrNotConfigured.
func (a *App) Configured() bool { return a.configured }

// NewApp builds the picture use cases over d. Without a generator the drawing ones are not
// decorated: a feature that is not there is not a failure to log or count on every turn.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Images == nil || d.Blobs == nil || d.Media == nil || d.Gallery == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "picture deps: Images, Blobs, Media, Gallery and Clock are required")
	}
	a := &App{
		List:   decorator.Decorate("picture.list", listHandler{d}, obs...),
		Get:    decorator.Decorate("picture.get", getHandler{d}, obs...),
		Delete: decorator.Decorate("picture.delete", deleteHandler{d}, obs...),
	}
	if d.Generator == nil {
		a.IllustrateReply = decorator.Fail[IllustrateReply, picture.Picture](usecase.ErrNotConfigured)
		a.Generate = decorator.Fail[Generate, picture.Picture](usecase.ErrNotConfigured)
		a.Samplers = decorator.Fail[Samplers, []string](usecase.ErrNotConfigured)
		return a, nil
	}
	if d.Companions == nil {
		return nil, domain.Errorf(domain.KindInternal, "picture deps: Companions is required with a generator")
	}
	a.IllustrateReply = decorator.Decorate("picture.illustrate_reply", illustrateReplyHandler{d}, obs...)
	a.Generate = decorator.Decorate("picture.generate", generateHandler{d}, obs...)
	a.Samplers = decorator.Decorate("picture.samplers", samplersHandler{d}, obs...)
	a.configured = true
	return a, nil
}
