package voice

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

func TestSpokenText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, reply, want string
	}{
		{"stage directions are not said", "*smiles softly* Hello there. *waves*", "Hello there."},
		{"a direction mid-sentence leaves one space", "Hello, *leans in* how are you?", "Hello, how are you?"},
		{"markdown characters are not said", "# Title\n**Really?** `code` _yes_ ~~no~~", "Title Really? code yes no"},
		{"whitespace collapses", "  Hi\n\n  there\tfriend  ", "Hi there friend"},
		{"only directions leave nothing", "*smiles* *nods*", ""},
		{"plain text is kept as it is", "Well... I suppose so!", "Well... I suppose so!"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, spokenText(tc.reply))
		})
	}
}

func TestSpokenTextCutsALongReplyAtASentenceEnd(t *testing.T) {
	t.Parallel()
	const sentence = "This is one more sentence of a very long reply. "
	reply := strings.Repeat(sentence, 2*MaxSpokenText/len(sentence))
	require.Greater(t, len(reply), MaxSpokenText)

	got := spokenText(reply)

	require.LessOrEqual(t, utf8.RuneCountInString(got), MaxSpokenText)
	require.True(t, strings.HasSuffix(got, "reply."), "ends with a whole sentence: %q", got[len(got)-20:])
	require.True(t, strings.HasPrefix(reply, got))
	// The last sentence end within the limit, not an earlier one: one more sentence would not fit.
	require.Greater(t, utf8.RuneCountInString(got)+len(sentence), MaxSpokenText)
}

func TestSpokenTextCutsAtTheLimitWithoutASentenceEnd(t *testing.T) {
	t.Parallel()
	for name, word := range map[string]string{"ascii": "word ", "cyrillic": "слово "} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// A sentence end too early in the text is not worth losing most of the reply for.
			reply := "Hi. " + strings.Repeat(word, MaxSpokenText)

			got := spokenText(reply)

			require.Equal(t, MaxSpokenText, utf8.RuneCountInString(got), "cut at the limit, counted in characters")
			require.True(t, utf8.ValidString(got), "never in the middle of a character")
			require.True(t, strings.HasPrefix(reply, got))
		})
	}
}

func TestSpokenTextKeepsAReplyAtTheLimit(t *testing.T) {
	t.Parallel()
	// Twice the limit in bytes, within it in characters, with a sentence end to cut at if bytes counted.
	reply := strings.Repeat("é", MaxSpokenText/2) + ". " + strings.Repeat("ü", MaxSpokenText/2-2)
	require.Equal(t, MaxSpokenText, utf8.RuneCountInString(reply))
	require.Equal(t, reply, spokenText(reply), "the limit is in characters, not bytes")
}

func TestCheckAudio(t *testing.T) {
	t.Parallel()
	wav := []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00")
	id3 := []byte("ID3\x04\x00\x00\x00\x00\x00\x00")
	frame := []byte{0xFF, 0xFB, 0x90, 0x64, 0x00}
	ogg := []byte("OggS\x00\x02\x00\x00\x00\x00")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	huge := make([]byte, MaxAudioBytes+1)
	copy(huge, id3)
	atLimit := huge[:MaxAudioBytes]
	for _, tc := range []struct {
		name string
		in   Audio
		ok   bool
	}{
		{"wav", Audio{Data: wav, ContentType: media.WAV}, true},
		{"mp3 with an ID3 tag", Audio{Data: id3, ContentType: media.MP3}, true},
		{"mp3 starting with a frame", Audio{Data: frame, ContentType: media.MP3}, true},
		{"ogg", Audio{Data: ogg, ContentType: media.OGG}, true},
		{"at the size limit", Audio{Data: atLimit, ContentType: media.MP3}, true},
		{"empty", Audio{ContentType: media.MP3}, false},
		{"too large", Audio{Data: huge, ContentType: media.MP3}, false},
		{"an image type, even with image bytes", Audio{Data: png, ContentType: media.PNG}, false},
		{"no type", Audio{Data: id3}, false},
		{"wav bytes said to be mp3", Audio{Data: wav, ContentType: media.MP3}, false},
		{"mp3 bytes said to be ogg", Audio{Data: id3, ContentType: media.OGG}, false},
		{"riff that is not wave", Audio{Data: []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), ContentType: media.WAV}, false},
		{"a truncated riff header", Audio{Data: []byte("RIFF"), ContentType: media.WAV}, false},
		{"text", Audio{Data: []byte("<html>not audio</html>"), ContentType: media.MP3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := checkAudio(tc.in)
			if tc.ok {
				require.NoError(t, err)
				require.Equal(t, tc.in.ContentType, f.ContentType)
				require.Equal(t, media.KindAudio, f.Kind)
				require.Equal(t, len(tc.in.Data), len(f.Data))
				return
			}
			require.ErrorIs(t, err, ErrUnusableAudio)
			// The backend's fault, not the person's: another attempt may be good.
			require.Equal(t, domain.KindUnavailable.String(), domain.KindOf(err).String())
			require.Zero(t, f)
		})
	}
}

// Cuts count characters, never split one, and an asterisk without a partner is not a direction.
func TestSpokenTextEdgeCases(t *testing.T) {
	t.Parallel()
	ellipses := spokenText(strings.Repeat("wait… ", 600))
	require.True(t, utf8.ValidString(ellipses), "a cut after a many-byte character keeps it whole")
	require.True(t, strings.HasSuffix(ellipses, "…"))

	cyrillic := strings.Repeat("я", 719) + ". " + strings.Repeat("д", 3000)
	require.Equal(t, MaxSpokenText, utf8.RuneCountInString(spokenText(cyrillic)),
		"a sentence end in the first half is too early: the cut is at the limit, counted in characters")

	require.Equal(t, "5 3 = 15. That is all.", spokenText("5 * 3 = 15. That is all."))
	require.Equal(t, "Look there.", spokenText("Look **there**."))
	require.Equal(t, "Hello, you.", spokenText("Hello *waves* , you."))
}

// An AAC stream (ADTS: frame sync with layer 00) is not an MP3.
func TestSniffAudioTellsMP3FromAAC(t *testing.T) {
	t.Parallel()
	require.Equal(t, media.MP3, media.SniffAudio([]byte{0xFF, 0xFB, 0x90, 0x00}))
	require.True(t, media.SniffAudio([]byte{0xFF, 0xF1, 0x50, 0x80}).IsZero())
}

func TestSpokenTextSaysNoEmoji(t *testing.T) {
	t.Parallel()
	for reply, want := range map[string]string{
		"I missed you 😊❤️ so much!":                   "I missed you so much!",
		"Thumbs up 👍🏽, family 👨‍👩‍👧 and 1️⃣ flag 🇫🇷.": "Thumbs up, family and 1 flag.",
		"Coffee ☕ at 25°C, © me ★":                    "Coffee at 25°C, © me",
	} {
		require.Equal(t, want, spokenText(reply), reply)
	}
}

func TestSpokenWithinALimit(t *testing.T) {
	t.Parallel()
	reply := "First sentence here. Second sentence is longer than the rest."
	require.Equal(t, "First sentence here.", spokenWithin(reply, 30))
	require.Equal(t, reply, spokenWithin(reply, 500))
}
