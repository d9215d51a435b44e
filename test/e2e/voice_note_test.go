package e2e

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/test/fakes/sttfake"
)

// sendVoiceNote posts a recording as a voice note, with form fields, and returns the response.
func (c *chatter) sendVoiceNote(t *testing.T, audio []byte, fields map[string]string, key string) *response {
	t.Helper()
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, err := mw.CreateFormFile("audio", "note.wav")
	require.NoError(t, err)
	_, _ = fw.Write(audio)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	require.NoError(t, mw.Close())
	opts := []reqOpt{header("Content-Type", mw.FormDataContentType())}
	if key != "" {
		opts = append(opts, header("Idempotency-Key", key))
	}
	return c.do("POST", "/api/v1/companions/"+c.companion+"/messages", form.Bytes(), opts...)
}

// TestVoiceNote: a voice note sent to a hub pointed at a fake transcription server by environment
// variables alone becomes a message whose text is the transcript, which keeps the recording to
// play, and gets a reply to that text; a retry under the same key is the same turn, heard once; a
// recording that is not audio is a 400 naming the problem, and nothing is heard.
func TestVoiceNote(t *testing.T) {
	t.Parallel()
	for _, p := range []profile{sqliteProfile, postgresRedisProfile} {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			const said = "Tell me about the rings of Saturn."
			key := unique("stt-key")
			stt := sttfake.New(t, sttfake.WithAPIKey(key), sttfake.WithTranscript(said))
			llm := openaifake.New(t, openaifake.WithReply("They are mostly ice."))
			env := withFake(t, p.env(t), llm, "")
			env = with(env, "COMPANIONHUB_STT_PROVIDER", "openai", "COMPANIONHUB_STT_BASE_URL", stt.URL(),
				"COMPANIONHUB_STT_API_KEY", key)
			h := startHub(t, env)
			h.secret(key)
			c := newChatter(t, h, "")
			rec := sttfake.SpeechWAV().Data

			res := c.sendVoiceNote(t, rec, map[string]string{"language": "en"}, "note-1")
			require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.body)
			var sent struct {
				Message struct {
					ID    string `json:"id"`
					Text  string `json:"text"`
					Audio *struct {
						URL string `json:"url"`
					} `json:"audio"`
				} `json:"message"`
				Turn chatTurn `json:"turn"`
			}
			res.json(t, &sent)
			require.Equal(t, said, sent.Message.Text, "the message says what was said")
			require.NotNil(t, sent.Message.Audio, "and keeps the recording")
			play := c.do("GET", sent.Message.Audio.URL, nil)
			require.Equal(t, http.StatusOK, play.StatusCode)
			require.Equal(t, "audio/wav", play.Header.Get("Content-Type"))
			require.Equal(t, rec, play.body)

			done := completed(t, c.follow(t, sent.Turn.ID, 0).rest())
			require.Equal(t, "They are mostly ice.", done.Text)
			asked := requireReplyAttempts(t, llm, 1)[0].Messages
			require.Contains(t, asked[len(asked)-1].Content, said, "the reply answers the transcript")
			require.Len(t, stt.Requests(), 1)
			require.Equal(t, "en", stt.Requests()[0].Language)

			again := c.sendVoiceNote(t, rec, map[string]string{"language": "en"}, "note-1")
			require.Equal(t, http.StatusAccepted, again.StatusCode, "%s", again.body)
			require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
			require.Len(t, stt.Requests(), 1, "a retry is not heard again")

			bad := c.sendVoiceNote(t, []byte("<html>not a recording</html>"), nil, "")
			require.Equal(t, http.StatusBadRequest, bad.StatusCode, "%s", bad.body)
			require.Contains(t, string(bad.body), `"field":"audio","code":"unsupported_type"`)
			require.Len(t, stt.Requests(), 1, "nothing was heard")
		})
	}
}
