package chattest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/placeholder"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/test/chattest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// A reply's picture is told as it renders, lands in the gallery tied to the reply, and the image
// event names its gallery entry.
func TestAPictureTurnFillsTheGallery(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.Images = placeholder.New() })
	sent, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: w.owner, CompanionID: w.comp,
		Text: "send me a picture", Options: chat.Options{Image: true}})
	require.NoError(t, err)
	events := w.follow(t, sent.Turn.ID(), 0)

	var percents []float64
	for _, e := range events {
		if e.Type == chat.EventProgress && data(t, e)["status"] == "imaging" {
			percents = append(percents, data(t, e)["progress"].(float64))
		}
	}
	require.Greater(t, len(percents), 1, "the render's own progress is told: %v", percents)
	for i := 1; i < len(percents); i++ {
		require.Greater(t, percents[i], percents[i-1], "progress only rises: %v", percents)
	}
	require.Less(t, percents[len(percents)-1], 80.0)

	img := eventOf(t, events, chat.EventImage)
	require.Empty(t, img["error"])
	id, err := domain.ParseID(img["id"].(string))
	require.NoError(t, err)
	pic, err := sqlstore.GalleryRepository(w.db).Get(context.Background(), w.owner, id)
	require.NoError(t, err)
	require.Equal(t, w.comp, pic.CompanionID)
	require.Equal(t, img["message_id"], pic.MessageID.String())
	require.Equal(t, "/media/"+pic.Image.Key.String(), img["url"])
	require.False(t, pic.Thumb.IsZero(), "a thumbnail for the gallery")
	require.Positive(t, pic.Params.Seed)

	msg, err := w.env.Store.Messages().Get(context.Background(), w.owner, pic.MessageID)
	require.NoError(t, err)
	require.Equal(t, pic.ID, msg.PictureID)
	require.Equal(t, pic.Image, msg.Image)

	// Deleting it from the gallery leaves the reply, which says its picture was removed.
	_, err = sqlstore.GalleryRepository(w.db).Delete(context.Background(), w.owner, pic.ID)
	require.NoError(t, err)
	msg, err = w.env.Store.Messages().Get(context.Background(), w.owner, pic.MessageID)
	require.NoError(t, err)
	require.True(t, msg.PictureRemoved)
	require.True(t, msg.Image.IsZero())
	_, err = sqlstore.GalleryRepository(w.db).Get(context.Background(), w.owner, pic.ID)
	require.ErrorIs(t, err, picture.ErrNotFound)
}
