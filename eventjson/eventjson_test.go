package eventjson_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/eventjson"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture holds the ids and keys the events of one test speak of.
type fixture struct {
	msg      domain.ID
	img, aud media.Key
}

func newFixture() fixture {
	return fixture{msg: domain.NewID(now), img: media.NewKey(media.PNG), aud: media.NewKey(media.MP3)}
}

func TestEncodeWritesTheAPIsJSON(t *testing.T) {
	t.Parallel()
	f := newFixture()
	id := f.msg.String()
	scene := companion.Scene{Outfit: []string{"red sweater", "jeans"}, Location: "living room", Action: "reading", Mood: companion.MoodHappy}
	cases := []struct {
		name string
		p    chat.Payload
		want string // the exact bytes: clients and the stored stream depend on them
	}{
		{"token", chat.Token{Text: "Hello, you"}, `{"text":"Hello, you"}`},
		{"empty token keeps its text", chat.Token{}, `{"text":""}`},
		{"progress", chat.Progress{Status: chat.StatusImaging, Percent: 70}, `{"status":"imaging","progress":70}`},
		{"progress at zero keeps its percentage", chat.Progress{Status: chat.StatusQueued}, `{"status":"queued","progress":0}`},
		{"reset", chat.Reset{Attempt: 2}, `{"attempt":2}`},
		{"state", chat.StateChange{MessageID: f.msg, Scene: scene},
			`{"message_id":"` + id + `","scene":{"outfit":["red sweater","jeans"],"location":"living room","action":"reading","mood":"happy","user_present":false}}`},
		{"state with the person there", chat.StateChange{MessageID: f.msg, Scene: companion.Scene{Outfit: []string{"coat"}, Location: "park", Action: "waving", Mood: companion.MoodExcited, UserPresent: true}},
			`{"message_id":"` + id + `","scene":{"outfit":["coat"],"location":"park","action":"waving","mood":"excited","user_present":true}}`},
		{"state with no outfit has an empty list, not null", chat.StateChange{MessageID: f.msg, Scene: companion.Scene{Location: "park", Mood: companion.MoodNeutral}},
			`{"message_id":"` + id + `","scene":{"outfit":[],"location":"park","action":"","mood":"neutral","user_present":false}}`},
		{"picture", chat.Picture{MessageID: f.msg, Image: media.Image{Key: f.img, ContentType: media.PNG, Bytes: 1234, Width: 512, Height: 768}},
			`{"message_id":"` + id + `","url":"/media/` + f.img.String() + `","width":512,"height":768}`},
		{"picture with its gallery entry", chat.Picture{MessageID: f.msg, PictureID: f.msg, Image: media.Image{Key: f.img, Width: 512, Height: 768}},
			`{"message_id":"` + id + `","id":"` + id + `","url":"/media/` + f.img.String() + `","width":512,"height":768}`},
		// The failure wins over an image: a client must not be shown a picture the step gave up on.
		{"picture failure", chat.Picture{MessageID: f.msg, Image: media.Image{Key: f.img, Width: 512, Height: 768},
			Failure: &chat.Failure{Code: "image_failed", Message: "The picture could not be made."}},
			`{"message_id":"` + id + `","error":"The picture could not be made.","code":"image_failed"}`},
		{"voice", chat.Voice{MessageID: f.msg, Audio: f.aud},
			`{"message_id":"` + id + `","url":"/media/` + f.aud.String() + `"}`},
		{"voice with its type and length", chat.Voice{MessageID: f.msg, Audio: f.aud, ContentType: media.MP3, Duration: 2345 * time.Millisecond},
			`{"message_id":"` + id + `","url":"/media/` + f.aud.String() + `","content_type":"audio/mpeg","duration_ms":2345}`},
		{"voice failure", chat.Voice{MessageID: f.msg, Audio: f.aud, Failure: &chat.Failure{Code: "voice_failed", Message: "No voice today."}},
			`{"message_id":"` + id + `","error":"No voice today.","code":"voice_failed"}`},
		{"complete", chat.Completion{MessageID: f.msg, Text: "Hello, you"},
			`{"message_id":"` + id + `","text":"Hello, you"}`},
		{"complete with the text omitted", chat.Completion{MessageID: f.msg, TextOmitted: true},
			`{"message_id":"` + id + `","text":"","text_omitted":true}`},
		{"error", chat.Failure{Code: "turn_failed", Message: "The reply could not be written."},
			`{"code":"turn_failed","message":"The reply could not be written."}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := eventjson.Encode(tc.p)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}

func TestEncodeMediaURLsHaveTheirKindsPrefix(t *testing.T) {
	t.Parallel()
	// The media route serves img/ and aud/ keys; a URL of the wrong kind would 404.
	f := newFixture()
	for _, p := range []chat.Payload{chat.Picture{MessageID: f.msg, Image: media.Image{Key: f.img}}, chat.Voice{MessageID: f.msg, Audio: f.aud}} {
		b, err := eventjson.Encode(p)
		require.NoError(t, err)
		var v struct{ URL string }
		require.NoError(t, json.Unmarshal(b, &v))
		want := map[chat.EventType]string{chat.EventImage: "/media/img/", chat.EventAudio: "/media/aud/"}[p.EventType()]
		assert.True(t, strings.HasPrefix(v.URL, want), "%s url %q", p.EventType(), v.URL)
	}
}

// other is a payload Encode was not taught.
type other struct{}

func (other) EventType() chat.EventType { return "other" }

func TestEncodeRefusesAnUnknownPayload(t *testing.T) {
	t.Parallel()
	for _, p := range []chat.Payload{other{}, nil, &chat.Token{Text: "pointer"}} {
		b, err := eventjson.Encode(p)
		require.Error(t, err, "%T", p)
		// Internal: a payload nobody can encode is the program's fault, never the client's.
		assert.Equal(t, domain.KindInternal, domain.KindOf(err), "%T", p)
		assert.Nil(t, b)
	}
}

func TestDecodeRoundTrips(t *testing.T) {
	t.Parallel()
	f := newFixture()
	scene := companion.Scene{Outfit: []string{"black dress"}, Location: "restaurant", Action: "sipping wine", Mood: companion.MoodFlirty}
	oops := &chat.Failure{Code: "image_failed", Message: "The picture could not be made."}
	cases := []struct {
		name string
		p    chat.Payload
		want chat.Payload // what comes back, when it is not p
	}{
		{"token", chat.Token{Text: "Hi <3 \"you\"\n\x01é"}, nil},
		// JSON carries only Unicode: a byte that is not UTF-8 comes back as U+FFFD.
		{"token with invalid UTF-8", chat.Token{Text: "a\xffb"}, chat.Token{Text: "a\uFFFDb"}},
		{"progress", chat.Progress{Status: chat.StatusSpeaking, Percent: 90}, nil},
		{"reset", chat.Reset{Attempt: 3}, nil},
		{"state", chat.StateChange{MessageID: f.msg, Scene: scene}, nil},
		{"state with the person there", chat.StateChange{MessageID: f.msg, Scene: companion.Scene{Outfit: []string{"coat"},
			Location: "park", Action: "waving", Mood: companion.MoodExcited, UserPresent: true}}, nil},
		// On the wire no outfit is [], which reads back as an empty, non-nil list.
		{"state without outfit", chat.StateChange{MessageID: f.msg, Scene: companion.Scene{Mood: companion.MoodNeutral}},
			chat.StateChange{MessageID: f.msg, Scene: companion.Scene{Outfit: []string{}, Mood: companion.MoodNeutral}}},
		{"state without mood", chat.StateChange{MessageID: f.msg, Scene: companion.Scene{Outfit: []string{"coat"}}}, nil},
		// URLs are not turned back into keys (documented): the picture keeps its size only.
		{"picture", chat.Picture{MessageID: f.msg, Image: media.Image{Key: f.img, ContentType: media.PNG, Bytes: 99, Width: 640, Height: 480}},
			chat.Picture{MessageID: f.msg, Image: media.Image{Width: 640, Height: 480}}},
		{"picture with its gallery entry", chat.Picture{MessageID: f.msg, PictureID: f.msg, Image: media.Image{Key: f.img, Width: 640, Height: 480}},
			chat.Picture{MessageID: f.msg, PictureID: f.msg, Image: media.Image{Width: 640, Height: 480}}},
		{"picture failure", chat.Picture{MessageID: f.msg, Failure: oops}, nil},
		{"voice", chat.Voice{MessageID: f.msg, Audio: f.aud}, chat.Voice{MessageID: f.msg}},
		{"voice failure", chat.Voice{MessageID: f.msg, Failure: &chat.Failure{Code: "voice_failed", Message: "No voice."}}, nil},
		// Either half of a failure says the step gave up: neither may be dropped.
		{"picture failure with a code only", chat.Picture{MessageID: f.msg, Failure: &chat.Failure{Code: "image_failed"}}, nil},
		{"voice failure with a message only", chat.Voice{MessageID: f.msg, Failure: &chat.Failure{Message: "No voice."}}, nil},
		{"complete", chat.Completion{MessageID: f.msg, Text: "Hello"}, nil},
		{"complete with the text omitted", chat.Completion{MessageID: f.msg, TextOmitted: true}, nil},
		{"error", chat.Failure{Code: "cancelled", Message: "You stopped the reply."}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := tc.want
			if want == nil {
				want = tc.p
			}
			b, err := eventjson.Encode(tc.p)
			require.NoError(t, err)
			got, err := eventjson.Decode(tc.p.EventType(), b)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			// What comes back encodes to the same bytes, URLs aside: a relay that decodes and
			// re-encodes changes nothing else.
			if tc.want == nil {
				again, err := eventjson.Encode(got)
				require.NoError(t, err)
				assert.Equal(t, string(b), string(again))
			}
		})
	}
}

func TestDecodeStateWithoutPresence(t *testing.T) {
	t.Parallel()
	// Events stored before the scene said whether the person is there read as talking by message.
	got, err := eventjson.Decode(chat.EventState, []byte(`{"message_id":"","scene":{"outfit":["coat"],"location":"park","action":"","mood":"happy"}}`))
	require.NoError(t, err)
	assert.Equal(t, chat.StateChange{Scene: companion.Scene{Outfit: []string{"coat"}, Location: "park", Mood: companion.MoodHappy}}, got)
}

func TestDecodeRefusesBadData(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		t    chat.EventType
		data string
	}{
		{"token not JSON", chat.EventToken, `{"text":`},
		{"token text not a string", chat.EventToken, `{"text":1}`},
		{"token empty data", chat.EventToken, ``},
		{"progress unknown status", chat.EventProgress, `{"status":"dreaming","progress":10}`},
		{"progress without status", chat.EventProgress, `{"progress":10}`},
		{"progress percentage not a number", chat.EventProgress, `{"status":"queued","progress":"10"}`},
		{"reset attempt not a number", chat.EventReset, `{"attempt":"2"}`},
		{"state not an object", chat.EventState, `[]`},
		{"state bad message id", chat.EventState, `{"message_id":"42","scene":{"outfit":[],"mood":"happy"}}`},
		{"state unknown mood", chat.EventState, `{"message_id":"","scene":{"outfit":[],"mood":"grumpy"}}`},
		{"state presence not a bool", chat.EventState, `{"message_id":"","scene":{"outfit":[],"mood":"happy","user_present":"yes"}}`},
		{"image bad message id", chat.EventImage, `{"message_id":"not-an-id","url":"/media/img/x.png"}`},
		{"image width not a number", chat.EventImage, `{"width":"wide"}`},
		{"audio not JSON", chat.EventAudio, `nope`},
		{"complete bad message id", chat.EventComplete, `{"message_id":"x","text":"hi"}`},
		{"complete flag not a bool", chat.EventComplete, `{"text":"hi","text_omitted":"yes"}`},
		{"error not an object", chat.EventError, `"boom"`},
		{"unknown event type", "whisper", `{"text":"hi"}`},
		{"empty event type", "", `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := eventjson.Decode(tc.t, []byte(tc.data))
			require.Error(t, err)
			// Invalid, whatever the cause inside: the data did not come from Encode.
			assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
			assert.Nil(t, p)
		})
	}
}

func TestMediaURL(t *testing.T) {
	t.Parallel()
	for _, ct := range []media.ContentType{media.JPEG, media.PNG, media.WebP, media.MP3, media.WAV, media.OGG} {
		k := media.NewKey(ct)
		u := eventjson.MediaURL(k)
		assert.Equal(t, "/media/"+k.String(), u)
		// The media route takes the rest of the path as the key: it must parse back.
		back, err := media.ParseKey(strings.TrimPrefix(u, "/media/"))
		require.NoError(t, err, ct.String())
		assert.Equal(t, k, back)
	}
}

func TestSceneOf(t *testing.T) {
	t.Parallel()
	got := eventjson.SceneOf(companion.Scene{Outfit: []string{"coat", "boots"}, Location: "street", Action: "walking", Mood: companion.MoodWorried})
	assert.Equal(t, eventjson.Scene{Outfit: []string{"coat", "boots"}, Location: "street", Action: "walking", Mood: "worried"}, got)
	got = eventjson.SceneOf(companion.Scene{Outfit: []string{"coat"}, Location: "street", Action: "walking", Mood: companion.MoodWorried, UserPresent: true})
	assert.Equal(t, eventjson.Scene{Outfit: []string{"coat"}, Location: "street", Action: "walking", Mood: "worried", UserPresent: true}, got)

	zero := eventjson.SceneOf(companion.Scene{})
	require.NotNil(t, zero.Outfit, "a client iterates the outfit: it must be a list")
	assert.Empty(t, zero.Outfit)
	assert.Equal(t, "", zero.Mood)
	b, err := json.Marshal(zero)
	require.NoError(t, err)
	assert.JSONEq(t, `{"outfit":[],"location":"","action":"","mood":"","user_present":false}`, string(b), "presence is always there")
}

func TestTokenTextLimit(t *testing.T) {
	t.Parallel()
	const maxData = 6000 // stream.MaxData
	limit := eventjson.TokenTextLimit(maxData)
	require.Positive(t, limit)

	// Every byte that encoding/json expands most: six bytes of output for one of input.
	for _, worst := range []string{"\x01", "\x1f", "<", ">", "&", "\xff"} {
		b, err := eventjson.Encode(chat.Token{Text: strings.Repeat(worst, limit)})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(b), maxData, "%q × %d", worst, limit)
	}

	// The limit is as large as the worst case allows: one more control character would not fit,
	// so the batcher sends no more events than it must.
	b, err := eventjson.Encode(chat.Token{Text: strings.Repeat("\x01", limit+1)})
	require.NoError(t, err)
	assert.Greater(t, len(b), maxData)
}

func TestTokenTextLimitIsTightForEverySize(t *testing.T) {
	t.Parallel()
	// Whatever MaxData becomes, the limit fits the worst case and one byte more does not: the
	// arithmetic is right for every remainder, not only for 6000.
	for maxData := len(`{"text":""}`); maxData <= 200; maxData++ {
		limit := eventjson.TokenTextLimit(maxData)
		fits, err := eventjson.Encode(chat.Token{Text: strings.Repeat("\x01", limit)})
		require.NoError(t, err)
		over, err := eventjson.Encode(chat.Token{Text: strings.Repeat("\x01", limit+1)})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(fits), maxData, "maxData %d: limit %d", maxData, limit)
		assert.Greater(t, len(over), maxData, "maxData %d: limit %d is needlessly small", maxData, limit)
	}
}

func TestTokenTextLimitHoldsForAnyText(t *testing.T) {
	t.Parallel()
	// Random bytes mix every escape (invalid UTF-8, controls, quotes, U+2028) with plain text; no
	// mix may expand by more than the worst single byte does.
	r := rand.New(rand.NewPCG(1, 2))
	for _, maxData := range []int{64, 1000, 6000} {
		limit := eventjson.TokenTextLimit(maxData)
		for range 200 {
			text := make([]byte, limit)
			for i := range text {
				text[i] = byte(r.IntN(256))
			}
			if r.IntN(4) == 0 { // line and paragraph separators: three bytes escaped as six
				text = []byte(strings.Repeat("\u2028", limit/3))
			}
			b, err := eventjson.Encode(chat.Token{Text: string(text)})
			require.NoError(t, err)
			require.LessOrEqual(t, len(b), maxData, "text %q", text)
		}
	}
}

// A failure without words still reads as a failure, never as a success without a URL.
func TestAnEmptyFailureIsStillAFailure(t *testing.T) {
	t.Parallel()
	id := domain.NewID(time.Now())
	for _, p := range []chat.Payload{chat.Picture{MessageID: id, Failure: &chat.Failure{}},
		chat.Voice{MessageID: id, Failure: &chat.Failure{}}} {
		b, err := eventjson.Encode(p)
		require.NoError(t, err)
		require.JSONEq(t, `{"message_id":"`+id.String()+`","error":"it could not be made","code":"failed"}`, string(b))
	}
	_, err := eventjson.Decode(chat.EventProgress, []byte(`{"status":"completed","progress":500}`))
	require.Equal(t, domain.KindInvalid, domain.KindOf(err), "an end is not progress")
}
