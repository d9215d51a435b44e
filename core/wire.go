//go:build wireinject

package core

import (
	"context"

	"github.com/google/wire"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/charcard"
	"github.com/companionhub/companionhub/adapter/imaging"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/tokenizer"
	"github.com/companionhub/companionhub/adapter/zxcvbn"
)

// base is what every injector builds: the database and its stores, metrics, the clock, the blob
// store and the image pipeline.
var base = wire.NewSet(
	provideDB,
	sqlstore.ProviderSet,
	provideRegistry,
	provideClock,
	provideObserver,
	provideObservers,
	provideBusinessMetrics,
	provideBlobs,
	provideBlobStore,
	imaging.ProviderSet,
	provideCheckers,
)

// turns is the chat pipeline and the features it calls (the picture limit is shared with the
// standalone generator, hence the limiter).
var turns = wire.NewSet(
	provideLimiter,
	provideGuard,
	provideBackendDeps,
	provideModel,
	providePictures,
	provideVoice,
	provideMemory,
	provideSummaries,
	provideStreamBus,
	tokenizer.ProviderSet,
	provideSteps,
	provideRoomTurns,
	provideMeter,
	provideProviderMetrics,
	provideInstruments,
	provideUsage,
)

// chat is the chat use cases over the pipeline, with their runner and limits.
var chat = wire.NewSet(
	provideRunner,
	provideTalk,
	provideRoomAdvance,
	provideChat,
)

// firing is the proactive use cases with their scheduler, and what they call: accounts and
// companions (hence the password policy's parts, which accounts need).
var firing = wire.NewSet(
	provideHasher,
	zxcvbn.ProviderSet,
	provideBreach,
	provideAccounts,
	charcard.ProviderSet,
	provideCompanions,
	provideNotifier,
	provideScheduling,
)

// initHub wires a whole hub from its configuration and options. Run `make generate` after
// changing it; CI fails when wire_gen.go drifts from it.
func initHub(ctx context.Context, cfg Config, log *zap.Logger, o *options) (*Hub, func(), error) {
	panic(wire.Build(
		base,
		turns,
		chat,
		firing,
		provideCommunity,
		provideProactive,
		provideTokens,
		provideUserData,
		provideRooms,
		provideMedia,
		wire.Struct(new(apps), "*"),
		provideHTTP,
		newHub,
	))
}

// initEngine wires what runs turns and schedules' firings for a worker: the steps and what they
// need, and the proactive use cases with what a firing calls (chat, companions, the accounts that
// name a person in a notification), without HTTP.
func initEngine(ctx context.Context, cfg Config, log *zap.Logger, o *options) (*Engine, func(), error) {
	panic(wire.Build(
		base,
		turns,
		chat,
		firing,
		newEngine,
	))
}

// initChat wires the chat part of a hub (NewChat).
func initChat(ctx context.Context, cfg Config, log *zap.Logger, o *options) (*Chat, func(), error) {
	panic(wire.Build(
		base,
		turns,
		chat,
		newChat,
	))
}
