package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
)

// Traced, the statements of a traced context are client spans of its trace, with the statement's
// text but never the values bound to it nor an error's text; statements outside any trace make
// none.
func TestStatementsAreSpansOfTheirTrace(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(*testing.T) string{
		"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "hub.db") },
		"postgres": func(t *testing.T) string {
			return containers.NewPostgresDB(t, "empty", func(context.Context, string) error { return nil })
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			exp := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			db, err := sqlstore.Open(t.Context(), sqlstore.Config{URL: secret.String(url(t)), MaxOpenConns: 2},
				sqlstore.WithTracerProvider(tp))
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			_, err = db.X.ExecContext(t.Context(), "CREATE TABLE traced (body TEXT NOT NULL UNIQUE)")
			require.NoError(t, err)
			require.Empty(t, exp.GetSpans(), "no trace, no span")

			ctx, parent := tp.Tracer("test").Start(t.Context(), "turn")
			_, err = db.X.ExecContext(ctx, db.X.Rebind("INSERT INTO traced (body) VALUES (?)"), "Ada's secret words")
			require.NoError(t, err)
			_, err = db.X.ExecContext(ctx, db.X.Rebind("INSERT INTO traced (body) VALUES (?)"), "Ada's secret words")
			require.Error(t, err, "a unique violation")
			var n int
			require.NoError(t, db.X.GetContext(ctx, &n, "SELECT count(*) FROM traced"))
			parent.End()

			spans := exp.GetSpans()
			var statements int
			for _, s := range spans {
				if s.Name == "turn" {
					continue
				}
				statements++
				assert.Equal(t, parent.SpanContext().TraceID(), s.SpanContext.TraceID(), s.Name)
				assert.Equal(t, trace.SpanKindClient, s.SpanKind, s.Name)
				for _, kv := range s.Attributes {
					assert.NotContains(t, kv.Value.Emit(), "secret", "%s: %s", s.Name, kv.Key)
				}
				assert.Empty(t, s.Events, "%s: no exception event with an error's text", s.Name)
			}
			assert.GreaterOrEqual(t, statements, 3, "%v", spans)
			var failed, texts int
			for _, s := range spans {
				for _, kv := range s.Attributes {
					switch kv.Key {
					case "error.type":
						failed++
					case "db.query.text":
						texts++
						assert.Contains(t, []string{db.X.Rebind("INSERT INTO traced (body) VALUES (?)"), "SELECT count(*) FROM traced"},
							kv.Value.AsString())
					}
				}
			}
			assert.Equal(t, 1, failed, "the violation is told by its type")
			assert.GreaterOrEqual(t, texts, 3)
		})
	}
}
