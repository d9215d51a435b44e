package voice

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// MaxSpokenText bounds what one reply speaks, in characters: the speech APIs' own limits are of
// this order, and a longer recording is not something a person listens to in a chat.
const MaxSpokenText = 2500

// MaxAudioBytes bounds one recording a backend may return.
const MaxAudioBytes = 20 << 20

// spokenText is what is said of a reply: stage directions (*smiles*) and markup removed,
// whitespace collapsed, cut at a sentence end within MaxSpokenText.
func spokenText(reply string) string {
	var b strings.Builder
	inAction := false
	for _, r := range reply {
		switch {
		case r == '*':
			inAction = !inAction
			b.WriteRune(' ')
		case inAction, r == '_', r == '#', r == '`', r == '~':
		default:
			b.WriteRune(r)
		}
	}
	text := strings.Join(strings.Fields(b.String()), " ")
	if utf8.RuneCountInString(text) <= MaxSpokenText {
		return text
	}
	cut := string([]rune(text)[:MaxSpokenText])
	if i := strings.LastIndexAny(cut, ".!?…"); i > MaxSpokenText/2 {
		return cut[:i+1]
	}
	return cut
}

// ErrUnusableAudio is a backend's answer that is not audio the hub stores.
var ErrUnusableAudio = domain.E(domain.KindUnavailable, "unusable_audio", "the speech backend sent audio that cannot be used")

// checkAudio accepts what a backend returned when it is what it says: an MP3, WAV or Ogg file
// (recognised by its first bytes), not empty and not enormous.
func checkAudio(a Audio) (mediauc.File, error) {
	bad := func(why string) (mediauc.File, error) {
		return mediauc.File{}, ErrUnusableAudio.Wrap(domain.Errorf(domain.KindInvalid, "audio: %s", why))
	}
	switch {
	case len(a.Data) == 0:
		return bad("empty")
	case len(a.Data) > MaxAudioBytes:
		return bad("too large")
	case a.ContentType.IsZero() || a.ContentType.IsImage():
		return bad("not an audio type: " + a.ContentType.String())
	case sniffAudio(a.Data) != a.ContentType:
		return bad("content is not " + a.ContentType.String())
	}
	return mediauc.File{Data: a.Data, ContentType: a.ContentType, Kind: media.KindAudio}, nil
}

// sniffAudio recognises the audio types the hub stores by their signatures.
func sniffAudio(b []byte) media.ContentType {
	switch {
	case len(b) >= 12 && bytes.HasPrefix(b, []byte("RIFF")) && string(b[8:12]) == "WAVE":
		return media.WAV
	case bytes.HasPrefix(b, []byte("OggS")):
		return media.OGG
	case bytes.HasPrefix(b, []byte("ID3")), len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		return media.MP3
	}
	return media.ContentType{}
}
