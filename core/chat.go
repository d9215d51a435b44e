package core

import (
	"context"
	"sync"

	"go.uber.org/zap"

	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/stream"
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

	cleanup func()
	once    sync.Once
}

func newChat(app *chatuc.App, steps *chatuc.Steps, store chatuc.Store, bus stream.Bus, runner Runner) *Chat {
	return &Chat{App: app, Steps: steps, Store: store, Bus: bus, Runner: runner}
}

// NewChat validates cfg and builds the chat part of a hub as New would. Close releases it.
func NewChat(ctx context.Context, cfg Config, log *zap.Logger, opts ...Option) (*Chat, error) {
	o := newOptions(opts)
	if err := cfg.validate(o.catalogs, o.ports); err != nil {
		o.cleanup(func() {})()
		return nil, err
	}
	c, cleanup, err := initChat(ctx, cfg, log, o)
	if err != nil {
		o.cleanup(func() {})()
		return nil, err
	}
	c.cleanup = o.cleanup(cleanup)
	return c, nil
}

// Close releases the chat's connections. It is safe to call more than once.
func (c *Chat) Close() {
	c.once.Do(func() {
		if c.cleanup != nil {
			c.cleanup()
		}
	})
}
