package memory

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
)

// A person can tell their companion to remember or to forget something, and it is done in the
// same turn — before the reply, which is told so and can say it — rather than left to a later
// extraction that may or may not take it.
var (
	rememberCmd = regexp.MustCompile(`(?i)^\s*(?:please\s+)?(?:remember|don'?t forget|never forget|keep in mind)(?:\s+that)?[\s,:]+(.{3,})$`)
	forgetCmd   = regexp.MustCompile(`(?i)^\s*(?:please\s+)?forget(?:\s+(?:that|about))?[\s,:]+(.{3,})$`)
)

// forgetThreshold is how many of the words of "forget …" the best match must hold to be the
// memory meant.
const forgetThreshold = 0.5

// command carries out a "remember …" or "forget …" in the message, and returns what the reply is
// to know of it, and the memory it made (zero: none).
func (d Deps) command(ctx context.Context, in Recall, now time.Time) ([]string, domain.ID, error) {
	text := strings.TrimRight(strings.TrimSpace(in.Query), ".!")
	if m := forgetCmd.FindStringSubmatch(text); m != nil {
		notes, err := d.forget(ctx, in, m[1])
		return notes, domain.ID{}, err
	}
	m := rememberCmd.FindStringSubmatch(text)
	if m == nil {
		return nil, domain.ID{}, nil
	}
	spec, err := memory.Spec{Text: m[1], Category: memory.PersonalFact, Importance: 8}.Check()
	if err != nil {
		return nil, domain.ID{}, nil // nothing a memory can hold: the reply answers as it would
	}
	if existing, ok, err := d.Store.ByKey(ctx, in.OwnerID, in.CompanionID, memory.Key(spec.Text)); err != nil {
		return nil, domain.ID{}, err
	} else if ok {
		return []string{"(You already remember this, as asked: " + existing.Text + ")"}, existing.ID, nil
	}
	mem, err := memory.New(domain.NewID(now), in.OwnerID, in.CompanionID, spec, nil, now)
	if err != nil {
		return nil, domain.ID{}, err
	}
	if err := d.Store.Create(ctx, mem); err != nil {
		if domain.IsKind(err, domain.KindConflict) {
			return nil, domain.ID{}, nil
		}
		return nil, domain.ID{}, err
	}
	d.embed(ctx, mem)
	return []string{"(You were just asked to remember this, and you will: " + mem.Text + ")"}, mem.ID, nil
}

// forget deletes the memory the person means, if one matches well enough.
func (d Deps) forget(ctx context.Context, in Recall, what string) ([]string, error) {
	q := searchable(what)
	if q == "" {
		return nil, nil
	}
	hits, err := d.Store.Search(ctx, in.OwnerID, in.CompanionID, q, 1)
	if err != nil || len(hits) == 0 || overlap(q, hits[0].Memory.Text) < forgetThreshold {
		return nil, err
	}
	if err := d.Store.Delete(ctx, in.OwnerID, hits[0].Memory.ID); err != nil && !domain.IsKind(err, domain.KindNotFound) {
		return nil, err
	}
	return []string{"(You were just asked to forget this, and you have: " + hits[0].Memory.Text + ")"}, nil
}

// embed keeps a memory's vector, when there is an embedder, and returns it; a failure leaves the
// memory to be found by its words (and returns nil). Nothing embeds the memory later, so a
// passing failure — the service busy or unavailable, and asking for no longer than
// embedRetryWithin — gets one more try after its wait; a timeout does not (another would spend
// the step's deadline that keeping the memory needs).
func (d Deps) embed(ctx context.Context, m memory.Memory) Vector {
	if d.Embedder == nil {
		return nil
	}
	vs, err := d.Embedder.Embed(ctx, []string{m.Text})
	if wait, again := retryEmbedding(err); again && d.pause(ctx, wait) {
		vs, err = d.Embedder.Embed(ctx, []string{m.Text})
	}
	if err != nil || len(vs) != 1 {
		return nil
	}
	if d.Store.SetEmbedding(ctx, m.ID, d.EmbedderName, vs[0]) != nil {
		return nil
	}
	return vs[0]
}

// A memory's embedding that failed in passing is tried once more after the wait the service asks
// for, or embedRetryPause when it names none — unless it asks for longer than embedRetryWithin.
const (
	embedRetryPause  = 250 * time.Millisecond
	embedRetryWithin = time.Second
)

// retryEmbedding says whether a failed embedding is worth one more try, and after how long.
func retryEmbedding(err error) (time.Duration, bool) {
	e := domain.AsError(err)
	if e == nil || !e.Kind.Retryable() || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return 0, false
	}
	switch {
	case e.RetryAfter > embedRetryWithin:
		return 0, false
	case e.RetryAfter > 0:
		return e.RetryAfter, true
	}
	return embedRetryPause, true
}

// pause is Deps.Pause, or a timer: it waits d, and reports false if ctx ends first.
func (d Deps) pause(ctx context.Context, wait time.Duration) bool {
	if d.Pause != nil {
		return d.Pause(ctx, wait)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// overlap is the share of the words of q (searchable words) that text holds.
func overlap(q, text string) float64 {
	words := strings.Fields(q)
	if len(words) == 0 {
		return 0
	}
	in := map[string]bool{}
	for _, w := range strings.Fields(searchable(text)) {
		in[w] = true
	}
	n := 0
	for _, w := range words {
		if in[w] {
			n++
		}
	}
	return float64(n) / float64(len(words))
}
