package voice

import (
	"strings"
	"unicode"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// MaxSpokenText bounds what one reply speaks, in characters: the speech APIs' own limits are of
// this order, and a longer recording is not something a person listens to in a chat.
const MaxSpokenText = 2500

// MaxAudioBytes bounds one recording a backend may return.
const MaxAudioBytes = 20 << 20

// spokenText is what is said of a reply: stage directions (*smiles*), markup and emoji removed,
// whitespace collapsed, cut at a sentence end within MaxSpokenText characters.
func spokenText(reply string) string { return spokenWithin(reply, MaxSpokenText) }

// spokenWithin is spokenText cut within limit characters.
func spokenWithin(reply string, limit int) string {
	text := strings.Join(strings.Fields(withoutEmoji(withoutDirections(reply))), " ")
	text = spaceBeforePunctuation.Replace(text)
	runes := []rune(text)
	if len(runes) <= limit {
		return text
	}
	runes = runes[:limit]
	for i := len(runes) - 1; i > limit/2; i-- {
		if strings.ContainsRune(".!?…", runes[i]) {
			return string(runes[:i+1])
		}
	}
	return string(runes)
}

// withoutDirections removes what stands between two asterisks (a stage direction, or markdown
// emphasis around nothing spoken) and markdown's other marks. An asterisk with no partner is not a
// direction ("5 * 3"): it is dropped and what follows is spoken.
func withoutDirections(reply string) string {
	var b strings.Builder
	for rest := reply; rest != ""; {
		i := strings.IndexAny(rest, "*_#`~")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		mark := rest[i]
		rest = rest[i+1:]
		if mark != '*' {
			continue
		}
		if end := strings.IndexByte(rest, '*'); end >= 0 {
			rest = rest[end+1:]
		}
		b.WriteByte(' ') // the words on either side stay apart
	}
	return b.String()
}

// withoutEmoji drops what a voice would read out by name or stumble on: pictographs and the marks
// that build them (skin tones, joiners, variation selectors, keycaps). Symbols below the arrows
// (©, °, ±) stay, as words read them.
func withoutEmoji(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == 0x200D, r == 0xFE0E, r == 0xFE0F, r == 0x20E3, r >= 0xE0020 && r <= 0xE007F: // joiner, selectors, keycap, tags
			return ' '
		case r >= 0x2190 && (unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r)):
			return ' '
		}
		return r
	}, s)
}

// spaceBeforePunctuation joins punctuation to the word before it once directions left a gap.
var spaceBeforePunctuation = strings.NewReplacer(" .", ".", " ,", ",", " !", "!", " ?", "?", " ;", ";", " :", ":", " …", "…")

// ErrUnusableAudio is a backend's answer that is not audio the hub stores.
var ErrUnusableAudio = domain.E(domain.KindUnavailable, "unusable_audio", "the speech backend sent audio that cannot be used")

// CheckAudio says whether a backend's answer is audio the hub stores (nil), or why not
// (ErrUnusableAudio): for backends and their conformance suite to hold to what SpeakReply accepts.
func CheckAudio(a Audio) error {
	_, err := checkAudio(a)
	return err
}

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
	case media.SniffAudio(a.Data) != a.ContentType:
		return bad("content is not " + a.ContentType.String())
	}
	return mediauc.File{Data: a.Data, ContentType: a.ContentType, Kind: media.KindAudio}, nil
}
