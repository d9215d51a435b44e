//go:build wireinject

package companionhub

import (
	"context"

	"github.com/google/wire"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/core"
)

// initBatteries opens the infrastructure a process in role r needs beyond the core and the ports
// given. Run `make
// generate` after changing it; CI fails when wire_gen.go drifts from it.
func initBatteries(ctx context.Context, cfg Config, log *zap.Logger, r role, given core.Brought) (*batteries, func(), error) {
	panic(wire.Build(
		provideRegistry,
		provideTemporal,
		provideRedis,
		provideStreamBus,
		provideLimiter,
		provideBlobs,
		provideReporter,
		provideTracing,
		newBatteries,
	))
}
