package companionhub

import (
	"context"
	"os"
	"strings"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/otel/otlp"
	"github.com/companionhub/companionhub/core"
)

// tracing is the tracer provider of a process: the one an embedder gave (core.WithTracerProvider),
// the SDK's exporting over OTLP/HTTP when the standard OTEL_* variables ask for it, or none (nil:
// nothing is traced, and nothing of the SDK runs).
type tracing struct {
	provider trace.TracerProvider
	// opened: this package opened provider, and hands it to the core.
	opened bool
}

// provideTracing opens the SDK's tracer provider when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set and none was given. Its resource names the service
// companionhub (serve) or companionhub-worker, unless OTEL_SERVICE_NAME says otherwise. Closing
// exports what is still queued.
func provideTracing(ctx context.Context, r role, log *zap.Logger, given core.Brought) (tracing, func(), error) {
	if given.Tracer != nil {
		return tracing{provider: given.Tracer}, func() {}, nil
	}
	on, err := otlp.Enabled(os.Getenv)
	if err != nil || !on {
		return tracing{}, func() {}, err
	}
	name := "companionhub"
	if r == working {
		name = "companionhub-worker"
	}
	tp, closeTP, err := otlp.Open(ctx, otlp.Service{Name: name, Version: strings.TrimPrefix(release(), "companionhub@")})
	if err != nil {
		return tracing{}, nil, err
	}
	log.Info("exporting traces over OTLP/HTTP")
	return tracing{provider: tp, opened: true}, func() {
		if err := closeTP(); err != nil {
			log.Warn("traces not exported at exit", zap.Error(err))
		}
	}, nil
}
