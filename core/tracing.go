package core

import (
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/internal/spans"
	"github.com/companionhub/companionhub/usecase/decorator"
)

// Tracing (WithTracerProvider) reaches the hub's parts from here: the HTTP server, the in-process
// runner, the database the hub opens, the log lines of use cases and observers; provider calls are
// traced by the observer WithTracerProvider adds to the instruments' (adapter/otel.Calls).

// traceIDs names the trace and span of traced work on log lines (nil when the hub is not traced).
func (o *options) traceIDs() decorator.TraceIDs {
	if o.tracer == nil {
		return nil
	}
	return spans.IDs
}

// sqlOptions trace the statements of the database the hub opens (one given, WithDatabase, is
// traced as its opener chose: sqlstore.WithTracerProvider).
func (o *options) sqlOptions() []sqlstore.OpenOption {
	if o.tracer == nil {
		return nil
	}
	return []sqlstore.OpenOption{sqlstore.WithTracerProvider(o.tracer)}
}
