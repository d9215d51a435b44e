package memory_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/fakes/observerfake"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/memory"
)

// fakeEmbedder counts its calls: without a memory store there is nothing to embed for.
type fakeEmbedder struct{ calls atomic.Int64 }

func (e *fakeEmbedder) Embed(_ context.Context, texts []string) ([]memory.Vector, error) {
	e.calls.Add(1)
	return make([]memory.Vector, len(texts)), nil
}

var owner, comp = domain.NewID(time.Now()), domain.NewID(time.Now())

func TestMemoryIsNotConfiguredYet(t *testing.T) {
	t.Parallel()
	for name, d := range map[string]func(*fakeEmbedder) memory.Deps{
		"without an embedder": func(*fakeEmbedder) memory.Deps { return memory.Deps{} },
		// An embedder alone does not make a memory: recall and learning need the store.
		"with an embedder": func(e *fakeEmbedder) memory.Deps { return memory.Deps{Embedder: e} },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			obs, emb := &observerfake.Observer{}, &fakeEmbedder{}
			app, err := memory.NewApp(d(emb), obs)
			require.NoError(t, err)
			ctx := context.Background()

			mems, err := app.Recall.Handle(ctx, memory.Recall{OwnerID: owner, CompanionID: comp, Query: "tea", Limit: 5})
			require.ErrorIs(t, err, usecase.ErrNotConfigured)
			require.Empty(t, mems)
			_, err = app.Learn.Handle(ctx, memory.Learn{OwnerID: owner, CompanionID: comp})
			require.ErrorIs(t, err, usecase.ErrNotConfigured)

			// A turn skips the step on this error; it is not a failure to log on every turn.
			require.Zero(t, obs.Calls())
			require.Zero(t, emb.calls.Load())
		})
	}
}

func TestMemoryAnswersTheContextErrorOnceItEnded(t *testing.T) {
	t.Parallel()
	app, err := memory.NewApp(memory.Deps{})
	require.NoError(t, err)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()

	for _, tc := range []struct {
		ctx  context.Context
		want error
	}{{cancelled, context.Canceled}, {expired, context.DeadlineExceeded}} {
		// An ended turn hears that it ended, not that the feature is missing.
		_, err := app.Recall.Handle(tc.ctx, memory.Recall{OwnerID: owner, CompanionID: comp, Query: "tea"})
		require.ErrorIs(t, err, tc.want)
		require.NotErrorIs(t, err, usecase.ErrNotConfigured)
		_, err = app.Learn.Handle(tc.ctx, memory.Learn{OwnerID: owner, CompanionID: comp})
		require.ErrorIs(t, err, tc.want)
		require.NotErrorIs(t, err, usecase.ErrNotConfigured)
	}
}
