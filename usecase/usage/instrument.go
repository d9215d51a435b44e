package usage

import (
	"context"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Instruments wrap the providers' ports so that every call is counted (Meter) and told to the
// observers (metrics, traces) once, for every provider: a new backend is instrumented by being
// opened, never by code of its own.
type Instruments struct {
	Meter     *Meter // nil: nothing is counted
	Observers []CallObserver
	// Tokens counts a text's tokens, for models that do not say what a call cost and for
	// embeddings (nil: one token per four bytes).
	Tokens func(string) int
}

// begin tells every observer that call starts; end tells them how it ended.
func (in Instruments) begin(ctx context.Context, call Call) (context.Context, func(error)) {
	start := time.Now()
	ends := make([]func(time.Duration, error), 0, len(in.Observers))
	for _, o := range in.Observers {
		var end func(time.Duration, error)
		ctx, end = o.Begin(ctx, call)
		ends = append(ends, end)
	}
	return ctx, func(err error) {
		took := time.Since(start)
		for i := len(ends) - 1; i >= 0; i-- {
			ends[i](took, err)
		}
	}
}

// errPanicked is how a call that panicked ended, as its observers hear it.
var errPanicked = domain.Errorf(domain.KindInternal, "the provider's call panicked")

// finish tells a call's observers how it ended — deferred, so that they hear of a call that
// panicked too (which then goes on panicking).
func finish(end func(error), err *error) {
	if p := recover(); p != nil {
		end(errPanicked)
		panic(p)
	}
	end(*err)
}

func (in Instruments) record(ctx context.Context, kind Kind, provider, model string, amount int64) {
	if in.Meter != nil {
		in.Meter.Record(ctx, kind, provider, model, amount)
	}
}

func (in Instruments) tokens(s string) int64 {
	if in.Tokens != nil {
		return int64(in.Tokens(s))
	}
	return int64((len(s) + 3) / 4)
}

// Model instruments m, a model of provider answering as model unless a request names another.
func (in Instruments) Model(m llm.Model, provider, model string) llm.Model {
	if m == nil {
		return nil
	}
	return instrumentedModel{in: in, m: m, provider: provider, model: model}
}

type instrumentedModel struct {
	in              Instruments
	m               llm.Model
	provider, model string
}

func (w instrumentedModel) modelOf(req llm.Request) string {
	if req.Model != "" {
		return req.Model
	}
	return w.model
}

func (w instrumentedModel) Stream(ctx context.Context, req llm.Request, onText func(string) error) (u llm.Usage, err error) {
	model := w.modelOf(req)
	ctx, end := w.in.begin(ctx, Call{Feature: "llm", Provider: w.provider, Operation: "stream", Model: model})
	defer finish(end, &err)
	written := 0
	u, err = w.m.Stream(ctx, req, func(s string) error {
		written += len(s)
		return onText(s)
	})
	w.count(ctx, req, model, u, written)
	return u, err
}

func (w instrumentedModel) Complete(ctx context.Context, req llm.Request) (text string, u llm.Usage, err error) {
	model := w.modelOf(req)
	ctx, end := w.in.begin(ctx, Call{Feature: "llm", Provider: w.provider, Operation: "complete", Model: model})
	defer finish(end, &err)
	text, u, err = w.m.Complete(ctx, req)
	w.count(ctx, req, model, u, len(text))
	return text, u, err
}

// count records what a call cost: what the provider said, or — when it said nothing — the
// prompt's tokens as counted here, and the written text's estimated at a token per four bytes
// (a failed call's prompt is counted only when something was written: the provider read it).
func (w instrumentedModel) count(ctx context.Context, req llm.Request, model string, u llm.Usage, written int) {
	if u.PromptTokens == 0 && u.CompletionTokens == 0 {
		if written == 0 {
			return
		}
		for _, m := range req.Messages {
			u.PromptTokens += int(w.in.tokens(m.Content))
		}
		u.CompletionTokens = (written + 3) / 4
	}
	w.in.record(ctx, PromptTokens, w.provider, model, int64(u.PromptTokens))
	w.in.record(ctx, CompletionTokens, w.provider, model, int64(u.CompletionTokens))
}

// Generator instruments g, the image backend provider.
func (in Instruments) Generator(g picture.Generator, provider string) picture.Generator {
	if g == nil {
		return nil
	}
	w := instrumentedGenerator{in: in, g: g, provider: provider}
	if l, ok := g.(interface {
		Samplers(context.Context) ([]string, error)
	}); ok {
		return samplingGenerator{instrumentedGenerator: w, list: l.Samplers}
	}
	return w
}

type instrumentedGenerator struct {
	in       Instruments
	g        picture.Generator
	provider string
}

func (w instrumentedGenerator) Generate(ctx context.Context, req picture.Request, progress func(picture.Progress)) (res picture.Result, err error) {
	size := fmt.Sprintf("%dx%d", req.Width, req.Height)
	ctx, end := w.in.begin(ctx, Call{Feature: "pictures", Provider: w.provider, Operation: "generate", Model: req.Model})
	defer finish(end, &err)
	res, err = w.g.Generate(ctx, req, progress)
	if err == nil {
		w.in.record(ctx, Pictures, w.provider, size, 1)
	}
	return res, err
}

// samplingGenerator keeps a backend's sampler list (picture's samplerLister) through the wrapping.
type samplingGenerator struct {
	instrumentedGenerator
	list func(context.Context) ([]string, error)
}

func (w samplingGenerator) Samplers(ctx context.Context) ([]string, error) { return w.list(ctx) }

// Synthesizer instruments s, the speech backend provider.
func (in Instruments) Synthesizer(s voice.Synthesizer, provider string) voice.Synthesizer {
	if s == nil {
		return nil
	}
	w := instrumentedSynthesizer{in: in, s: s, provider: provider}
	if v, ok := s.(voice.Voices); ok {
		return voicedSynthesizer{instrumentedSynthesizer: w, voices: v}
	}
	return w
}

type instrumentedSynthesizer struct {
	in       Instruments
	s        voice.Synthesizer
	provider string
}

func (w instrumentedSynthesizer) Synthesize(ctx context.Context, req voice.Request) (a voice.Audio, err error) {
	ctx, end := w.in.begin(ctx, Call{Feature: "speech", Provider: w.provider, Operation: "synthesize", Model: req.Model})
	defer finish(end, &err)
	a, err = w.s.Synthesize(ctx, req)
	if err == nil {
		w.in.record(ctx, SpeechCharacters, w.provider, req.Model, int64(utf8.RuneCountInString(req.Text)))
	}
	return a, err
}

// voicedSynthesizer keeps a backend's voice list (voice.Voices) through the wrapping.
type voicedSynthesizer struct {
	instrumentedSynthesizer
	voices voice.Voices
}

func (w voicedSynthesizer) Voices(ctx context.Context) ([]voice.Voice, error) {
	return w.voices.Voices(ctx)
}

// Transcriber instruments t, the speech-to-text backend provider.
func (in Instruments) Transcriber(t voice.Transcriber, provider string) voice.Transcriber {
	if t == nil {
		return nil
	}
	return instrumentedTranscriber{in: in, t: t, provider: provider}
}

type instrumentedTranscriber struct {
	in       Instruments
	t        voice.Transcriber
	provider string
}

// Transcribe counts the seconds the recording plays, rounded up: as the backend says, or as the
// recording's own headers say when it does not.
func (w instrumentedTranscriber) Transcribe(ctx context.Context, rec voice.Recording) (tr voice.Transcript, err error) {
	ctx, end := w.in.begin(ctx, Call{Feature: "transcription", Provider: w.provider, Operation: "transcribe"})
	defer finish(end, &err)
	tr, err = w.t.Transcribe(ctx, rec)
	if err == nil {
		d := tr.Duration
		if d <= 0 {
			d = media.AudioDuration(rec.ContentType, rec.Data)
		}
		w.in.record(ctx, TranscriptionSeconds, w.provider, "", int64(math.Ceil(d.Seconds())))
	}
	return tr, err
}

// Embedder instruments e, the embeddings backend provider with model.
func (in Instruments) Embedder(e memory.Embedder, provider, model string) memory.Embedder {
	if e == nil {
		return nil
	}
	return instrumentedEmbedder{in: in, e: e, provider: provider, model: model}
}

type instrumentedEmbedder struct {
	in              Instruments
	e               memory.Embedder
	provider, model string
}

// Embed counts the texts' tokens as counted here (embedding APIs' counts are not passed on).
func (w instrumentedEmbedder) Embed(ctx context.Context, texts []string) (v []memory.Vector, err error) {
	if len(texts) == 0 {
		return w.e.Embed(ctx, texts)
	}
	ctx, end := w.in.begin(ctx, Call{Feature: "embeddings", Provider: w.provider, Operation: "embed", Model: w.model})
	defer finish(end, &err)
	v, err = w.e.Embed(ctx, texts)
	if err == nil {
		var n int64
		for _, t := range texts {
			n += w.in.tokens(t)
		}
		w.in.record(ctx, EmbeddingTokens, w.provider, w.model, n)
	}
	return v, err
}
