package media

import (
	"context"
	"io"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
)

// Deps are what the media use cases consume.
type Deps struct {
	Repo  Repository
	Blobs BlobStore
	Clock usecase.Clock
}

// App is the set of media use cases.
type App struct {
	Open           decorator.Handler[Open, Opened]
	CleanupOrphans decorator.Handler[CleanupOrphans, CleanupResult]
}

// NewApp builds the media use cases over d.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	if d.Repo == nil || d.Blobs == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "media deps: Repo, Blobs and Clock are required")
	}
	return &App{
		Open:           decorator.Decorate("media.open", openHandler{d}, obs...),
		CleanupOrphans: decorator.Decorate("media.cleanup_orphans", cleanupHandler{d}, obs...),
	}, nil
}

// Open opens a stored file for a viewer: its owner, or anyone when it is the header image of a
// published companion. Everything else — absent, malformed or someone else's — is not found.
type Open struct {
	Viewer domain.ID // zero for an anonymous request
	Key    string
}

// Opened is a readable file and what is known about it. The caller closes Body.
type Opened struct {
	Body   io.ReadCloser
	Item   media.Item
	Public bool
}

type openHandler struct{ d Deps }

func (h openHandler) Handle(ctx context.Context, in Open) (Opened, error) {
	key, err := media.ParseKey(in.Key)
	if err != nil {
		return Opened{}, err
	}
	it, err := h.d.Repo.Get(ctx, key)
	if domain.IsKind(err, domain.KindNotFound) {
		return Opened{}, media.ErrBadKey
	}
	if err != nil {
		return Opened{}, err
	}
	public := false
	if it.Kind == media.KindHeader {
		if public, err = h.d.Repo.PublicHeader(ctx, key); err != nil {
			return Opened{}, err
		}
	}
	if !public && (in.Viewer.IsZero() || in.Viewer != it.OwnerID) {
		shared := false
		if !in.Viewer.IsZero() && (it.Kind == media.KindPicture || it.Kind == media.KindAudio) {
			if shared, err = h.d.Repo.InRoomOf(ctx, key, in.Viewer); err != nil {
				return Opened{}, err
			}
		}
		if !shared {
			return Opened{}, media.ErrBadKey
		}
	}
	body, _, err := h.d.Blobs.Get(ctx, key.String())
	if err != nil {
		return Opened{}, err
	}
	return Opened{Body: body, Item: it, Public: public}, nil
}
