package elevenlabs

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/usecase/voice"
)

// wireRequest is the body of POST /v1/text-to-speech/{voice_id}.
type wireRequest struct {
	Text          string        `json:"text"`
	ModelID       string        `json:"model_id"`
	VoiceSettings voiceSettings `json:"voice_settings"`
}

// voiceSettings override the voice's stored settings for one request.
type voiceSettings struct {
	Stability       float64 `json:"stability"`
	SimilarityBoost float64 `json:"similarity_boost"`
	Style           float64 `json:"style"`
	UseSpeakerBoost bool    `json:"use_speaker_boost"`
	Speed           float64 `json:"speed"`
}

func itoa(n int) string { return strconv.Itoa(n) }

// speak sends the request and returns the audio's bytes. Errors are classified when the answer
// says what went wrong (a status, an unusable body); the others (transport, context) are left to
// fail.
func (s *Synthesizer) speak(ctx context.Context, voiceID, format string, body wireRequest) ([]byte, error) {
	u := s.root.JoinPath("v1", "text-to-speech", voiceID)
	u.RawQuery = "output_format=" + format
	hreq, err := providerhttp.NewJSONRequest(ctx, http.MethodPost, u.String(), body)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "elevenlabs: build the request: %w", providerhttp.WithoutURL(err))
	}
	hreq.Header.Set("Accept", "audio/mpeg, audio/pcm, application/json")
	hreq.Header.Set("xi-api-key", s.key.Reveal())
	resp, err := s.hc.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, s.statusError(resp)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil ||
		(!strings.HasPrefix(mt, "audio/") && mt != "application/octet-stream") {
		return nil, errBadResponse.Wrap(fmt.Errorf("elevenlabs: the answer is %q, not audio", resp.Header.Get("Content-Type")))
	}
	data, err := providerhttp.ReadAll(resp.Body, voice.MaxAudioBytes)
	switch {
	case errors.Is(err, providerhttp.ErrTooLarge):
		return nil, errBadResponse.Wrap(fmt.Errorf("elevenlabs: the audio is larger than %d MiB", voice.MaxAudioBytes>>20))
	case err != nil:
		return nil, err
	case len(data) == 0:
		return nil, errBadResponse.Wrap(errors.New("elevenlabs: the answer holds no audio"))
	}
	return data, nil
}
