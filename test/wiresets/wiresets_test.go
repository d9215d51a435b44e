package wiresets

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/argon2id"
	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/adapter/elevenlabs"
	"github.com/companionhub/companionhub/adapter/hashembed"
	"github.com/companionhub/companionhub/adapter/hibp"
	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/adapter/ntfy"
	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/adapter/openai"
	"github.com/companionhub/companionhub/adapter/openaispeech"
	"github.com/companionhub/companionhub/adapter/openaistt"
	"github.com/companionhub/companionhub/adapter/placeholder"
	"github.com/companionhub/companionhub/adapter/tones"
	"github.com/companionhub/companionhub/adapter/webhook"
	"github.com/companionhub/companionhub/usecase"
)

// TestEverySetBuildsItsAdapter: each injector gives the adapter its set names, bound to the port.
// (The PostgreSQL and Redis sets only wrap a connection; their injectors compile, which is what
// Wire checks, and their adapters are built by their own packages' tests.)
func TestEverySetBuildsItsAdapter(t *testing.T) {
	t.Parallel()
	assert.IsType(t, &offline.Model{}, offlineModel(offline.DefaultConfig()))
	m, err := openaiModel(openai.Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", Timeout: 1}, http.DefaultClient)
	require.NoError(t, err)
	assert.IsType(t, &openai.Client{}, m)
	assert.IsType(t, &placeholder.Generator{}, placeholderPictures())
	assert.IsType(t, &tones.Synthesizer{}, tonesSpeech())
	// A local server of each remote speech API (no key needed); espeak's injector compiles (its
	// adapter runs the program, which its own tests need).
	sc := openaispeech.DefaultConfig()
	sc.BaseURL = "http://127.0.0.1:1/v1"
	speech, err := openaiSpeech(sc, http.DefaultClient)
	require.NoError(t, err)
	assert.IsType(t, &openaispeech.Synthesizer{}, speech)
	ec := elevenlabs.DefaultConfig()
	ec.BaseURL, ec.APIKey = "http://127.0.0.1:1", "key"
	eleven, err := elevenlabsSpeech(ec, http.DefaultClient)
	require.NoError(t, err)
	assert.IsType(t, &elevenlabs.Synthesizer{}, eleven)
	wc := webhook.DefaultConfig()
	wc.URL, wc.Secret = "http://127.0.0.1:1/hook", "a-secret-of-sixteen-bytes"
	hook, err := webhookNotifier(wc, http.DefaultClient)
	require.NoError(t, err)
	assert.IsType(t, &webhook.Notifier{}, hook)
	nc := ntfy.DefaultConfig()
	nc.TopicKey = "a-key-of-sixteen-bytes"
	nt, err := ntfyNotifier(nc, http.DefaultClient)
	require.NoError(t, err)
	assert.IsType(t, &ntfy.Notifier{}, nt)
	tc := openaistt.DefaultConfig()
	tc.BaseURL = "http://127.0.0.1:1/v1"
	heard, err := openaiTranscriber(tc, http.DefaultClient)
	require.NoError(t, err)
	assert.IsType(t, &openaistt.Transcriber{}, heard)
	assert.IsType(t, &hashembed.Embedder{}, hashEmbedder(hashembed.DefaultConfig()))
	assert.IsType(t, &argon2id.Hasher{}, argon2Hasher(argon2id.DefaultConfig()))
	assert.IsType(t, &hibp.Checker{}, breachChecker(hibp.DefaultConfig(), http.DefaultClient))
	assert.IsType(t, &local.Runner{}, localRunner(local.DefaultConfig(), local.Deps{}))
	assert.IsType(t, &memory.RateLimiter{}, memoryLimiter(usecase.SystemClock{}))
	bus := memoryBus(usecase.SystemClock{})
	assert.IsType(t, &memory.StreamBus{}, bus)
	require.NoError(t, bus.(*memory.StreamBus).Close())

	b, err := localBlobs(t.Context(), blob.Config{URL: "mem://"})
	require.NoError(t, err)
	assert.IsType(t, &blob.Store{}, b)
	require.NoError(t, b.(*blob.Store).Close())
	_, err = s3Blobs(t.Context(), blob.Config{URL: "mem://"})
	require.Error(t, err, "the S3 set opens S3 URLs only")
}
