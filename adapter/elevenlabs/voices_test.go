package elevenlabs_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/elevenlabs"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/fakes/elevenlabsfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

func TestVoicesAndCache(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	syn := newSynthesizer(t, fake)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	elevenlabs.SetClock(syn, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	vs, err := syn.Account(t.Context())
	require.NoError(t, err)
	require.Len(t, vs, len(elevenlabsfake.DefaultVoices))
	assert.Equal(t, elevenlabs.Voice{ID: elevenlabsfake.VoiceGeorge, Name: "George", Category: "premade", Gender: "male",
		Accent: "british", Age: "middle_aged", Description: "warm",
		PreviewURL: elevenlabsfake.DefaultVoices[1].PreviewURL}, vs[1])
	require.Len(t, fake.VoiceRequests(), 1)
	assert.Equal(t, testKey, fake.VoiceRequests()[0].Header.Get("xi-api-key"))

	picked, err := syn.Voices(t.Context())
	require.NoError(t, err)
	assert.Equal(t, voice.Voice{ID: elevenlabsfake.VoiceGeorge, Name: "George", Gender: "male", Accent: "british",
		Description: "warm"}, picked[1], "as a person picks it")

	vs[0].Name = "changed by the caller"
	advance(9 * time.Minute)
	again, err := syn.Account(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "Sarah", again[0].Name, "callers get copies")
	assert.Len(t, fake.VoiceRequests(), 1, "served from the cache")

	advance(2 * time.Minute)
	fake.ScriptVoices(elevenlabsfake.Error(http.StatusInternalServerError))
	_, err = syn.Account(t.Context())
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	_, err = syn.Account(t.Context())
	require.NoError(t, err, "a failure is not cached")
	assert.Len(t, fake.VoiceRequests(), 3)
}

func TestVoicesErrors(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.ScriptVoices(elevenlabsfake.RateLimited("2"), elevenlabsfake.WrongContentType())
	syn := newSynthesizer(t, fake, func(c *elevenlabs.Config) { c.VoicesTTL = 0 })
	_, err := syn.Account(t.Context())
	assert.Equal(t, 2*time.Second, domain.AsError(err).RetryAfter)
	_, err = syn.Account(t.Context())
	assert.Equal(t, "speech_bad_response", domain.AsError(err).Reason)
	bad := newSynthesizer(t, fake, func(c *elevenlabs.Config) { c.APIKey = "wrong-key" })
	_, err = bad.Account(t.Context())
	assert.Equal(t, "speech_auth", domain.AsError(err).Reason)
	assert.NotContains(t, err.Error(), "wrong-key")
}
