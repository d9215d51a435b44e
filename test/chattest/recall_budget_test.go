package chattest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/tokenizer"
	"github.com/companionhub/companionhub/domain"
	pictured "github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/voice"
)

// cutOffs records the recalls the steps cut off.
type cutOffs struct {
	chatuc.NopObserver
	mu    sync.Mutex
	turns []domain.ID
}

func (o *cutOffs) RecallCutOff(_ context.Context, turnID domain.ID, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.turns = append(o.turns, turnID)
}

func (o *cutOffs) seen() []domain.ID {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]domain.ID(nil), o.turns...)
}

// A recall that outlives its budget is cut off — even one that never looks at its context — and
// the reply goes ahead without memories; one within it gives its memories.
func TestARecallIsCutOffAtItsBudget(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	w.model.shut() // the turn stays running while its recall step is called here
	sent := w.send(t, "hi")
	release := make(chan struct{})
	t.Cleanup(func() { close(release); w.model.open() })

	steps := func(recall chatuc.Recaller, obs chatuc.Observer) chatuc.Step {
		s, err := chatuc.NewSteps(chatuc.StepsDeps{Store: w.env.Store, Bus: w.env.Bus, Model: w.model,
			Tokens: tokenizer.New(), Recall: recall, Learn: decorator.Fail[memory.Learn, struct{}](usecase.ErrNotConfigured),
			Illustrate: decorator.Fail[picture.IllustrateReply, pictured.Picture](usecase.ErrNotConfigured),
			Speak:      decorator.Fail[voice.SpeakReply, voice.Spoken](usecase.ErrNotConfigured), Clock: usecase.SystemClock{},
			Observer: obs, Limits: chatuc.Limits{RecallBudget: 20 * time.Millisecond}})
		require.NoError(t, err)
		for _, st := range s.Table() {
			if st.Name == chatuc.StepRecall {
				return st
			}
		}
		t.Fatal("no recall step")
		return chatuc.Step{}
	}

	stuck := decorator.Func[memory.Recall, []string](func(context.Context, memory.Recall) ([]string, error) {
		<-release // a store that hangs and ignores the context
		return []string{"too late"}, nil
	})
	obs := &cutOffs{}
	out, err := steps(stuck, obs).Call(context.Background(), chatuc.RecallInput{TurnID: sent.Turn.ID()})
	require.NoError(t, err, "a slow recall is not the turn's failure")
	require.Empty(t, out.(chatuc.RecallOutput).Memories)
	require.Equal(t, []domain.ID{sent.Turn.ID()}, obs.seen(), "the cut is reported")

	quick := decorator.Func[memory.Recall, []string](func(_ context.Context, in memory.Recall) ([]string, error) {
		return []string{"likes tea, asked: " + in.Query}, nil // runs on the step's goroutine: no require here
	})
	obs = &cutOffs{}
	out, err = steps(quick, obs).Call(context.Background(), chatuc.RecallInput{TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	require.Equal(t, []string{"likes tea, asked: hi"}, out.(chatuc.RecallOutput).Memories)
	require.Empty(t, obs.seen())
}
