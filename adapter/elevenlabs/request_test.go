package elevenlabs_test

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/elevenlabs"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/fakes/elevenlabsfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

// TestRequestAsRecorded: the path's voice, the key header, the body's fields, the format.
func TestRequestAsRecorded(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	a, err := newSynthesizer(t, fake).Synthesize(t.Context(), voice.Request{Text: "Zoë says hi 😊", VoiceID: elevenlabsfake.VoiceLily})
	require.NoError(t, err)
	require.Len(t, fake.Requests(), 1)
	r := fake.Requests()[0]
	assert.Equal(t, "/v1/text-to-speech/"+elevenlabsfake.VoiceLily, r.Path)
	assert.Equal(t, "mp3_44100_128", r.OutputFormat)
	assert.Equal(t, testKey, r.Header.Get("xi-api-key"))
	assert.Empty(t, r.Header.Get("Authorization"))
	assert.Equal(t, "Zoë says hi 😊", r.Text)
	assert.Equal(t, elevenlabs.DefaultModel, r.ModelID)
	assert.JSONEq(t, `{"text":"Zoë says hi 😊","model_id":"eleven_multilingual_v2","voice_settings":
		{"stability":0.5,"similarity_boost":0.75,"style":0,"use_speaker_boost":true,"speed":1}}`, string(r.Body))
	assert.Equal(t, media.MP3, a.ContentType)
	want := elevenlabsfake.SpokenLength(r.Text, 1)
	assert.InDelta(t, want.Seconds(), a.Duration.Seconds(), 0.03, "the frames' duration")

	_, err = newSynthesizer(t, fake).Synthesize(t.Context(), voice.Request{Text: "Hi.", VoiceID: elevenlabsfake.VoiceLily, Model: "eleven_v3"})
	require.NoError(t, err)
	assert.Equal(t, "eleven_v3", fake.Requests()[1].ModelID, "the request's model wins")
}

// TestFormats: WAV is PCM wrapped here, with an exact duration; OGG is answered as MP3.
func TestFormats(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	syn := newSynthesizer(t, fake)
	req := voice.Request{Text: "A cup of cocoa.", VoiceID: elevenlabsfake.VoiceSarah, Format: media.WAV}
	a, err := syn.Synthesize(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "pcm_24000", fake.Requests()[0].OutputFormat)
	assert.Equal(t, media.WAV, a.ContentType)
	require.NoError(t, voice.CheckAudio(a))
	assert.Equal(t, uint32(24000), binary.LittleEndian.Uint32(a.Data[24:]))
	assert.Equal(t, uint32(len(a.Data)-44), binary.LittleEndian.Uint32(a.Data[40:]))
	assert.Equal(t, time.Duration(len(a.Data)-44)/2*time.Second/24000, a.Duration)
	assert.InDelta(t, elevenlabsfake.SpokenLength(req.Text, 1).Seconds(), a.Duration.Seconds(), 0.001)

	req.Format = media.OGG
	a, err = syn.Synthesize(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "mp3_44100_128", fake.Requests()[1].OutputFormat)
	assert.Equal(t, media.MP3, a.ContentType, "the port lets a backend say what it made")
}

// TestLongerTextLongerAudio: the frames counted grow with the text.
func TestLongerTextLongerAudio(t *testing.T) {
	t.Parallel()
	syn := newSynthesizer(t, newFake(t))
	short, err := syn.Synthesize(t.Context(), voice.Request{Text: "Hi.", VoiceID: elevenlabsfake.VoiceGeorge})
	require.NoError(t, err)
	long, err := syn.Synthesize(t.Context(), voice.Request{Text: strings.Repeat("Hello there. ", 40), VoiceID: elevenlabsfake.VoiceGeorge})
	require.NoError(t, err)
	assert.Greater(t, long.Duration, 10*short.Duration)
}

func TestMP3Duration(t *testing.T) {
	t.Parallel()
	data, ok := elevenlabsfake.Render("mp3_44100_64", 2*time.Second)
	require.True(t, ok)
	frames := (2*44100 + 1151) / 1152
	assert.Equal(t, time.Duration(frames*1152)*time.Second/44100, elevenlabs.MP3Duration(data))
	tagged := append([]byte{'I', 'D', '3', 4, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5}, data...)
	assert.Equal(t, elevenlabs.MP3Duration(data), elevenlabs.MP3Duration(tagged), "an ID3v2 tag is skipped")
	assert.Zero(t, elevenlabs.MP3Duration([]byte("not audio at all")))
	assert.Less(t, elevenlabs.MP3Duration(data[:len(data)-10]), elevenlabs.MP3Duration(data), "a cut frame is not counted")
}
