package media

import (
	"context"
	"io"
	"time"

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

// CleanupOrphans finds blobs no row refers to and deletes them. Blobs younger than Grace are left
// alone: an upload stores its blob a moment before the row that refers to it, so Grace must be at
// least MinOrphanGrace.
type CleanupOrphans struct {
	DryRun bool
	Grace  time.Duration
	// Progress, if set, hears how many candidate blobs have been checked out of how many.
	Progress func(done, total int)
}

// CleanupResult is what the cleanup found.
type CleanupResult struct {
	Scanned  int   // blobs listed
	Orphans  int   // blobs no row refers to (deleted unless DryRun)
	Bytes    int64 // their size
	Duration time.Duration
}

type cleanupHandler struct{ d Deps }

// cleanupBatch is how many keys one existence query checks.
const cleanupBatch = 500

// MinOrphanGrace is the shortest grace cleanup accepts: longer than any upload takes between storing
// its file and recording it.
const MinOrphanGrace = 5 * time.Minute

func (h cleanupHandler) Handle(ctx context.Context, in CleanupOrphans) (CleanupResult, error) {
	if in.Grace < MinOrphanGrace {
		return CleanupResult{}, domain.Invalid(domain.Violation("grace", "too_short",
			"grace must be at least 5m: younger files may belong to uploads in flight"))
	}
	start := time.Now()
	var res CleanupResult
	cutoff := h.d.Clock.Now().Add(-in.Grace)
	var candidates []BlobInfo
	for _, prefix := range media.Prefixes() {
		err := h.d.Blobs.List(ctx, prefix, func(b BlobInfo) error {
			res.Scanned++
			if b.ModTime.Before(cutoff) {
				candidates = append(candidates, b)
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	for i := 0; i < len(candidates); i += cleanupBatch {
		batch := candidates[i:min(i+cleanupBatch, len(candidates))]
		keys := make([]string, len(batch))
		for j, b := range batch {
			keys[j] = b.Key
		}
		known, err := h.d.Repo.Existing(ctx, keys)
		if err != nil {
			return res, err
		}
		for _, b := range batch {
			if known[b.Key] {
				continue
			}
			if !in.DryRun {
				if err := h.d.Blobs.Delete(ctx, b.Key); err != nil {
					return res, err
				}
			}
			res.Orphans++
			res.Bytes += b.Size
		}
		if in.Progress != nil {
			in.Progress(min(i+cleanupBatch, len(candidates)), len(candidates))
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}
