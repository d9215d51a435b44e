package a1111

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// checkpoint is one entry of GET /sdapi/v1/sd-models.
type checkpoint struct {
	Title     string `json:"title"`      // "anime/pony.safetensors [1a2b3c4d5e]": what the server wants
	ModelName string `json:"model_name"` // "anime_pony"
	Filename  string `json:"filename"`   // the absolute path on the server
}

// names are the names a person may configure for the checkpoint, title first: the title, the file
// name relative to the models directory (the title without its hash), model_name, and the file's
// base name with and without its extension.
func (ck checkpoint) names() []string {
	rel := ck.Title
	if i := strings.LastIndex(rel, " ["); i > 0 && strings.HasSuffix(rel, "]") {
		rel = rel[:i]
	}
	base := ck.Filename[strings.LastIndexAny(ck.Filename, `/\`)+1:]
	stem := base
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		stem = base[:i]
	}
	return []string{ck.Title, rel, ck.ModelName, base, stem}
}

// sampler is one entry of GET /sdapi/v1/samplers.
type sampler struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
}

// schedulers are the scheduler labels the web UI still accepts after a sampler's name ("DPM++ 2M
// Karras"), from the versions that listed every pair as a sampler of its own.
var schedulers = []string{"Automatic", "Uniform", "Karras", "Exponential", "Polyexponential",
	"SGM Uniform", "KL Optimal", "Align Your Steps", "Simple", "Normal", "DDIM", "Beta"}

// list is a server list kept for ttl. Calls that find it stale fetch it each (they are rare, and
// one waiting for another's fetch would wait on a context not its own).
type list[T any] struct {
	path string
	ttl  time.Duration

	mu    sync.Mutex
	items []T
	at    time.Time
	has   bool
}

// get returns the list, fetched first when none is kept, it is older than ttl, or fresh is set;
// fetched says it was.
func (l *list[T]) get(ctx context.Context, c *Client, fresh bool) (items []T, fetched bool, err error) {
	l.mu.Lock()
	if l.has && !fresh && time.Since(l.at) < l.ttl {
		items = l.items
		l.mu.Unlock()
		return items, false, nil
	}
	l.mu.Unlock()
	if err := c.call(ctx, http.MethodGet, l.path, nil, &items, maxList); err != nil {
		return nil, false, err
	}
	l.mu.Lock()
	l.items, l.at, l.has = items, time.Now(), true
	l.mu.Unlock()
	return items, true, nil
}

// forget drops the kept list, so the next call fetches it.
func (l *list[T]) forget() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.has = false
}

// lookup finds an entry with match in the list; when a kept list has none, the list is fetched
// again, as the server's may have changed since.
func lookup[T any](ctx context.Context, c *Client, l *list[T], match func([]T) (string, bool)) (string, bool, error) {
	items, fetched, err := l.get(ctx, c, false)
	if err != nil {
		return "", false, err
	}
	if v, ok := match(items); ok || fetched {
		return v, ok, nil
	}
	if items, _, err = l.get(ctx, c, true); err != nil {
		return "", false, err
	}
	v, ok := match(items)
	return v, ok, nil
}

// resolveCheckpoint returns the title of the checkpoint name stands for: one whose title matches,
// else one of whose other names does. A server without the list gets the name as it is.
func (c *Client) resolveCheckpoint(ctx context.Context, name string) (string, error) {
	title, ok, err := lookup(ctx, c, &c.checkpoints, func(cks []checkpoint) (string, bool) {
		for _, ck := range cks {
			if ck.Title == name {
				return ck.Title, true
			}
		}
		for _, ck := range cks {
			if slices.Contains(ck.names(), name) {
				return ck.Title, true
			}
		}
		return "", false
	})
	switch {
	case unlisted(err):
		return name, nil
	case err != nil:
		return "", err
	case !ok:
		return "", errUnknownModel.Wrap(fmt.Errorf("a1111: the server lists no checkpoint %q", name))
	}
	return title, nil
}

// resolveSampler returns the sampler name to send for name: a listed name as it is, a name or
// alias in other case as the listed name, a listed name followed by a scheduler ("DPM++ 2M
// Karras") as it is. A server without the list gets the name as it is.
func (c *Client) resolveSampler(ctx context.Context, name string) (string, error) {
	sent, ok, err := lookup(ctx, c, &c.samplers, func(ss []sampler) (string, bool) {
		for _, s := range ss {
			if s.Name == name {
				return name, true
			}
		}
		for _, s := range ss {
			if strings.EqualFold(s.Name, name) || slices.ContainsFunc(s.Aliases, func(a string) bool { return strings.EqualFold(a, name) }) {
				return s.Name, true
			}
			if rest, found := strings.CutPrefix(name, s.Name+" "); found && slices.Contains(schedulers, rest) {
				return name, true
			}
		}
		return "", false
	})
	switch {
	case unlisted(err):
		return name, nil
	case err != nil:
		return "", err
	case !ok:
		return "", errUnknownSampler.Wrap(fmt.Errorf("a1111: the server lists no sampler %q", name))
	}
	return sent, nil
}

// Samplers lists the names of the server's samplers, in its order, for callers that let people
// choose one (the names Generate accepts besides these are their aliases and "<sampler>
// <scheduler>" pairs). The list is kept as Generate's is. Errors are those of Generate:
// KindUnavailable when the server cannot be reached, KindInternal when it refuses the credentials
// or has no such list.
func (c *Client) Samplers(ctx context.Context) ([]string, error) {
	if ctx.Err() != nil {
		return nil, ctxError(ctx)
	}
	callCtx, cancel := context.WithTimeoutCause(ctx, c.timeout, errTimeout)
	defer cancel()
	ss, _, err := c.samplers.get(callCtx, c, false)
	if err != nil {
		return nil, c.fail(ctx, callCtx, err)
	}
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return names, nil
}
