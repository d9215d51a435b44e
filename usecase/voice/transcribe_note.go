package voice

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// A voice note's bounds: a spoken message, not a podcast. 10 MB holds several minutes of a
// browser's Opus; the speech APIs take 25 MB at most.
const (
	MaxNoteBytes    = 10 << 20
	MaxNoteDuration = 5 * time.Minute
)

// TranscribeNote turns a person's voice note into the text of a message: the recording checked
// (its type by its bytes, its size and length), transcribed, and kept as the owner's, tied to the
// companion, so that the message can play it.
type TranscribeNote struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Data        []byte
	Language    string // a hint ("": detected)
}

// Note is a transcribed voice note: what was said, and the stored recording.
type Note struct {
	Text  string
	Audio media.Key
}

// The voice note's refusals, in words a person can act on.
var (
	ErrNoteEmpty     = domain.Invalid(domain.Violation("audio", "required", "the voice note is empty"))
	ErrNoteTooLarge  = domain.Invalid(domain.Violation("audio", "too_large", "a voice note may be at most 10 MB"))
	ErrNoteTooLong   = domain.Invalid(domain.Violation("audio", "too_long", "a voice note may last at most 5 minutes"))
	ErrNoteNotAudio  = domain.Invalid(domain.Violation("audio", "unsupported_type", "send the voice note as MP3, WAV, Ogg, WebM or M4A audio"))
	ErrNoteNoSpeech  = domain.Invalid(domain.Violation("audio", "no_speech", "no words were heard in the voice note"))
	ErrNoTranscriber = usecase.ErrNotConfigured
)

// ErrTranscriptionTimeout is a transcription that outlived the backend's timeout.
var ErrTranscriptionTimeout = domain.E(domain.KindUnavailable, "transcription_timeout", "the speech-to-text backend took too long")

type transcribeNoteHandler struct{ d Deps }

func (h transcribeNoteHandler) Handle(ctx context.Context, in TranscribeNote) (Note, error) {
	switch {
	case len(in.Data) == 0:
		return Note{}, ErrNoteEmpty
	case len(in.Data) > MaxNoteBytes:
		return Note{}, ErrNoteTooLarge
	}
	ct := sniffRecording(in.Data)
	if ct.IsZero() {
		return Note{}, ErrNoteNotAudio
	}
	if media.AudioDuration(ct, in.Data) > MaxNoteDuration {
		return Note{}, ErrNoteTooLong
	}
	lang := strings.ToLower(strings.TrimSpace(in.Language))
	if len(lang) > 8 || strings.ContainsFunc(lang, func(r rune) bool { return (r < 'a' || r > 'z') && r != '-' }) {
		return Note{}, domain.Invalid(domain.Violation("language", "invalid", "give the language as a code such as en or fr"))
	}
	tr, err := usecase.Within(ctx, h.d.TranscribeTimeout, ErrTranscriptionTimeout, func(ctx context.Context) (Transcript, error) {
		return h.d.Transcriber.Transcribe(ctx, Recording{Data: in.Data, ContentType: ct, Language: lang})
	})
	if err != nil {
		return Note{}, err
	}
	if tr.Duration > MaxNoteDuration {
		return Note{}, ErrNoteTooLong
	}
	text := strings.Join(strings.Fields(tr.Text), " ")
	if text == "" {
		return Note{}, ErrNoteNoSpeech
	}
	if len([]rune(text)) > maxNoteText {
		text = string([]rune(text)[:maxNoteText])
	}
	it, err := mediauc.Store(ctx, h.d.Blobs, mediauc.File{Data: in.Data, ContentType: ct, Kind: media.KindAudio}, h.d.Clock.Now(),
		func(it media.Item) error {
			it.OwnerID, it.CompanionID = in.OwnerID, in.CompanionID
			return h.d.Media.Create(ctx, it)
		})
	if err != nil {
		return Note{}, err
	}
	return Note{Text: text, Audio: it.Key}, nil
}

// maxNoteText is what a message may hold (chat's limit on a person's text).
const maxNoteText = 4000

// sniffRecording recognises a recording's type by its first bytes: the types the hub speaks in,
// and the WebM and MP4 browsers record in.
func sniffRecording(b []byte) media.ContentType {
	if ct := media.SniffAudio(b); !ct.IsZero() {
		return ct
	}
	switch {
	case bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}): // EBML: WebM (Matroska)
		return media.WebM
	case len(b) >= 12 && string(b[4:8]) == "ftyp": // ISO base media: MP4/M4A
		return media.M4A
	}
	return media.ContentType{}
}
