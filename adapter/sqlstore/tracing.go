package sqlstore

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/XSAM/otelsql"
	"github.com/jmoiron/sqlx"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// An OpenOption changes how Open connects.
type OpenOption func(*openOptions)

type openOptions struct {
	tracer trace.TracerProvider
}

// WithTracerProvider traces the statements run in a traced context — a request's, a turn's — with
// tp: a client span of each query, exec, prepare and transaction, with the statement's text
// (placeholders, never the values bound to them) and no arguments. Statements outside any trace
// (the runners' lease renewals, the schedulers' polls) make no spans of their own. An error is
// recorded by its type, not its text (which can quote a value).
func WithTracerProvider(tp trace.TracerProvider) OpenOption {
	return func(o *openOptions) { o.tracer = tp }
}

// openDB opens the pool through the driver called name, traced when o says so.
func openDB(name, dsn string, d Dialect, o openOptions) (*sqlx.DB, error) {
	if o.tracer == nil {
		return sqlx.Open(name, dsn)
	}
	system := semconv.DBSystemNameSQLite
	if d == Postgres {
		system = semconv.DBSystemNamePostgreSQL
	}
	db, err := otelsql.Open(name, dsn,
		otelsql.WithTracerProvider(o.tracer),
		otelsql.WithMeterProvider(noop.NewMeterProvider()), // metrics are Prometheus's
		otelsql.WithAttributes(system),
		otelsql.WithSpanOptions(otelsql.SpanOptions{
			DisableErrSkip:       true,
			OmitConnResetSession: true,
			OmitConnPrepare:      true, // the statement that follows names it
			OmitRows:             true,
			RecordError:          func(error) bool { return false },
			SpanFilter: func(ctx context.Context, _ otelsql.Method, _ string, _ []driver.NamedValue) bool {
				return trace.SpanContextFromContext(ctx).IsValid()
			},
		}),
		otelsql.WithSpanErrorAttributesGetter(func(err error) []attribute.KeyValue {
			return []attribute.KeyValue{semconv.ErrorTypeKey.String(fmt.Sprintf("%T", err))}
		}),
	)
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(db, name), nil
}
