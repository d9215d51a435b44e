package voice

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Voice is one voice a backend speaks in, as a person picks it for a companion.
type Voice struct {
	ID          string
	Name        string
	Gender      string // "female", "male", "neutral", or "" when the backend does not say
	Accent      string
	Language    string
	Description string
}

// Voices is what a backend that can name its voices implements besides Synthesizer
// (adapter/tones does). A backend without it speaks whatever voice id its API takes: the hub then
// lists none and checks none.
type Voices interface {
	Voices(ctx context.Context) ([]Voice, error)
}

// voicesTTL is how long a backend's list of voices is kept: voices change seldom, and a wizard
// asks for them on every page.
const voicesTTL = 10 * time.Minute

// ListVoices asks for the voices a companion can be given.
type ListVoices struct{}

// VoiceList is the backend's voices, by name. Open says the backend names none and takes any id
// its API does.
type VoiceList struct {
	Voices []Voice
	Open   bool
}

// ErrUnknownVoice is a voice id the backend does not have.
var ErrUnknownVoice = domain.E(domain.KindNotFound, "voice_not_found", "the speech backend has no such voice")

// voiceCache keeps the backend's list for voicesTTL; a failure to list is not kept.
type voiceCache struct {
	mu    sync.Mutex
	list  []Voice
	until time.Time
}

func (c *voiceCache) get(ctx context.Context, d Deps) (VoiceList, error) {
	lister, ok := d.Synthesizer.(Voices)
	if !ok {
		return VoiceList{Open: true}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := d.Clock.Now(); now.Before(c.until) {
		return VoiceList{Voices: c.list}, nil
	}
	list, err := lister.Voices(ctx)
	if err != nil {
		return VoiceList{}, err
	}
	list = slices.Clone(list)
	slices.SortStableFunc(list, func(a, b Voice) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	c.list, c.until = list, d.Clock.Now().Add(voicesTTL)
	return VoiceList{Voices: list}, nil
}

// known reports whether id is one of the backend's voices (any id, for a backend that names none).
func (c *voiceCache) known(ctx context.Context, d Deps, id string) error {
	list, err := c.get(ctx, d)
	if err != nil || list.Open {
		return err
	}
	if !slices.ContainsFunc(list.Voices, func(v Voice) bool { return v.ID == id }) {
		return ErrUnknownVoice
	}
	return nil
}

type listVoicesHandler struct {
	d     Deps
	cache *voiceCache
}

func (h listVoicesHandler) Handle(ctx context.Context, _ ListVoices) (VoiceList, error) {
	return h.cache.get(ctx, h.d)
}

// CheckVoice says whether the speech backend has voice id, for a companion given it
// (usecase/companion's VoiceChecker): ErrUnknownVoice when the backend's list lacks it; nil when
// the list has it, when the backend names no voices, and when it cannot tell — no speech backend,
// or one that fails to list (a companion is not refused for the backend's trouble).
func (a *App) CheckVoice(ctx context.Context, id string) error {
	if !a.configured {
		return nil
	}
	list, err := a.ListVoices.Handle(ctx, ListVoices{})
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return nil
	}
	if list.Open || slices.ContainsFunc(list.Voices, func(v Voice) bool { return v.ID == id }) {
		return nil
	}
	return ErrUnknownVoice
}
