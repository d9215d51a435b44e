package openaispeech

import (
	"fmt"
	"mime"
	"strings"

	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/voice"
)

// audio is the answer's audio, recognised by its bytes; its Content-Type only rules out answers
// that say they are something else (an HTML page, JSON), whatever they start with.
func audio(data []byte, contentType string) (voice.Audio, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case len(data) == 0:
		return voice.Audio{}, errBadResponse.Wrap(fmt.Errorf("openaispeech: an empty answer (%q)", contentType))
	case mt != "" && !strings.HasPrefix(mt, "audio/") && mt != "application/octet-stream" && mt != "application/ogg":
		return voice.Audio{}, errBadResponse.Wrap(fmt.Errorf("openaispeech: an answer of type %q, not audio", contentType))
	}
	ct := media.SniffAudio(data)
	if ct.IsZero() {
		return voice.Audio{}, errBadResponse.Wrap(fmt.Errorf("openaispeech: %d bytes of %q that are no MP3, WAV or Ogg", len(data), contentType))
	}
	return voice.Audio{Data: data, ContentType: ct, Duration: media.AudioDuration(ct, data)}, nil
}
