package main

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	companionhub "github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/usecase/logkey"
)

func serve(ctx context.Context, args []string, e env) error {
	c, err := newCommand("serve", "Runs the HTTP server until interrupted (SIGINT/SIGTERM), then stops gracefully.", e, nil)
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	log, err := newLogger(c.cfg, e)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	// The ports first: a taken one stops start-up before any database is created or migrated.
	l, err := companionhub.Listen(c.cfg)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	hub, err := companionhub.New(ctx, c.cfg, log)
	if err != nil {
		_ = l.Close()
		return fmt.Errorf("start: %w", err)
	}
	defer hub.Close()
	return hub.ServeListeners(ctx, l)
}

func newLogger(cfg companionhub.Config, e env) (*zap.Logger, error) {
	log, err := zaplog.New(cfg.Log, zapSink(e))
	if err != nil {
		return nil, err
	}
	// OpenTelemetry's own failures (traces the collector did not take) are log lines like the
	// others, not the standard library's plain ones.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("tracing failed", zap.String(logkey.Component, "opentelemetry"), zap.Error(err))
	}))
	return log, nil
}

// zapSink writes log lines to the process's stderr, serialised.
func zapSink(e env) zapcore.WriteSyncer { return zapcore.Lock(zapcore.AddSync(e.stderr)) }
