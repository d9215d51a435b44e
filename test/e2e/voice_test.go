package e2e

import (
	"bytes"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/elevenlabsfake"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/test/fakes/speechfake"
)

// audioEvent is an `audio` event's data.
type audioEvent struct {
	MessageID   string `json:"message_id"`
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	DurationMs  int64  `json:"duration_ms"`
	Error       string `json:"error"`
	Code        string `json:"code"`
}

// spokenReply is what the fake model answers: a stage direction and an emoji, which no voice says.
const spokenReply = "*smiles softly* Hello there 😊 I missed you!"

// voiceTurn sends text asking for a spoken reply and returns the turn's events, its completion
// and its one `audio` event, which comes before the turn's end.
func (c *chatter) voiceTurn(t *testing.T, text string) ([]sseEvent, completeEvent, audioEvent) {
	t.Helper()
	res := c.do("POST", "/api/v1/companions/"+c.companion+"/messages", map[string]any{"text": text, "voice": true})
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.body)
	var sent sentMessage
	res.json(t, &sent)
	evs := c.follow(t, sent.Turn.ID, 0).rest()
	requireSequence(t, evs)
	done := completed(t, evs)
	audios := ofType(evs, "audio")
	require.Len(t, audios, 1, "one audio event")
	require.Less(t, audios[0].ID, evs[len(evs)-1].ID, "told before the turn ends")
	var a audioEvent
	audios[0].decode(t, &a)
	require.Equal(t, done.MessageID, a.MessageID, "the voice goes with the reply")
	require.Equal(t, "completed", c.turn(t, sent.Turn.ID).Status, "whatever the voice did")
	return evs, done, a
}

// requireAudioFile fetches a spoken reply's URL as its owner and checks it is audio of want's
// kind; a stranger and an anonymous visitor get nothing.
func requireAudioFile(t *testing.T, h *hub, owner *chatter, url, want string) {
	t.Helper()
	res := owner.do("GET", url, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	require.Equal(t, want, res.Header.Get("Content-Type"))
	require.Equal(t, "bytes", res.Header.Get("Accept-Ranges"), "players may seek")
	switch want {
	case "audio/wav":
		require.True(t, bytes.HasPrefix(res.body, []byte("RIFF")) && string(res.body[8:12]) == "WAVE", "a WAV file")
	case "audio/mpeg":
		require.True(t, bytes.HasPrefix(res.body, []byte("ID3")) || res.body[0] == 0xFF, "an MP3 file")
	}
	require.Equal(t, http.StatusNotFound, stranger(t, h).do("GET", url, nil).StatusCode, "another person")
	require.Equal(t, http.StatusNotFound, h.client(t).do("GET", url, nil).StatusCode, "anonymous")
}

// TestVoiceOffline: with the offline backends only (what `make run` has), a companion with a voice
// answers with an `audio` event whose URL plays a WAV, kept with the message.
func TestVoiceOffline(t *testing.T) {
	t.Parallel()
	h := startHub(t, map[string]string{"COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND": "0"}) // the defaults speak
	c := newChatter(t, h, "")
	_, done, a := c.voiceTurn(t, "Say something to me.")
	require.Empty(t, a.Error, "%+v", a)
	require.True(t, strings.HasPrefix(a.URL, "/media/aud/"), a.URL)
	require.Equal(t, "audio/wav", a.ContentType, "the event says what plays")
	require.Positive(t, a.DurationMs, "and for how long")
	requireAudioFile(t, h, c, a.URL, "audio/wav")
	res := c.do("GET", "/api/v1/companions/"+c.companion+"/messages?limit=10", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(res.body), `"url":"`+a.URL+`"`, "the message keeps its voice")
	require.Contains(t, string(res.body), done.MessageID)
}

// speechBackends start a fake speech server and say how the hub is pointed at it, the voice a
// companion has there, and what the server was asked to say.
var speechBackends = []struct {
	name  string
	start func(t *testing.T, key string) (env map[string]string, voice string, said func() []string)
}{
	{"openai", func(t *testing.T, key string) (map[string]string, string, func() []string) {
		fake := speechfake.New(t, speechfake.WithAPIKey(key))
		return map[string]string{"COMPANIONHUB_TTS_PROVIDER": "openai", "COMPANIONHUB_TTS_BASE_URL": fake.URL(),
				"COMPANIONHUB_TTS_API_KEY": key}, "nova", func() []string {
				var out []string
				for _, r := range fake.Requests() {
					out = append(out, r.Input)
				}
				return out
			}
	}},
	{"elevenlabs", func(t *testing.T, key string) (map[string]string, string, func() []string) {
		fake := elevenlabsfake.New(t, elevenlabsfake.WithAPIKey(key))
		return map[string]string{"COMPANIONHUB_TTS_PROVIDER": "elevenlabs", "COMPANIONHUB_TTS_BASE_URL": fake.URL(),
				"COMPANIONHUB_TTS_API_KEY": key}, elevenlabsfake.VoiceSarah, func() []string {
				var out []string
				for _, r := range fake.Requests() {
					out = append(out, r.Text)
				}
				return out
			}
	}},
}

// TestVoiceFromConfiguredBackends: pointed at a fake ElevenLabs or OpenAI speech server by
// environment variables alone, a spoken reply reaches it without its stage direction or emoji,
// in the companion's voice, and comes back as playable audio; the API key appears in no log.
func TestVoiceFromConfiguredBackends(t *testing.T) {
	t.Parallel()
	for _, b := range speechBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			key := unique("tts-key")
			env, voiceID, said := b.start(t, key)
			llm := openaifake.New(t, openaifake.WithReply(spokenReply))
			hubEnv := withFake(t, map[string]string{}, llm, "")
			maps.Copy(hubEnv, env)
			h := startHub(t, hubEnv)
			h.secret(key)
			c := newChatter(t, h, companionDoc(t, map[string]any{"system_prompt": "",
				"voice": map[string]any{"provider": b.name, "voice_id": voiceID, "enabled": true}}))
			_, _, a := c.voiceTurn(t, "Tell me you missed me.")
			require.Empty(t, a.Error, "%+v", a)
			require.Equal(t, "audio/mpeg", a.ContentType)
			require.Positive(t, a.DurationMs, "MP3 frames counted")
			requireAudioFile(t, h, c, a.URL, "audio/mpeg")
			require.Equal(t, []string{"Hello there I missed you!"}, said(), "no stage direction, no emoji")

			res := c.do("GET", "/api/v1/voices", nil)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
			res = c.do("POST", "/api/v1/voices/"+voiceID+"/preview", nil)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
			require.Equal(t, "audio/mpeg", res.Header.Get("Content-Type"))
			require.Len(t, said(), 2, "the preview was spoken too")

			// A voice the backend lists is checked when a companion is given one.
			res = c.do("POST", "/api/v1/companions", companionDoc(t, map[string]any{
				"voice": map[string]any{"provider": b.name, "voice_id": "no-such-voice", "enabled": true}}))
			if b.name == "elevenlabs" {
				require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", res.body)
				require.Contains(t, string(res.body), `"field":"voice.voice_id","code":"unknown"`)
			} else {
				require.Equal(t, http.StatusCreated, res.StatusCode, "a backend that names no voices takes any: %s", res.body)
			}
		})
	}
}

// TestVoiceBackendDown: a speech server that fails — out of quota, or answering 500 — never costs
// the reply: it is saved, the turn completes, and the `audio` event says the voice failed in words
// for people, with no backend text.
func TestVoiceBackendDown(t *testing.T) {
	t.Parallel()
	for name, b := range map[string]speechfake.Behaviour{"quota exceeded": speechfake.QuotaExceeded(), "500": speechfake.Error(500)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			key := unique("tts-key")
			fake := speechfake.New(t, speechfake.WithAPIKey(key), speechfake.WithBehaviour(b), speechfake.WithErrorMessage("fake provider detail"))
			h := startHub(t, map[string]string{"COMPANIONHUB_TTS_PROVIDER": "openai", "COMPANIONHUB_TTS_BASE_URL": fake.URL(),
				"COMPANIONHUB_TTS_API_KEY": key, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND": "0", "COMPANIONHUB_TURN_BACKOFF_SCALE": "0.01"})
			h.secret(key)
			c := newChatter(t, h, companionDoc(t, map[string]any{"system_prompt": "",
				"voice": map[string]any{"provider": "openai", "voice_id": "nova", "enabled": true}}))
			evs, done, a := c.voiceTurn(t, "Say it out loud.")
			require.NotEmpty(t, a.Error, "the voice failed: %+v", a)
			require.Empty(t, a.URL)
			for _, leak := range []string{"fake provider detail", key, fake.URL()} {
				for _, e := range evs {
					require.NotContains(t, string(e.Data), leak)
				}
			}
			require.NotEmpty(t, done.Text, "the reply was saved")
			require.NotEmpty(t, fake.Requests(), "the backend was asked")
		})
	}
}
