//go:build wireinject

package wiresets

import (
	"context"
	"net/http"

	"github.com/google/wire"
	"github.com/jmoiron/sqlx"
	goredis "github.com/redis/go-redis/v9"

	"github.com/companionhub/companionhub/adapter/argon2id"
	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/adapter/blob/s3"
	"github.com/companionhub/companionhub/adapter/elevenlabs"
	"github.com/companionhub/companionhub/adapter/espeak"
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
	"github.com/companionhub/companionhub/adapter/postgres"
	"github.com/companionhub/companionhub/adapter/redis"
	"github.com/companionhub/companionhub/adapter/tones"
	"github.com/companionhub/companionhub/adapter/webhook"
	"github.com/companionhub/companionhub/usecase"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/llm"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/stream"
	"github.com/companionhub/companionhub/usecase/voice"
)

func offlineModel(c offline.Config) llm.Model { panic(wire.Build(offline.ProviderSet)) }

func openaiModel(c openai.Config, hc *http.Client) (llm.Model, error) {
	panic(wire.Build(openai.ProviderSet))
}

func placeholderPictures() picture.Generator { panic(wire.Build(placeholder.ProviderSet)) }

func tonesSpeech() voice.Synthesizer { panic(wire.Build(tones.ProviderSet)) }

func espeakSpeech(c espeak.Config) (voice.Synthesizer, error) { panic(wire.Build(espeak.ProviderSet)) }

func elevenlabsSpeech(c elevenlabs.Config, hc *http.Client) (voice.Synthesizer, error) {
	panic(wire.Build(elevenlabs.ProviderSet))
}

func openaiSpeech(c openaispeech.Config, hc *http.Client) (voice.Synthesizer, error) {
	panic(wire.Build(openaispeech.ProviderSet))
}

func webhookNotifier(c webhook.Config, hc *http.Client) (proactive.Notifier, error) {
	panic(wire.Build(webhook.ProviderSet))
}

func ntfyNotifier(c ntfy.Config, hc *http.Client) (proactive.Notifier, error) {
	panic(wire.Build(ntfy.ProviderSet))
}

func openaiTranscriber(c openaistt.Config, hc *http.Client) (voice.Transcriber, error) {
	panic(wire.Build(openaistt.ProviderSet))
}

func hashEmbedder(c hashembed.Config) memoryuc.Embedder { panic(wire.Build(hashembed.ProviderSet)) }

func argon2Hasher(c argon2id.Config) accountuc.PasswordHasher {
	panic(wire.Build(argon2id.ProviderSet))
}

func breachChecker(c hibp.Config, hc *http.Client) accountuc.BreachChecker {
	panic(wire.Build(hibp.ProviderSet))
}

func localRunner(c local.Config, d local.Deps) chatuc.Runner { panic(wire.Build(local.ProviderSet)) }

func memoryLimiter(c usecase.Clock) ratelimit.Limiter { panic(wire.Build(memory.ProviderSet)) }

func memoryBus(c usecase.Clock) stream.Bus { panic(wire.Build(memory.StreamBusSet)) }

func postgresLimiter(db *sqlx.DB) ratelimit.Limiter { panic(wire.Build(postgres.ProviderSet)) }

func redisLimiter(c goredis.UniversalClient) ratelimit.Limiter { panic(wire.Build(redis.ProviderSet)) }

func redisBus(c goredis.UniversalClient) stream.Bus { panic(wire.Build(redis.StreamBusSet)) }

func localBlobs(ctx context.Context, c blob.Config) (mediauc.BlobStore, error) {
	panic(wire.Build(blob.ProviderSet))
}

func s3Blobs(ctx context.Context, c blob.Config) (mediauc.BlobStore, error) {
	panic(wire.Build(s3.ProviderSet))
}
