package chat

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/memory"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/summary"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Runner runs turns. Implementations: adapter/local (in-process worker pool) and, in production,
// adapter/temporalwf. Start must not block on the turn; Cancel asks a running turn to stop (its
// finish step then records it as cancelled) and is a no-op for a turn that already ended.
type Runner interface {
	Start(ctx context.Context, in TurnInput) error
	Cancel(ctx context.Context, turnID domain.ID) error
}

// TokenCounter estimates how many model tokens a text costs. Implementation: adapter/tokenizer.
type TokenCounter interface {
	Count(text string) int
}

// The features a turn calls, each one of their use cases: memory (usecase/memory), pictures
// (usecase/picture) and voice (usecase/voice). A feature without a provider answers
// usecase.ErrNotConfigured, and the turn carries on without it.
type (
	Recaller    = decorator.Handler[memory.Recall, []string]
	Learner     = decorator.Handler[memory.Learn, struct{}]
	Illustrator = decorator.Handler[pictureuc.IllustrateReply, picture.Picture]
	Speaker     = decorator.Handler[voice.SpeakReply, voice.Spoken]
	// Transcriber hears a person's voice note and keeps its recording (usecase/voice's
	// TranscribeNote); NoteDiscarder forgets the recording of one that was then not sent (its
	// DiscardNote).
	Transcriber   = decorator.Handler[voice.TranscribeNote, voice.Note]
	NoteDiscarder = decorator.Handler[voice.DiscardNote, struct{}]
	// Summarizer keeps a long conversation's running summary (usecase/summary).
	Summarizer = decorator.Handler[summary.Summarize, bool]
)

// SummaryReader reads a companion's running summary for the reply's prompt; usecase/summary's
// Store is one.
type SummaryReader interface {
	Get(ctx context.Context, ownerID, companionID domain.ID) (summary.Summary, bool, error)
}

// Feature says whether a feature a turn can ask for (pictures, voice) has a provider on this hub;
// picture.App and voice.App answer. A turn asking for one that has none is refused when it is
// asked for, rather than run to say so on its stream.
type Feature interface {
	Configured() bool
}

// Observer hears what the steps notice and carry on past: nothing here fails a turn, but an
// operator wants to know. adapter/zaplog logs it.
type Observer interface {
	// ProgressNotRecorded: a step could not record where the turn is (people watching see less).
	ProgressNotRecorded(ctx context.Context, turnID domain.ID, p chat.Progress, err error)
	// AnalysisUnreadable: the model's scene analysis could not be read; the scene stays as it was.
	AnalysisUnreadable(ctx context.Context, turnID domain.ID)
	// RecallCutOff: recalling memories outlived its budget; the reply went ahead without them.
	RecallCutOff(ctx context.Context, turnID domain.ID, budget time.Duration)
	// StreamNotExpired: a finished turn's events could not be given their time to live.
	StreamNotExpired(ctx context.Context, turnID domain.ID, err error)
	// TurnAbandoned: a turn whose runner was gone was finished by a reaper, with outcome.
	TurnAbandoned(ctx context.Context, turnID domain.ID, outcome chat.Status)
}

// NopObserver hears nothing.
type NopObserver struct{}

func (NopObserver) ProgressNotRecorded(context.Context, domain.ID, chat.Progress, error) {}
func (NopObserver) AnalysisUnreadable(context.Context, domain.ID)                        {}
func (NopObserver) RecallCutOff(context.Context, domain.ID, time.Duration)               {}
func (NopObserver) StreamNotExpired(context.Context, domain.ID, error)                   {}
func (NopObserver) TurnAbandoned(context.Context, domain.ID, chat.Status)                {}
