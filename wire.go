//go:build wireinject

package companionhub

import (
	"context"

	"github.com/google/wire"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/adapter/charcard"
	"github.com/companionhub/companionhub/adapter/imaging"
	"github.com/companionhub/companionhub/adapter/noop"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/zxcvbn"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// initHub wires a whole hub from its configuration. Run `make generate` after changing it; CI fails
// when wire_gen.go drifts from it.
func initHub(ctx context.Context, cfg Config, log *zap.Logger) (*Hub, func(), error) {
	panic(wire.Build(
		provideDB,
		provideRegistry,
		provideRedis,
		provideClock,
		provideLimiter,
		provideGuard,
		provideHasher,
		zxcvbn.New,
		provideBreach,
		provideObservers,
		sqlstore.ProviderSet,
		provideAccountDeps,
		provideAccounts,
		provideBlobs,
		wire.Bind(new(mediauc.BlobStore), new(*blob.Store)),
		imaging.ProviderSet,
		charcard.ProviderSet,
		provideCompanions,
		provideMedia,
		provideModel,
		provideStreamBus,
		noop.ProviderSet,
		provideSteps,
		provideTemporal,
		provideRunner,
		provideChat,
		provideCheckers,
		provideHTTP,
		newHub,
	))
}

// initWorker wires a Temporal worker: the chat steps and what they need, without HTTP or accounts.
func initWorker(ctx context.Context, cfg Config, log *zap.Logger) (*Worker, func(), error) {
	panic(wire.Build(
		provideDB,
		provideClock,
		sqlstore.ProviderSet,
		provideModel,
		provideStreamBus,
		noop.ProviderSet,
		provideSteps,
		provideRegistry,
		dialTemporal,
		provideTemporalWorker,
		provideWorkerOps,
		newWorker,
	))
}
