package core

import (
	"context"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/usecase"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/llm"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/voice"
)

// The features' backends: the model, pictures, voice and memory, each opened from its settings (or
// given as an option) and instrumented (usage.Instruments), and the feature's use cases built on it.

// provideModel is the language model given, or the one the LLM settings choose.
// Every provider it opens is instrumented: counted for usage, told to the metrics.
func provideModel(ctx context.Context, cfg Config, o *options, d backend.Deps, in usage.Instruments) (llm.Model, func(), error) {
	s := cfg.LLMSettings()
	if o.model != nil {
		return in.Model(o.model, "custom", s.Model), func() {}, nil
	}
	if s.Provider == "offline" {
		d.Log.Info("no LLM configured (COMPANIONHUB_LLM_BASE_URL): replies come from the offline model")
	}
	m, cleanup, err := o.catalogs.Models.Open(ctx, s, cfg.Backends, d)
	if err != nil {
		return nil, nil, err
	}
	return in.Model(m, s.Provider, s.Model), cleanup, nil
}

// openFeature opens the backend a feature's settings choose, if any — a feature with no provider
// is off, and its use cases say so — and builds the feature's use cases on it.
func openFeature[P comparable, A any](ctx context.Context, given P, f backend.Feature, c backend.Catalog[P],
	cs backend.Configs, d backend.Deps, newApp func(P) (A, error)) (A, func(), error) {
	var zero A
	port, cleanup := given, func() {}
	var none P
	if given == none && f.Provider != "" {
		var err error
		if port, cleanup, err = c.Open(ctx, f.Settings, cs, d); err != nil {
			return zero, nil, err
		}
	}
	app, err := newApp(port)
	if err != nil {
		cleanup()
		return zero, nil, err
	}
	return app, cleanup, nil
}

func providePictures(ctx context.Context, cfg Config, o *options, d backend.Deps, model llm.Model, images mediauc.ImageProcessor,
	blobs mediauc.BlobStore, repo mediauc.Repository, gallery picture.Gallery, companions companionuc.Store,
	guard *ratelimit.Guard, clock usecase.Clock, in usage.Instruments, u *usage.App, obs []decorator.Observer) (*picture.App, func(), error) {
	name := cfg.Images.Provider
	if o.images != nil {
		name = "custom" // an embedder's own generator
	}
	return openFeature(ctx, o.images, cfg.Images, o.catalogs.Images, cfg.Backends, d,
		func(gen picture.Generator) (*picture.App, error) {
			return picture.NewApp(picture.Deps{Generator: in.Generator(gen, name), Backend: name, Quota: quota(u, usage.QuotaPictures), ImageModel: cfg.Images.Model, Model: model,
				Images: images, Blobs: blobs, Media: repo, Gallery: gallery, Companions: companions.Companions(),
				Clock: clock, Guard: guard, Rule: cfg.RateLimits.rules().Image, Timeout: cfg.Images.Timeout}, obs...)
		})
}

func provideVoice(ctx context.Context, cfg Config, o *options, d backend.Deps, blobs mediauc.BlobStore,
	repo mediauc.Repository, guard *ratelimit.Guard, clock usecase.Clock, in usage.Instruments, u *usage.App,
	obs []decorator.Observer) (*voice.App, func(), error) {
	// Voice notes' backend first: the app takes both.
	tr, closeTr, trName := o.transcriber, func() {}, "custom"
	if tr == nil && cfg.Transcription.Provider != "" {
		var err error
		if tr, closeTr, err = o.catalogs.Transcription.Open(ctx, cfg.Transcription.Settings, cfg.Backends, d); err != nil {
			return nil, nil, err
		}
		trName = cfg.Transcription.Provider
	}
	tr = in.Transcriber(tr, trName)
	speechName := cfg.Speech.Provider
	if o.speech != nil {
		speechName = "custom"
	}
	app, cleanup, err := openFeature(ctx, o.speech, cfg.Speech, o.catalogs.Speech, cfg.Backends, d,
		func(synth voice.Synthesizer) (*voice.App, error) {
			return voice.NewApp(voice.Deps{Synthesizer: in.Synthesizer(synth, speechName), Transcriber: tr, Quota: quota(u, usage.QuotaSpeech), Blobs: blobs, Media: repo, Clock: clock,
				Timeout: cfg.Speech.Timeout, TranscribeTimeout: cfg.Transcription.Timeout, MaxSpoken: cfg.SpokenChars,
				Guard: guard, PreviewRule: cfg.RateLimits.rules().VoicePreview}, obs...)
		})
	if err != nil {
		closeTr()
		return nil, nil, err
	}
	return app, func() { cleanup(); closeTr() }, nil
}

func provideMemory(ctx context.Context, cfg Config, o *options, d backend.Deps, store memoryuc.Store, model llm.Model,
	companions companionuc.Store, clock usecase.Clock, in usage.Instruments, obs []decorator.Observer) (*memoryuc.App, func(), error) {
	return openFeature(ctx, o.embedder, cfg.Embeddings, o.catalogs.Embeddings, cfg.Backends, d,
		func(emb memoryuc.Embedder) (*memoryuc.App, error) {
			return memoryuc.NewApp(memoryuc.Deps{Store: store, Model: model, Companions: companions.Companions(),
				Relationships: companionuc.Relationships{Store: companions, Clock: clock}, Clock: clock,
				Embedder: instrumentEmbedder(in, emb, o, cfg.Embeddings.Settings), EmbedderName: embedderName(emb, cfg.Embeddings.Settings),
				// The question is embedded within most of the recall's own budget: the rest is
				// for the searches.
				EmbedTimeout: cfg.Chat.RecallBudget * 4 / 5}, obs...)
		})
}

// instrumentEmbedder instruments emb, named by the provider it was opened as.
func instrumentEmbedder(in usage.Instruments, emb memoryuc.Embedder, o *options, s backend.Settings) memoryuc.Embedder {
	name := s.Provider
	if o.embedder != nil || name == "" {
		name = "custom"
	}
	return in.Embedder(emb, name, s.Model)
}

// embedderName names an embedder's vectors: its own name where it has one (provider, model and
// size), else the provider and model it was opened with.
func embedderName(emb memoryuc.Embedder, s backend.Settings) string {
	if n, ok := emb.(interface{ Name() string }); ok {
		return n.Name()
	}
	if s.Provider == "" {
		return "custom"
	}
	return s.Provider + ":" + s.Model
}
