package voice

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/decorator"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// Deps are what the voice use cases consume. Synthesizer is nil on a hub without a speech
// backend: the use cases then say usecase.ErrNotConfigured.
type Deps struct {
	Synthesizer Synthesizer
	// Transcriber is the speech-to-text backend of voice notes (nil: none; they are refused as
	// not configured).
	Transcriber Transcriber
	Blobs       mediauc.BlobStore
	Media       mediauc.Repository
	Clock       usecase.Clock
	// Timeout bounds one synthesis, TranscribeTimeout one transcription (0: only the caller's
	// context does).
	Timeout           time.Duration
	TranscribeTimeout time.Duration
	// MaxSpoken bounds what a reply speaks, in characters, cut at a sentence (0: MaxSpokenText).
	MaxSpoken int
	// Guard and PreviewRule limit previews per client address (nil Guard: no limit).
	Guard       *ratelimit.Guard
	PreviewRule ratelimit.Rule
	// Quota refuses speech — a spoken reply, a preview — once the person's daily speech quota is
	// used up (nil: no quotas).
	Quota func(ctx context.Context, owner domain.ID) error
}

// allowed asks the quota, if there is one.
func (d Deps) allowed(ctx context.Context, owner domain.ID) error {
	if d.Quota == nil {
		return nil
	}
	return d.Quota(ctx, owner)
}

// App is the set of voice use cases.
type App struct {
	// SpeakReply speaks a reply in its companion's voice (the chat turn's audio).
	SpeakReply decorator.Handler[SpeakReply, Spoken]
	// ListVoices and PreviewVoice are a person's, choosing a voice.
	ListVoices   decorator.Handler[ListVoices, VoiceList]
	PreviewVoice decorator.Handler[PreviewVoice, Audio]
	// TranscribeNote turns a person's voice note into a message's text, and DiscardNote forgets
	// the recording of one that was then not sent.
	TranscribeNote decorator.Handler[TranscribeNote, Note]
	DiscardNote    decorator.Handler[DiscardNote, struct{}]
	configured     bool
	transcribes    bool
}

// Configured says whether voice has a backend on this hub (an offline one counts); without one,
// SpeakReply says usecase.ErrNotConfigured.
func (a *App) Configured() bool { return a.configured }

// Transcribes says whether voice notes have a speech-to-text backend on this hub.
func (a *App) Transcribes() bool { return a.transcribes }

// NewApp builds the voice use cases over d. Without a synthesizer they are not decorated: a
// feature that is not there is not a failure to log or count on every turn.
func NewApp(d Deps, obs ...decorator.Observer) (*App, error) {
	// A companion without a voice hears so first: that, the person can change.
	fail := decorator.Fail[SpeakReply, Spoken](usecase.ErrNotConfigured)
	app := &App{SpeakReply: decorator.Func[SpeakReply, Spoken](func(ctx context.Context, in SpeakReply) (Spoken, error) {
		if err := checkVoice(in.Voice); err != nil {
			return Spoken{}, err
		}
		return fail.Handle(ctx, in)
	}),
		ListVoices:     decorator.Fail[ListVoices, VoiceList](usecase.ErrNotConfigured),
		PreviewVoice:   decorator.Fail[PreviewVoice, Audio](usecase.ErrNotConfigured),
		TranscribeNote: decorator.Fail[TranscribeNote, Note](ErrNoTranscriber),
		DiscardNote:    decorator.Fail[DiscardNote, struct{}](ErrNoTranscriber)}
	if d.Synthesizer == nil && d.Transcriber == nil {
		return app, nil
	}
	if d.Blobs == nil || d.Media == nil || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "voice deps: Blobs, Media and Clock are required")
	}
	if d.Synthesizer != nil {
		voices := &voiceCache{}
		app.SpeakReply = decorator.Decorate("voice.speak_reply", speakReplyHandler{d}, obs...)
		app.ListVoices = decorator.Decorate("voice.list_voices", listVoicesHandler{d, voices}, obs...)
		app.PreviewVoice = decorator.Decorate("voice.preview", previewHandler{d, voices}, obs...)
		app.configured = true
	}
	if d.Transcriber != nil {
		app.TranscribeNote = decorator.Decorate("voice.transcribe_note", transcribeNoteHandler{d}, obs...)
		app.DiscardNote = decorator.Decorate("voice.discard_note", discardNoteHandler{d}, obs...)
		app.transcribes = true
	}
	return app, nil
}

// maxSpoken is the configured bound of a spoken reply.
func (d Deps) maxSpoken() int {
	if d.MaxSpoken <= 0 || d.MaxSpoken > MaxSpokenText {
		return MaxSpokenText
	}
	return d.MaxSpoken
}
