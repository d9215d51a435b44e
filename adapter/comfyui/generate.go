package comfyui

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	mathrand "math/rand/v2"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/picture"
)

// What a request may ask for, checked before any call. Sides are the port's 64–2048, in multiples
// of 8 because ComfyUI's latents are an eighth of the picture's size: another width would come
// back silently rounded down. Steps and CFG scale are KSampler's own bounds.
const (
	minSide, maxSide, sideStep = 64, 2048, 8
	maxSteps                   = 10000
	maxScale                   = 100
)

// While a WebSocket reports on the render, /history is polled only as a safety net, this much
// less often than PollInterval (and at least minSafetyPoll apart).
const (
	safetyPollFactor = 10
	minSafetyPoll    = 5 * time.Second
)

// cleanupTimeout bounds the calls that remove an abandoned prompt from the server's queue.
const cleanupTimeout = 2 * time.Second

// Generate renders req with the workflow. Sizes outside 64–2048 or not multiples of 8, negative
// steps and CFG scales outside 0–100 are KindInvalid before any call; a negative seed gets one
// chosen in 0…2³²-1. Progress, when not nil, is called from the calling goroutine with the
// samplers' steps (stages added up), and never after Generate returns.
func (c *Client) Generate(ctx context.Context, req picture.Request, progress func(picture.Progress)) (picture.Result, error) {
	if err := validateRequest(req); err != nil {
		return picture.Result{}, err
	}
	if ctx.Err() != nil {
		return picture.Result{}, ctxError(ctx, ctx)
	}
	seed := req.Seed
	if seed < 0 {
		seed = mathrand.Int64N(1 << 32)
	}
	graph, err := c.workflow.graph(c.values(req, seed))
	if err != nil {
		return picture.Result{}, domain.Errorf(domain.KindInternal, "comfyui: %w", err)
	}
	callCtx, cancel := context.WithTimeoutCause(ctx, c.timeout, errTimeout)
	defer cancel()
	r := &run{c: c, parent: ctx, ctx: callCtx, progress: progress}
	for _, name := range []string{req.Sampler, req.Model} {
		if name != "" {
			r.requested = append(r.requested, name)
		}
	}
	data, err := r.render(graph)
	if err != nil {
		return picture.Result{}, err
	}
	return picture.Result{Data: data, Format: sniff(data), Seed: seed}, nil
}

// validateRequest refuses what no workflow should be asked for.
func validateRequest(req picture.Request) error {
	var vs []domain.FieldViolation
	side := func(field string, v int) {
		if v < minSide || v > maxSide || v%sideStep != 0 {
			vs = append(vs, domain.Violation(field, "out_of_range", "the "+field+" must be 64–2048 pixels, a multiple of 8"))
		}
	}
	side("width", req.Width)
	side("height", req.Height)
	if req.Steps < 0 || req.Steps > maxSteps {
		vs = append(vs, domain.Violation("steps", "out_of_range", "the number of steps must be 0–10000"))
	}
	if math.IsNaN(req.CFGScale) || req.CFGScale < 0 || req.CFGScale > maxScale {
		vs = append(vs, domain.Violation("cfg_scale", "out_of_range", "the CFG scale must be 0–100"))
	}
	return domain.Invalid(vs...)
}

// run is one Generate call's render.
type run struct {
	c           *Client
	parent, ctx context.Context // the caller's, and the call's with the adapter's Timeout
	progress    func(picture.Progress)
	requested   []string // the names the request chose (sampler, model)
	promptID    string
	sent        int  // the size of the /prompt body, which bounds the history's
	started     bool // a message said the prompt runs
	stages      stages
}

// render queues graph, waits for it and fetches its picture.
func (r *run) render(graph json.RawMessage) ([]byte, error) {
	clientID := newClientID()
	body, err := json.Marshal(struct {
		Prompt   json.RawMessage `json:"prompt"`
		ClientID string          `json:"client_id"`
	}{graph, clientID})
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "comfyui: encode the prompt: %w", err)
	}
	sock := r.c.watch(r.ctx, clientID)
	defer sock.close()
	if r.promptID, err = r.c.queue(r.parent, r.ctx, body, r.requested); err != nil {
		return nil, err
	}
	r.sent = len(body)
	e, err := r.wait(sock)
	if err != nil {
		return nil, err
	}
	if err := e.failure(); err != nil {
		return nil, err
	}
	img, err := e.image()
	if err != nil {
		return nil, err
	}
	return r.c.view(r.parent, r.ctx, img)
}

// wait follows the prompt until it ends and returns its history entry. The socket, when there
// is one, reports progress and says when to look at the history; /history is polled besides —
// slowly while the socket reports, at PollInterval without one, once it broke, and once it said
// the prompt ended (ComfyUI says so just before it writes the history).
func (r *run) wait(sock *watcher) (entry, error) {
	var events <-chan event
	interval := r.c.pollInterval
	if sock != nil {
		events = sock.events
		interval = max(safetyPollFactor*interval, minSafetyPoll)
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		check := false
		select {
		case <-r.ctx.Done():
			return entry{}, r.abandon()
		case ev := <-events:
			if ev.kind != evLost && ev.promptID != "" && ev.promptID != r.promptID {
				continue
			}
			switch ev.kind {
			case evStarted:
				r.started = true
			case evProgress:
				r.started = true
				r.report(ev)
			case evFailed:
				return entry{}, executionError(ev.excType, ev.excMessage)
			case evInterrupted:
				return entry{}, errInterrupted.Wrap(errors.New("comfyui: the server interrupted the prompt"))
			case evLost, evFinished:
				if ev.kind == evLost {
					events = nil
				}
				ticker.Reset(r.c.pollInterval)
				check = true
			}
		case <-ticker.C:
			check = true
		}
		if !check {
			continue
		}
		e, done, err := r.c.history(r.parent, r.ctx, r.promptID, r.sent)
		switch {
		case err != nil && r.ctx.Err() != nil:
			return entry{}, r.abandon()
		case err != nil:
			return entry{}, err
		case done:
			r.drain(events)
			return e, nil
		}
	}
}

// drain reports the progress the socket already delivered, once the history says the prompt
// ended without the socket having said so.
func (r *run) drain(events <-chan event) {
	for events != nil {
		select {
		case ev := <-events:
			if ev.kind == evProgress && (ev.promptID == "" || ev.promptID == r.promptID) {
				r.report(ev)
			}
			if ev.kind == evLost {
				return
			}
		default:
			return
		}
	}
}

func (r *run) report(ev event) {
	if r.progress == nil {
		return
	}
	if p, ok := r.stages.update(ev.node, ev.value, ev.max); ok {
		r.progress(p)
	}
}

// abandon forgets the prompt on the server (synchronously: nothing of the call may outlive it)
// and returns the error of the context that ended.
func (r *run) abandon() error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.parent), cleanupTimeout)
	defer cancel()
	r.c.forget(ctx, r.promptID, r.started)
	return ctxError(r.parent, r.ctx)
}

// newClientID returns a random id for one call's socket and prompt.
func newClientID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sniff recognises the picture's format by its magic bytes; zero when it is none of the three.
func sniff(data []byte) media.ContentType {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return media.PNG
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return media.JPEG
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return media.WebP
	}
	return media.ContentType{}
}
