package core

import (
	"errors"

	"github.com/companionhub/companionhub/adapter/hashembed"
	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/adapter/placeholder"
	"github.com/companionhub/companionhub/adapter/tones"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Catalogs are the backends a hub can choose from, per feature, by the PROVIDER settings.
type Catalogs struct {
	Models     backend.Catalog[llm.Model]
	Images     backend.Catalog[picture.Generator]
	Speech     backend.Catalog[voice.Synthesizer]
	Embeddings backend.Catalog[memory.Embedder]
	// Transcription has no offline backend: voice notes need a speech-to-text service.
	Transcription backend.Catalog[voice.Transcriber]
	// Notify tells people their companion wrote first; none is built in (it calls out).
	Notify backend.Catalog[proactive.Notifier]
}

// Builtin is the core's catalogue: the offline backends, which need no network and link no SDK.
// The companionhub package adds the others; an embedder adds its own with the Catalogs' With.
func Builtin() Catalogs {
	return Catalogs{
		Models:        backend.NewCatalog("llm", offline.Backend()),
		Images:        backend.NewCatalog("image", placeholder.Backend()),
		Speech:        backend.NewCatalog("tts", tones.Backend()),
		Embeddings:    backend.NewCatalog("embeddings", hashembed.Backend()),
		Transcription: backend.NewCatalog[voice.Transcriber]("stt"),
		Notify:        backend.NewCatalog[proactive.Notifier]("notify"),
	}
}

// Apply makes c offer the backends of cs: their own settings, with their defaults, and their
// names in the help of the provider variables.
func (cs Catalogs) Apply(c *Config) {
	cs.Models.Defaults(&c.Backends)
	cs.Images.Defaults(&c.Backends)
	cs.Speech.Defaults(&c.Backends)
	cs.Embeddings.Defaults(&c.Backends)
	cs.Transcription.Defaults(&c.Backends)
	cs.Notify.Defaults(&c.Backends)
	c.LLM = c.LLM.WithChoices(cs.Models.Names()...)
	c.Images = c.Images.WithChoices(cs.Images.Names()...)
	c.Speech = c.Speech.WithChoices(cs.Speech.Names()...)
	c.Embeddings = c.Embeddings.WithChoices(cs.Embeddings.Names()...)
	c.Transcription = c.Transcription.WithChoices(cs.Transcription.Names()...)
	c.Notify = c.Notify.WithChoices(cs.Notify.Names()...)
}

// check validates the backends c chooses, but for the features whose port was given.
func (cs Catalogs) check(c Config, p ports) error {
	var errs []error
	if p.model == nil {
		errs = append(errs, cs.Models.Check(c.LLMSettings(), c.Backends, "LLM", "Backends"))
	}
	if p.images == nil && c.Images.Provider != "" {
		errs = append(errs, cs.Images.Check(c.Images.Settings, c.Backends, "Images", "Backends"))
	}
	if p.speech == nil && c.Speech.Provider != "" {
		errs = append(errs, cs.Speech.Check(c.Speech.Settings, c.Backends, "Speech", "Backends"))
	}
	if p.transcriber == nil && c.Transcription.Provider != "" {
		errs = append(errs, cs.Transcription.Check(c.Transcription.Settings, c.Backends, "Transcription", "Backends"))
	}
	if p.notifier == nil && c.Notify.Provider != "" {
		errs = append(errs, cs.Notify.Check(c.Notify.Settings, c.Backends, "Notify", "Backends"))
	}
	if p.embedder == nil && c.Embeddings.Provider != "" {
		errs = append(errs, cs.Embeddings.Check(c.Embeddings.Settings, c.Backends, "Embeddings", "Backends"))
	}
	return errors.Join(errs...)
}

var _ envflag.Group = (*backend.Configs)(nil)
