package core

import (
	"context"
	"time"

	"go.uber.org/zap"

	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/stream"
	"github.com/companionhub/companionhub/usecase/usage"
)

// Chat is the chat part of a hub, wired as a hub wires it, for tools and tests that drive turns
// by hand: the use cases, the steps, the store and the stream bus, and the runner, whose upkeep
// the caller runs (Runner.Run) as a hub would.
type Chat struct {
	App    *chatuc.App
	Steps  *chatuc.Steps
	Store  chatuc.Store
	Bus    stream.Bus
	Runner Runner
	// Usage is what the providers did for whom (reports, quotas).
	Usage *usage.App

	wait time.Duration // how long Close waits for the runner
	closing
}

func newChat(cfg Config, app *chatuc.App, steps *chatuc.Steps, store chatuc.Store, bus stream.Bus, runner Runner,
	use *usage.App) *Chat {
	return &Chat{App: app, Steps: steps, Store: store, Bus: bus, Runner: runner, Usage: use,
		wait: runnerWait(cfg)}
}

// NewChat validates cfg and builds the chat part of a hub as New would. Close releases it.
func NewChat(ctx context.Context, cfg Config, log *zap.Logger, opts ...Option) (*Chat, error) {
	return build(ctx, cfg, log, opts, initChat)
}

// Close stops the turns still running as a hub's Close does (their grace period, then recorded as
// interrupted) and releases the chat's connections. It is safe to call more than once.
func (c *Chat) Close() {
	c.close(func() { _ = shutdownRunner(c.Runner, c.wait) })
}
