package openaistt_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaistt"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/fakes/sttfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

// TestRequest: the multipart form as the server receives it — the bearer key, the model,
// verbose_json, the language hint when there is one, and the file under a name whose extension
// says its format, read from the bytes first.
func TestRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		rec      voice.Recording
		file     string
		fileType string
	}{
		{"WAV", sttfake.SpeechWAV(), "recording.wav", "audio/wav"},
		{"MP3", voice.Recording{Data: sttfake.Sample("mp3", 500), ContentType: media.MP3}, "recording.mp3", "audio/mpeg"},
		{"Ogg", voice.Recording{Data: sttfake.Sample("ogg", 500), ContentType: media.OGG, Language: "fr"}, "recording.ogg", "audio/ogg"},
		{"WebM from a browser", voice.Recording{Data: sttfake.Sample("webm", 500)}, "recording.webm", "audio/webm"},
		{"M4A from a phone", voice.Recording{Data: sttfake.Sample("mp4", 500), Language: "DE "}, "recording.m4a", "audio/mp4"},
		{"mislabelled", voice.Recording{Data: sttfake.Sample("ogg", 500), ContentType: media.MP3}, "recording.ogg", "audio/ogg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := sttfake.New(t, sttfake.WithAPIKey(testKey))
			got, err := newTranscriber(t, fake).Transcribe(t.Context(), tc.rec)
			require.NoError(t, err)
			assert.Equal(t, sttfake.DefaultTranscript(tc.rec.Data), got.Text)
			require.Len(t, fake.Requests(), 1)
			r := fake.Requests()[0]
			assert.Equal(t, "/v1/audio/transcriptions", r.Path)
			assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
			assert.Equal(t, tc.file, r.FileName)
			assert.Equal(t, tc.fileType, r.FileType)
			assert.Equal(t, tc.rec.Data, r.File)
			assert.Equal(t, openaistt.DefaultModel, r.Model)
			require.NotNil(t, r.ResponseFormat)
			assert.Equal(t, "verbose_json", *r.ResponseFormat)
			wantLang := map[string]string{"Ogg": "fr", "M4A from a phone": "de"}[tc.name]
			assert.Equal(t, wantLang, r.Language)
			_, sent := r.Fields["language"]
			assert.Equal(t, wantLang != "", sent, "language is sent only as a hint that was given")
			if wantLang == "" {
				wantLang = "en" // the fake hears English unless told
			}
			assert.Equal(t, wantLang, got.Language, "the hinted language, or the one detected")
		})
	}
}

// TestVerboseDetails: verbose_json gives the language heard, as an ISO code, and the duration.
func TestVerboseDetails(t *testing.T) {
	t.Parallel()
	fake := sttfake.New(t, sttfake.WithTranscript("Bonjour tout le monde."))
	rec := sttfake.SpeechWAV()
	rec.Language = "fr"
	got, err := newTranscriber(t, fake).Transcribe(t.Context(), rec)
	require.NoError(t, err)
	assert.Equal(t, voice.Transcript{Text: "Bonjour tout le monde.", Language: "fr", Duration: time.Second}, got)
}

// TestPlainJSONServer: a server that answers plain json to verbose_json gives the text alone.
func TestPlainJSONServer(t *testing.T) {
	t.Parallel()
	fake := sttfake.New(t, sttfake.WithBehaviour(sttfake.PlainJSON()), sttfake.WithTranscript("Hi."))
	got, err := newTranscriber(t, fake).Transcribe(t.Context(), sttfake.SpeechWAV())
	require.NoError(t, err)
	assert.Equal(t, voice.Transcript{Text: "Hi."}, got)
}

// TestVerboseRefused: a model that refuses verbose_json is asked again for json, and for json
// only from then on.
func TestVerboseRefused(t *testing.T) {
	t.Parallel()
	fake := sttfake.New(t, sttfake.WithTranscript("Hi."))
	tr := newTranscriber(t, fake, func(c *openaistt.Config) { c.Model = sttfake.GPT4oTranscribe })
	for range 2 {
		got, err := tr.Transcribe(t.Context(), sttfake.SpeechWAV())
		require.NoError(t, err)
		assert.Equal(t, "Hi.", got.Text)
	}
	var formats []string
	for _, r := range fake.Requests() {
		formats = append(formats, *r.ResponseFormat)
	}
	assert.Equal(t, []string{"verbose_json", "json", "json"}, formats)
}

// TestLanguageNames: Whisper's names become ISO 639-1 codes.
func TestLanguageNames(t *testing.T) {
	t.Parallel()
	for name, code := range map[string]string{"english": "en", "French": "fr", "de": "de", "": "", "klingon": "", "cantonese": "yue"} {
		assert.Equal(t, code, openaistt.LanguageCode(name), name)
	}
}
