//go:build wireinject

package companionhub

import (
	"context"

	"github.com/google/wire"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/zxcvbn"
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
		provideCheckers,
		provideHTTP,
		newHub,
	))
}
