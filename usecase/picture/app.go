package picture

import (
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// Deps are what the picture use cases consume. Generator is nil on a hub without an image
// backend: the use cases then say usecase.ErrNotConfigured.
type Deps struct {
	Generator Generator
	Images    mediauc.ImageProcessor
	Blobs     mediauc.BlobStore
	Media     mediauc.Repository
	Clock     usecase.Clock
	// Timeout bounds one render (0: only the caller's context does).
	Timeout time.Duration
}

// App is the set of picture use cases.
type App struct {
	// IllustrateReply draws the scene a reply leaves the companion in (the chat turn's picture).
	IllustrateReply decorator.Handler[IllustrateReply, media.Image]
	configured      bool
}

// Configured says whether pictures have a backend on this hub (an offline one counts); without
// one, IllustrateReply says usecase.ErrNotConfigured.
func (a *App) Configured() bool { return a.configured }

// NewApp builds the picture use cases over d. Without a generator they are not decorated: a
// feature that is not there is not a failure to log or count on every turn.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Generator == nil {
		return &App{IllustrateReply: decorator.Fail[IllustrateReply, media.Image](usecase.ErrNotConfigured)}, nil
	}
	if d.Images == nil || d.Blobs == nil || d.Media == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "picture deps: Images, Blobs, Media and Clock are required")
	}
	return &App{
		IllustrateReply: decorator.Decorate("picture.illustrate_reply", illustrateReplyHandler{d}, obs...),
		configured:      true,
	}, nil
}
