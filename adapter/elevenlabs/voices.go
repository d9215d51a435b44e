package elevenlabs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Voice is one voice of the account, as a picker shows it.
type Voice struct {
	ID   string
	Name string
	// Category is ElevenLabs' (premade, cloned, generated, professional, …).
	Category string
	// Gender, Accent, Age and Description are the voice's labels ("" when it has none).
	Gender, Accent, Age, Description string
	// PreviewURL is a short sample of the voice, on ElevenLabs' storage ("" when none).
	PreviewURL string
}

// maxVoicesBytes bounds the voices listing; an account's is well under a megabyte.
const maxVoicesBytes = 8 << 20

// Account lists the account's voices (GET /v1/voices), in the API's order. A listing is kept for
// Config.VoicesTTL and shared by the callers that ask meanwhile; a failed one is not kept. The
// errors are those of Synthesize (see errors.go).
func (s *Synthesizer) Account(ctx context.Context) ([]Voice, error) {
	s.voicesMu.Lock()
	defer s.voicesMu.Unlock()
	if s.voices != nil && s.now().Sub(s.voicesAt) < s.voicesTTL {
		return slices.Clone(s.voices), nil
	}
	if ctx.Err() != nil {
		return nil, domain.ContextError(ctx, errCancelled, errTimedOut)
	}
	callCtx, cancel := s.deadline(ctx)
	defer cancel()
	vs, err := s.listVoices(callCtx)
	if err != nil {
		return nil, s.fail(ctx, callCtx, err)
	}
	s.voices, s.voicesAt = vs, s.now()
	return slices.Clone(vs), nil
}

// listVoices fetches the listing.
func (s *Synthesizer) listVoices(ctx context.Context) ([]Voice, error) {
	hreq, err := providerhttp.NewJSONRequest(ctx, http.MethodGet, s.root.JoinPath("v1", "voices").String(), nil)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "elevenlabs: build the request: %w", providerhttp.WithoutURL(err))
	}
	hreq.Header.Set("xi-api-key", s.key.Reveal())
	resp, err := s.hc.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, s.statusError(resp)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, errBadResponse.Wrap(fmt.Errorf("elevenlabs: the voices are %q, not JSON", resp.Header.Get("Content-Type")))
	}
	raw, err := providerhttp.ReadAll(resp.Body, maxVoicesBytes)
	switch {
	case errors.Is(err, providerhttp.ErrTooLarge):
		return nil, errBadResponse.Wrap(errors.New("elevenlabs: the voices listing is too large"))
	case err != nil:
		return nil, err
	}
	var a struct {
		Voices []struct {
			VoiceID    string            `json:"voice_id"`
			Name       string            `json:"name"`
			Category   string            `json:"category"`
			Labels     map[string]string `json:"labels"`
			PreviewURL string            `json:"preview_url"`
		} `json:"voices"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, errBadResponse.Wrap(fmt.Errorf("elevenlabs: decode the voices: %w", err))
	}
	out := make([]Voice, 0, len(a.Voices))
	for _, v := range a.Voices {
		if strings.TrimSpace(v.VoiceID) == "" {
			continue
		}
		out = append(out, Voice{ID: v.VoiceID, Name: v.Name, Category: v.Category, Gender: v.Labels["gender"],
			Accent: v.Labels["accent"], Age: v.Labels["age"], Description: v.Labels["description"], PreviewURL: v.PreviewURL})
	}
	return out, nil
}

// Voices lists the account's voices for a person choosing one (voice.Voices), with their labels.
func (s *Synthesizer) Voices(ctx context.Context) ([]voice.Voice, error) {
	vs, err := s.Account(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]voice.Voice, 0, len(vs))
	for _, v := range vs {
		out = append(out, voice.Voice{ID: v.ID, Name: v.Name, Gender: v.Gender, Accent: v.Accent, Description: v.Description})
	}
	return out, nil
}

var _ voice.Voices = (*Synthesizer)(nil)
