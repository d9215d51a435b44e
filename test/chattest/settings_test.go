package chattest_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/tokenizer"
	"github.com/companionhub/companionhub/adapter/tones"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

func setting(v bool) *bool { return &v }

// settle changes the companion's settings as the settings use case does.
func (w *world) settle(t *testing.T, ch companion.SettingsChange) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, w.env.Store.InTx(ctx, func(r chatuc.Repos) error {
		c, err := r.Companions().GetForUpdate(ctx, w.owner, w.comp)
		if err != nil {
			return err
		}
		if _, err := c.ChangeSettings(ch, c.UpdatedAt()); err != nil {
			return err
		}
		return r.Companions().Update(ctx, c)
	}))
}

// leaveAll is a send that leaves every option to the companion's settings, as an API request
// that names none.
var leaveAll = chatuc.Unset{DeepThink: true, Image: true, Voice: true}

// noPictures is a limiter whose picture allowance is used up; every other rule lets everything
// through.
type noPictures struct{ asked atomic.Int64 }

func (l *noPictures) Allow(_ context.Context, key string, _ ratelimit.Limit) (ratelimit.Decision, error) {
	if strings.HasPrefix(key, ratelimit.DefaultRules().Image.Name+":") {
		l.asked.Add(1)
		return ratelimit.Decision{RetryAfter: time.Minute}, nil
	}
	return ratelimit.Decision{Allowed: true, Remaining: 1000}, nil
}

// With AutoImage on, a send that does not say gets a picture — the hub draws them and the
// allowance holds — and the picture is counted; one that says no picture gets none.
func TestAutoImageGivesEveryReplyAPicture(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.Images = chattest.SmallPictures() })
	w.settle(t, companion.SettingsChange{AutoImage: setting(true)})
	ctx := context.Background()

	sent, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "hi", Unset: leaveAll})
	require.NoError(t, err)
	require.Equal(t, chat.Options{Image: true}, sent.Turn.Options())
	events := w.follow(t, sent.Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type)
	require.Empty(t, eventOf(t, events, chat.EventImage)["error"], "the reply has its picture")

	sent, err = w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "just talk",
		Unset: chatuc.Unset{DeepThink: true, Voice: true}}) // "image": false
	require.NoError(t, err)
	require.False(t, sent.Turn.Options().Image, "the send's own word wins")
	w.follow(t, sent.Turn.ID(), 0)
}

// With AutoImage on and the picture allowance used up, the send goes ahead without a picture: the
// person did not ask for one this time. Asking for one is still refused.
func TestAutoImageOverTheAllowanceGoesWithoutAPicture(t *testing.T) {
	t.Parallel()
	limiter := &noPictures{}
	w := newWorld(t, func(o *chattest.Options) { o.Images, o.Limiter = chattest.SmallPictures(), limiter })
	w.settle(t, companion.SettingsChange{AutoImage: setting(true)})
	ctx := context.Background()

	sent, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "hi", Unset: leaveAll})
	require.NoError(t, err, "not refused")
	require.Equal(t, chat.Options{}, sent.Turn.Options())
	require.EqualValues(t, 1, limiter.asked.Load(), "the allowance was asked")
	events := w.follow(t, sent.Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type)
	for _, e := range events {
		require.NotEqual(t, chat.EventImage, e.Type, "no picture, and no failed one either")
	}

	_, err = w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "a picture!",
		Options: chat.Options{Image: true}, Unset: chatuc.Unset{DeepThink: true, Voice: true}})
	require.ErrorIs(t, err, ratelimit.ErrLimited, "asked for, it is refused as before")
}

// Without a picture or voice backend, AutoImage and Voice leave the turn without them — never a
// refusal; asking for them is refused as before.
func TestSettingsWithoutABackendAreNoRefusal(t *testing.T) {
	t.Parallel()
	limiter := &noPictures{}
	w := newWorld(t, func(o *chattest.Options) { o.Limiter = limiter })
	w.settle(t, companion.SettingsChange{AutoImage: setting(true), Voice: setting(true)})
	ctx := context.Background()

	sent, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "hi", Unset: leaveAll})
	require.NoError(t, err)
	require.Equal(t, chat.Options{}, sent.Turn.Options())
	require.Zero(t, limiter.asked.Load(), "no picture to count")
	w.follow(t, sent.Turn.ID(), 0)

	_, err = w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "a picture!",
		Options: chat.Options{Image: true}, Unset: chatuc.Unset{DeepThink: true, Voice: true}})
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
	require.Equal(t, "not_configured", domain.Violations(err)[0].Code)
}

// The Voice setting speaks every reply on a hub with a voice.
func TestTheVoiceSettingSpeaksEveryReply(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.Speech = tones.New() })
	w.settle(t, companion.SettingsChange{Voice: setting(true)})
	sent, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: w.comp,
		Text: "say something", Unset: leaveAll})
	require.NoError(t, err)
	require.Equal(t, chat.Options{Voice: true}, sent.Turn.Options())
	events := w.follow(t, sent.Turn.ID(), 0)
	eventOf(t, events, chat.EventAudio) // this companion has no voice of its own: the stream says so
}

// DeepThink's setting is the default of a send that does not say; a send that says wins.
func TestTheDeepThinkSettingIsTheSendsDefault(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	sent, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "hi", Unset: leaveAll})
	require.NoError(t, err)
	require.False(t, sent.Turn.Options().DeepThink, "off by default")
	w.follow(t, sent.Turn.ID(), 0)

	w.settle(t, companion.SettingsChange{DeepThink: setting(true)})
	sent, err = w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "think", Unset: leaveAll})
	require.NoError(t, err)
	require.Equal(t, chat.Options{DeepThink: true}, sent.Turn.Options())
	events := w.follow(t, sent.Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type)

	sent, err = w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "quick",
		Unset: chatuc.Unset{Image: true, Voice: true}}) // "deep_think": false
	require.NoError(t, err)
	require.False(t, sent.Turn.Options().DeepThink)
	w.follow(t, sent.Turn.ID(), 0)
}

// A regeneration leaves its options to the settings as a send does: with DeepThink and AutoImage
// on, the new reply is planned and drawn unless the regeneration says otherwise.
func TestARegenerationTakesWhatItLeavesOutFromTheSettings(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.Images = chattest.SmallPictures() })
	ctx := context.Background()
	sent := w.send(t, "hi")
	w.follow(t, sent.Turn.ID(), 0)
	w.settle(t, companion.SettingsChange{DeepThink: setting(true), AutoImage: setting(true)})

	regen, err := w.env.App.Regenerate.Handle(ctx, chatuc.Regenerate{OwnerID: w.owner, MessageID: sent.Message.ID, Unset: leaveAll})
	require.NoError(t, err)
	require.Equal(t, chat.Options{DeepThink: true, Image: true}, regen.Turn.Options())
	events := w.follow(t, regen.Turn.ID(), 0)
	require.Empty(t, eventOf(t, events, chat.EventImage)["error"], "the regenerated reply is drawn")

	regen, err = w.env.App.Regenerate.Handle(ctx, chatuc.Regenerate{OwnerID: w.owner, MessageID: sent.Message.ID,
		Unset: chatuc.Unset{Voice: true}}) // "deep_think": false, "image": false
	require.NoError(t, err)
	require.Equal(t, chat.Options{}, regen.Turn.Options())
	w.follow(t, regen.Turn.ID(), 0)
}

// A retry under the same Idempotency-Key is the same request even when the settings changed in
// between: it is answered with the first turn, options and all.
func TestARetryIsAReplayWhateverTheSettingsSayNow(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	send := chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "hi", Unset: leaveAll, IdempotencyKey: "settings-1"}
	first, err := w.env.App.Send.Handle(ctx, send)
	require.NoError(t, err)
	w.follow(t, first.Turn.ID(), 0)
	w.settle(t, companion.SettingsChange{DeepThink: setting(true)})
	again, err := w.env.App.Send.Handle(ctx, send)
	require.NoError(t, err)
	require.True(t, again.Replayed)
	require.Equal(t, first.Turn.ID(), again.Turn.ID())
	require.False(t, again.Turn.Options().DeepThink)

	// Saying false is another request than leaving it out.
	said := send
	said.Unset.DeepThink = false
	_, err = w.env.App.Send.Handle(ctx, said)
	require.ErrorIs(t, err, chatuc.ErrIdempotencyKeyReused)
}

// With Memory off, a turn neither recalls nor learns; on, it does both.
func TestMemoryOffSkipsRecallAndLearning(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.NoReap = true })
	var recalls, learns atomic.Int64
	s, err := chatuc.NewSteps(chatuc.StepsDeps{Store: w.env.Store, Bus: w.env.Bus, Model: w.model, Tokens: tokenizer.New(),
		Recall: decorator.Func[memory.Recall, []string](func(context.Context, memory.Recall) ([]string, error) {
			recalls.Add(1)
			return []string{"likes tea"}, nil
		}),
		Learn: decorator.Func[memory.Learn, struct{}](func(context.Context, memory.Learn) (struct{}, error) {
			learns.Add(1)
			return struct{}{}, nil
		}),
		// Only recall and learning run here: pictures and voice are never called.
		Illustrate: struct{ chatuc.Illustrator }{}, Speak: struct{ chatuc.Speaker }{}, Clock: usecase.SystemClock{}})
	require.NoError(t, err)
	step := func(name chatuc.StepName) chatuc.Step {
		for _, st := range s.Table() {
			if st.Name == name {
				return st
			}
		}
		t.Fatalf("no %s step", name)
		return chatuc.Step{}
	}
	ctx := context.Background()
	turn, saved := w.savedReply(t, "Noted.")

	for _, on := range []bool{false, true} {
		w.settle(t, companion.SettingsChange{Memory: setting(on)})
		recalls.Store(0)
		learns.Store(0)
		out, err := step(chatuc.StepRecall).Call(ctx, chatuc.RecallInput{TurnID: turn.ID()})
		require.NoError(t, err)
		_, err = step(chatuc.StepExtract).Call(ctx, chatuc.SideInput{TurnID: turn.ID(), MessageID: saved.MessageID})
		require.NoError(t, err)
		if on {
			require.Equal(t, []string{"likes tea"}, out.(chatuc.RecallOutput).Memories)
			require.EqualValues(t, 1, recalls.Load())
			require.EqualValues(t, 1, learns.Load())
		} else {
			require.Empty(t, out.(chatuc.RecallOutput).Memories)
			require.Zero(t, recalls.Load(), "memory off: nothing is recalled")
			require.Zero(t, learns.Load(), "memory off: nothing is learnt")
		}
	}
}
