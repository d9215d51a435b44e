// Package noop holds the adapters of features a hub has not been given a provider for: memory
// recall and extraction, pictures and voice. Each says ErrNotConfigured, which the chat pipeline
// treats as "skip this step" — the reply is never lost for a feature that is missing.
package noop

import (
	"context"

	"github.com/google/wire"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// Recaller remembers nothing.
type Recaller struct{}

func (Recaller) Recall(ctx context.Context, _ domain.ID, _ string, _ int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, chatuc.ErrNotConfigured
}

// Extractor learns nothing.
type Extractor struct{}

func (Extractor) Extract(ctx context.Context, _ chatuc.Exchange) (chatuc.ExtractResult, error) {
	if err := ctx.Err(); err != nil {
		return chatuc.ExtractResult{}, err
	}
	return chatuc.ExtractResult{}, chatuc.ErrNotConfigured
}

// Pictures draws nothing.
type Pictures struct{}

func (Pictures) Picture(ctx context.Context, _ chatuc.Exchange, _ chatuc.Analysis, _ string) (media.Image, error) {
	if err := ctx.Err(); err != nil {
		return media.Image{}, err
	}
	return media.Image{}, chatuc.ErrNotConfigured
}

// Voices speaks nothing.
type Voices struct{}

func (Voices) Speak(ctx context.Context, _ chatuc.Exchange, _ string) (media.Key, error) {
	if err := ctx.Err(); err != nil {
		return media.Key{}, err
	}
	return media.Key{}, chatuc.ErrNotConfigured
}

var (
	_ chatuc.Recaller        = Recaller{}
	_ chatuc.MemoryExtractor = Extractor{}
	_ chatuc.PictureMaker    = Pictures{}
	_ chatuc.VoiceMaker      = Voices{}
)

// ProviderSet binds the no-op adapters to the chat ports.
var ProviderSet = wire.NewSet(
	wire.Value(Recaller{}), wire.Bind(new(chatuc.Recaller), new(Recaller)),
	wire.Value(Extractor{}), wire.Bind(new(chatuc.MemoryExtractor), new(Extractor)),
	wire.Value(Pictures{}), wire.Bind(new(chatuc.PictureMaker), new(Pictures)),
	wire.Value(Voices{}), wire.Bind(new(chatuc.VoiceMaker), new(Voices)),
)
