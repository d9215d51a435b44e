package chattest_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/placeholder"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/tones"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/chattest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/picture"
)

// eventOf is the one event of type typ among events.
func eventOf(t *testing.T, events []chat.Event, typ chat.EventType) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, e := range events {
		if e.Type == typ {
			found = append(found, data(t, e))
		}
	}
	require.Len(t, found, 1, "one %s event", typ)
	return found[0]
}

// keyOf is the media key a /media/ URL names.
func keyOf(t *testing.T, url any) media.Key {
	t.Helper()
	s, ok := url.(string)
	require.True(t, ok, "url %v", url)
	k, err := media.ParseKey(strings.TrimPrefix(s, "/media/"))
	require.NoError(t, err)
	return k
}

// With an image backend, a turn that asks for a picture draws the scene the reply leaves, stores it
// as the owner's, attaches it to the reply and tells the stream — the feature does for the backend
// everything but the pixels.
func TestATurnDrawsTheSceneWithTheImageBackend(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.Images = placeholder.New() })
	sent, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: w.comp,
		Text: "a picture of you?", Options: chat.Options{Image: true}})
	require.NoError(t, err)
	events := w.follow(t, sent.Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type)
	image := eventOf(t, events, chat.EventImage)
	require.Empty(t, image["error"])
	require.EqualValues(t, 832, image["width"])
	require.EqualValues(t, 1216, image["height"])
	key := keyOf(t, image["url"])

	h := w.history(t)
	require.Equal(t, key, h[0].Message.Image.Key, "the picture is the reply's")
	it := w.mediaItem(t, key)
	require.Equal(t, w.owner, it.OwnerID)
	require.Equal(t, w.comp, it.CompanionID)
	require.Equal(t, media.KindPicture, it.Kind)
}

// With a speech backend and a companion with a voice, a turn that asks for it speaks the reply.
func TestATurnSpeaksTheReplyWithTheSpeechBackend(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.Speech = tones.New() })
	owner, voiced := chattest.NewCompanion(t, w.db, companion.ProfileSpec{Name: "Ines", Age: 29,
		Voice: companion.Voice{Enabled: true, VoiceID: "alto"}})
	sent, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: owner, CompanionID: voiced,
		Text: "say something", Options: chat.Options{Voice: true}})
	require.NoError(t, err)
	events := w.followAs(t, owner, sent.Turn.ID())
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type)
	audio := eventOf(t, events, chat.EventAudio)
	require.Empty(t, audio["error"])
	it := w.mediaItem(t, keyOf(t, audio["url"]))
	require.Equal(t, media.KindAudio, it.Kind)
	require.Equal(t, media.WAV, it.ContentType, "what the backend made, checked by content")

	// A companion without a voice: the reply comes, the stream says why it is not spoken.
	sent, err = w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: w.comp,
		Text: "say something", Options: chat.Options{Voice: true}})
	require.NoError(t, err)
	events = w.follow(t, sent.Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type)
	require.Equal(t, "no_voice", eventOf(t, events, chat.EventAudio)["code"])
}

// mediaItem is the row of a stored file.
func (w *world) mediaItem(t *testing.T, k media.Key) media.Item {
	t.Helper()
	it, err := sqlstore.MediaRepository(w.db).Get(context.Background(), k)
	require.NoError(t, err)
	return it
}

// followAs collects a turn's events, as its owner, to its end.
func (w *world) followAs(t *testing.T, owner, turnID domain.ID) []chat.Event {
	t.Helper()
	other := *w
	other.owner = owner
	return other.follow(t, turnID, 0)
}

// A turn cannot ask for a feature the hub has no backend for: it is refused when it is asked for,
// naming the option, rather than run to say so on its stream. The offline backends count.
func TestOptionsWithoutABackendAreRefusedWhenAskedFor(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		o      chat.Options
		fields []string
	}{
		{chat.Options{Image: true}, []string{"image"}},
		{chat.Options{Voice: true}, []string{"voice"}},
		{chat.Options{Image: true, Voice: true, DeepThink: true}, []string{"image", "voice"}},
	} {
		_, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "hi", Options: tc.o})
		require.Equal(t, domain.KindInvalid, domain.KindOf(err), "%+v", tc.o)
		var fields []string
		for _, v := range domain.Violations(err) {
			require.Equal(t, "not_configured", v.Code)
			fields = append(fields, v.Field)
		}
		require.Equal(t, tc.fields, fields)
	}
	require.Empty(t, w.history(t), "nothing was stored")

	sent := w.send(t, "hi")
	w.follow(t, sent.Turn.ID(), 0)
	_, err := w.env.App.Regenerate.Handle(ctx, chatuc.Regenerate{OwnerID: w.owner, MessageID: sent.Message.ID,
		Options: chat.Options{Image: true}})
	require.Equal(t, domain.KindInvalid, domain.KindOf(err), "regenerating asks the same")

	offline := newWorld(t, func(o *chattest.Options) { o.Images, o.Speech = chattest.SmallPictures(), tones.New() })
	sent, err = offline.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: offline.owner, CompanionID: offline.comp, Text: "hi",
		Options: chat.Options{Image: true, Voice: true}})
	require.NoError(t, err, "the offline backends are backends")
	offline.follow(t, sent.Turn.ID(), 0)
}

// flakyImages fails its first render as an unreachable backend would, then draws.
type flakyImages struct {
	picture.Generator
	failed atomic.Bool
}

func (g *flakyImages) Generate(ctx context.Context, req picture.Request, progress func(picture.Progress)) (picture.Result, error) {
	if !g.failed.Swap(true) {
		return picture.Result{}, domain.E(domain.KindUnavailable, "down", "the image backend is down")
	}
	return g.Generator.Generate(ctx, req, progress)
}

// A step that is retried does not tell its progress again: each progress is told once.
func TestARetriedStepTellsItsProgressOnce(t *testing.T) {
	t.Parallel()
	images := &flakyImages{Generator: chattest.SmallPictures()}
	w := newWorld(t, func(o *chattest.Options) { o.Images = images })
	sent, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: w.comp,
		Text: "a picture?", Options: chat.Options{Image: true}})
	require.NoError(t, err)
	events := w.follow(t, sent.Turn.ID(), 0)
	require.True(t, images.failed.Load(), "the picture step was retried")
	require.Empty(t, eventOf(t, events, chat.EventImage)["error"], "the second attempt drew it")
	told := map[string]int{}
	for _, e := range events {
		if e.Type == chat.EventProgress {
			d := data(t, e)
			told[fmt.Sprintf("%s %v", d["status"], d["progress"])]++
		}
	}
	require.Equal(t, 1, told["imaging 70"], "the retried step's progress, once")
	for status, n := range told {
		require.Equal(t, 1, n, "%s is told once (analysing may not be told at all: recall runs beside it)", status)
	}
}
