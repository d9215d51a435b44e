package noop_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/noop"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/contract/sidestest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

func TestConformance(t *testing.T) {
	sidestest.Run(t, sidestest.Ports{Recaller: noop.Recaller{}, Extractor: noop.Extractor{}, Pictures: noop.Pictures{}, Voices: noop.Voices{}})
}

func TestEverySideSaysNotConfigured(t *testing.T) {
	ctx := context.Background()
	_, err := noop.Recaller{}.Recall(ctx, domain.ID{}, "q", 5)
	require.ErrorIs(t, err, chatuc.ErrNotConfigured)
	_, err = noop.Extractor{}.Extract(ctx, chatuc.Exchange{})
	require.ErrorIs(t, err, chatuc.ErrNotConfigured)
	_, err = noop.Pictures{}.Picture(ctx, chatuc.Exchange{}, chatuc.Analysis{}, "")
	require.ErrorIs(t, err, chatuc.ErrNotConfigured)
	_, err = noop.Voices{}.Speak(ctx, chatuc.Exchange{}, "")
	require.ErrorIs(t, err, chatuc.ErrNotConfigured)
}
