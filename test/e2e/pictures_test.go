package e2e

import (
	"bytes"
	"image"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Pictures (issue 13) as a client meets them: a send that asks for a picture, the turn's
// `progress` and `image` events, the picture served from /media to its owner only, the gallery,
// and a message that says when its picture was deleted. The backends by configuration are in
// pictures_backends_test.go.

// pictureEvent is an `image` event's data: the picture, or why there is none.
type pictureEvent struct {
	MessageID string `json:"message_id"`
	ID        string `json:"id"`
	URL       string `json:"url"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Error     string `json:"error"`
	Code      string `json:"code"`
}

// galleryPicture is a picture of the gallery as the API shows it.
type galleryPicture struct {
	ID             string  `json:"id"`
	CompanionID    *string `json:"companion_id"`
	MessageID      *string `json:"message_id"`
	URL            string  `json:"url"`
	ThumbnailURL   string  `json:"thumbnail_url"`
	ContentType    string  `json:"content_type"`
	Bytes          int64   `json:"bytes"`
	Width          int     `json:"width"`
	Height         int     `json:"height"`
	Prompt         string  `json:"prompt"`
	NegativePrompt string  `json:"negative_prompt"`
	Seed           int64   `json:"seed"`
	Steps          int     `json:"steps"`
	CFGScale       float64 `json:"cfg_scale"`
	Sampler        string  `json:"sampler"`
	Backend        string  `json:"backend"`
}

// galleryPage is a page of GET /api/v1/images.
type galleryPage struct {
	Items      []galleryPicture `json:"items"`
	NextCursor string           `json:"next_cursor"`
	Total      int              `json:"total"`
}

// pictureMessage is a message of the conversation with what it says of its picture.
type pictureMessage struct {
	ID           string `json:"id"`
	Role         string `json:"role"`
	Text         string `json:"text"`
	PictureID    string `json:"picture_id"`
	ImageRemoved bool   `json:"image_removed"`
	Image        *struct {
		URL         string `json:"url"`
		ContentType string `json:"content_type"`
		Width       int    `json:"width"`
		Height      int    `json:"height"`
	} `json:"image"`
}

// sendPicture posts a message asking for a picture and checks it was accepted with that option.
func (c *chatter) sendPicture(t *testing.T, text string) sentMessage {
	t.Helper()
	res := c.do("POST", "/api/v1/companions/"+c.companion+"/messages", map[string]any{"text": text, "image": true})
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.body)
	var sent sentMessage
	res.json(t, &sent)
	var options struct {
		Turn struct {
			Options map[string]bool `json:"options"`
		} `json:"turn"`
	}
	res.json(t, &options)
	require.True(t, options.Turn.Options["image"], "the turn draws a picture: %s", res.body)
	require.Equal(t, text, sent.Message.Text)
	require.NotEmpty(t, sent.Turn.ID)
	return sent
}

// pictureTurn sends text asking for a picture and follows the turn to its end: the turn
// completes whether or not the picture was made. It returns the events, the completion and the
// one `image` event.
func (c *chatter) pictureTurn(t *testing.T, text string) ([]sseEvent, completeEvent, pictureEvent) {
	t.Helper()
	sent := c.sendPicture(t, text)
	evs := c.follow(t, sent.Turn.ID, 0).rest()
	requireSequence(t, evs)
	done := completed(t, evs)
	pic := imageEvent(t, evs)
	require.Equal(t, done.MessageID, pic.MessageID, "the picture goes with the reply")
	turn := c.turn(t, sent.Turn.ID)
	require.Equal(t, "completed", turn.Status)
	require.Equal(t, done.MessageID, turn.ReplyID)
	require.Nil(t, turn.Error)
	return evs, done, pic
}

// imageEvent is the one `image` event of evs, which comes before the turn's last event.
func imageEvent(t *testing.T, evs []sseEvent) pictureEvent {
	t.Helper()
	images := ofType(evs, "image")
	require.Len(t, images, 1, "one image event")
	var pic pictureEvent
	images[0].decode(t, &pic)
	require.Less(t, images[0].ID, evs[len(evs)-1].ID, "the picture is told before the turn ends")
	return pic
}

// requireDrawn checks an `image` event that carries a picture, not a failure.
func requireDrawn(t *testing.T, pic pictureEvent) {
	t.Helper()
	require.Empty(t, pic.Error, "the picture was made: %+v", pic)
	require.Empty(t, pic.Code)
	require.NotEmpty(t, pic.ID)
	require.True(t, strings.HasPrefix(pic.URL, "/media/"), "a media URL: %q", pic.URL)
	require.Positive(t, pic.Width)
	require.Positive(t, pic.Height)
}

// imagingProgress is the percentages of the turn's `progress` events while its picture renders.
func imagingProgress(t *testing.T, evs []sseEvent) []int {
	t.Helper()
	var out []int
	for _, ev := range ofType(evs, "progress") {
		var p struct {
			Status   string `json:"status"`
			Progress int    `json:"progress"`
		}
		ev.decode(t, &p)
		if p.Status == "imaging" {
			out = append(out, p.Progress)
		}
	}
	return out
}

// stranger is another signed-in person on the same hub.
func stranger(t *testing.T, h *hub) *client {
	t.Helper()
	c := h.client(t)
	c.bearer = c.login(t, c.register(t).Username)
	return c
}

// requireOwnerOnly checks that url serves a picture to owner (returned decoded) and to nobody
// else: another person and an anonymous client get 404, as for a file that does not exist.
func requireOwnerOnly(t *testing.T, h *hub, owner *chatter, url string) image.Config {
	t.Helper()
	res := owner.do("GET", url, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "image/"), res.Header.Get("Content-Type"))
	cfg, _, err := image.DecodeConfig(bytes.NewReader(res.body))
	require.NoError(t, err, "a picture")
	require.Equal(t, http.StatusNotFound, stranger(t, h).do("GET", url, nil).StatusCode, "another person")
	require.Equal(t, http.StatusNotFound, h.client(t).do("GET", url, nil).StatusCode, "anonymous")
	return cfg
}

// gallery reads a page of the gallery; query is the URL's query ("" for none).
func (c *client) gallery(t *testing.T, query string) galleryPage {
	t.Helper()
	res := c.do("GET", "/api/v1/images"+query, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	var page galleryPage
	res.json(t, &page)
	return page
}

// message is the message id of the conversation, as the history shows it.
func (c *chatter) message(t *testing.T, id string) pictureMessage {
	t.Helper()
	res := c.do("GET", "/api/v1/companions/"+c.companion+"/messages?limit=50", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	var page struct {
		Items []pictureMessage `json:"items"`
	}
	res.json(t, &page)
	for _, m := range page.Items {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("message %s is not in the history: %s", id, res.body)
	return pictureMessage{}
}

// TestPicturesShowFlow is the first Show item, with the default configuration only (the
// offline image backend): a send with `"image": true` is followed through `imaging` progress to
// the `image` event; the picture is served to its owner only, is in the gallery and on the
// reply; deleting it leaves the reply saying its picture was removed.
func TestPicturesShowFlow(t *testing.T) {
	t.Parallel()
	forEachChatProfile(t, func(t *testing.T, env map[string]string) {
		h := startHub(t, with(env, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "0"))
		c := newChatter(t, h, "")
		evs, done, pic := c.pictureTurn(t, "Send me a picture of you tonight.")
		requireDrawn(t, pic)

		imaging := imagingProgress(t, evs)
		require.GreaterOrEqual(t, len(imaging), 2, "imaging progress, rising with the render's: %v", imaging)
		for i := 1; i < len(imaging); i++ {
			require.Greater(t, imaging[i], imaging[i-1], "imaging progress rises: %v", imaging)
		}
		require.Less(t, imaging[len(imaging)-1], 100, "the turn is done only when it completes: %v", imaging)

		decoded := requireOwnerOnly(t, h, c, pic.URL)
		require.Equal(t, pic.Width, decoded.Width, "the event's size is the picture's")
		require.Equal(t, pic.Height, decoded.Height)

		// The gallery: the picture, tied to the companion and the reply.
		page := c.gallery(t, "")
		require.Equal(t, 1, page.Total)
		require.Len(t, page.Items, 1)
		got := page.Items[0]
		require.Equal(t, pic.ID, got.ID)
		require.Equal(t, pic.URL, got.URL)
		require.NotNil(t, got.MessageID)
		require.Equal(t, done.MessageID, *got.MessageID)
		require.NotNil(t, got.CompanionID)
		require.Equal(t, c.companion, *got.CompanionID)
		require.Equal(t, "offline", got.Backend)
		require.Equal(t, pic.Width, got.Width)
		require.Equal(t, pic.Height, got.Height)
		require.True(t, strings.HasPrefix(got.Prompt, miraIdentity+", wearing navy cardigan, white blouse, "),
			"the companion's identity, then its outfit (the default one: the scene has not changed it): %q", got.Prompt)
		require.Equal(t, 1, c.gallery(t, "?companion_id="+c.companion).Total)
		thumb := requireOwnerOnly(t, h, c, got.ThumbnailURL)
		require.LessOrEqual(t, max(thumb.Width, thumb.Height), 384, "a small thumbnail")

		res := c.do("GET", "/api/v1/images/"+pic.ID, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		var one galleryPicture
		res.json(t, &one)
		require.Equal(t, got, one)

		// The reply names its picture.
		reply := c.message(t, done.MessageID)
		require.Equal(t, "assistant", reply.Role)
		require.Equal(t, pic.ID, reply.PictureID)
		require.NotNil(t, reply.Image)
		require.Equal(t, pic.URL, reply.Image.URL)
		require.False(t, reply.ImageRemoved)

		// Nobody else reaches it.
		other := stranger(t, h)
		for _, method := range []string{"GET", "DELETE"} {
			res := other.do(method, "/api/v1/images/"+pic.ID, nil)
			require.Equal(t, http.StatusNotFound, res.StatusCode, "%s by another person", method)
		}
		require.Zero(t, other.gallery(t, "").Total)

		// Deleted: its files go, and the reply says it had one.
		res = c.do("DELETE", "/api/v1/images/"+pic.ID, nil)
		require.Equal(t, http.StatusNoContent, res.StatusCode, "%s", res.body)
		require.Equal(t, http.StatusNotFound, c.do("DELETE", "/api/v1/images/"+pic.ID, nil).StatusCode)
		require.Equal(t, http.StatusNotFound, c.do("GET", "/api/v1/images/"+pic.ID, nil).StatusCode)
		require.Equal(t, http.StatusNotFound, c.do("GET", pic.URL, nil).StatusCode, "the file is gone")
		require.Equal(t, http.StatusNotFound, c.do("GET", got.ThumbnailURL, nil).StatusCode, "and its thumbnail")
		require.Zero(t, c.gallery(t, "").Total)
		reply = c.message(t, done.MessageID)
		require.True(t, reply.ImageRemoved, "the reply says its picture was removed")
		require.Nil(t, reply.Image)
		require.Empty(t, reply.PictureID)
		require.Equal(t, done.Text, reply.Text, "the reply keeps its text")
	})
}
