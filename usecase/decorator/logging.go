package decorator

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// Logging logs failed use cases: the service's own failures (internal, unavailable) at error level
// with their cause, the caller's (invalid input, not found, rate limited…) at debug. This is the one
// place a use-case error is logged; transports map it to a response without logging it again.
type Logging struct {
	Log *zap.Logger
	// Trace names the trace and span of a traced call on its line (nil: none).
	Trace TraceIDs
}

// TraceIDs tells the ids of the trace and span ctx runs in, "" when it is not traced: a tracer's
// (internal/spans.IDs), which use cases do not know.
type TraceIDs func(ctx context.Context) (traceID, spanID string)

// Fields are the log fields naming ctx's trace and span: none when ids is nil or ctx not traced.
func (ids TraceIDs) Fields(ctx context.Context) []zap.Field {
	if ids == nil {
		return nil
	}
	traceID, spanID := ids(ctx)
	if traceID == "" {
		return nil
	}
	return []zap.Field{zap.String(logkey.TraceID, traceID), zap.String(logkey.SpanID, spanID)}
}

func (l Logging) Observe(ctx context.Context, useCase string, took time.Duration, err error) {
	if err == nil {
		if ce := l.Log.Check(zap.DebugLevel, "use case done"); ce != nil {
			ce.Write(append([]zap.Field{zap.String(logkey.UseCase, useCase), zap.Duration(logkey.Duration, took),
				zap.String(logkey.RequestID, correlation.RequestID(ctx))}, l.Trace.Fields(ctx)...)...)
		}
		return
	}
	kind := domain.KindOf(err)
	level := zap.DebugLevel
	if kind == domain.KindInternal || kind == domain.KindUnavailable {
		level = zap.ErrorLevel
	}
	if ce := l.Log.Check(level, "use case failed"); ce != nil {
		fields := []zap.Field{
			zap.String(logkey.UseCase, useCase), zap.Duration(logkey.Duration, took),
			zap.String(logkey.Kind, kind.String()), zap.String(logkey.RequestID, correlation.RequestID(ctx)),
			zap.Error(err),
		}
		if e := domain.AsError(err); e != nil && e.Reason != "" {
			fields = append(fields, zap.String(logkey.Reason, e.Reason))
		}
		ce.Write(append(fields, l.Trace.Fields(ctx)...)...)
	}
}
