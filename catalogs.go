package companionhub

import (
	"github.com/companionhub/companionhub/adapter/a1111"
	"github.com/companionhub/companionhub/adapter/comfyui"
	"github.com/companionhub/companionhub/adapter/elevenlabs"
	"github.com/companionhub/companionhub/adapter/espeak"
	"github.com/companionhub/companionhub/adapter/ntfy"
	"github.com/companionhub/companionhub/adapter/openai"
	"github.com/companionhub/companionhub/adapter/openaiembed"
	"github.com/companionhub/companionhub/adapter/openaiimages"
	"github.com/companionhub/companionhub/adapter/openaispeech"
	"github.com/companionhub/companionhub/adapter/openaistt"
	"github.com/companionhub/companionhub/adapter/webhook"
	"github.com/companionhub/companionhub/core"
)

// Catalogs are the backends this package links, per feature: the core's and the ones that need an
// SDK or a network service.
func Catalogs() core.Catalogs {
	cs := core.Builtin()
	cs.Models = cs.Models.With(openai.Backend())
	cs.Images = cs.Images.With(a1111.Backend(), comfyui.Backend(), openaiimages.Backend())
	cs.Speech = cs.Speech.With(espeak.Backend(), elevenlabs.Backend(), openaispeech.Backend())
	cs.Embeddings = cs.Embeddings.With(openaiembed.Backend())
	cs.Transcription = cs.Transcription.With(openaistt.Backend())
	cs.Notify = cs.Notify.With(webhook.Backend(), ntfy.Backend())
	return cs
}
