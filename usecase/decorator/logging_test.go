package decorator_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// logged returns a Logging observer that keeps what it logs at level and above.
func logged(level zapcore.Level) (decorator.Logging, *observer.ObservedLogs) {
	core, logs := observer.New(level)
	return decorator.Logging{Log: zap.New(core)}, logs
}

var _ decorator.Observer = decorator.Logging{}

func TestLoggingASuccessIsDebugOnly(t *testing.T) {
	t.Parallel()
	l, logs := logged(zap.DebugLevel)
	ctx := correlation.WithRequestID(context.Background(), "req-42")

	l.Observe(ctx, "account.register", 1500*time.Millisecond, nil)

	entries := logs.All()
	require.Len(t, entries, 1)
	assert.Equal(t, zap.DebugLevel, entries[0].Level)
	assert.Equal(t, "use case done", entries[0].Message)
	assert.Equal(t, map[string]any{
		logkey.UseCase:   "account.register",
		logkey.Duration:  1500 * time.Millisecond,
		logkey.RequestID: "req-42",
	}, entries[0].ContextMap())
}

func TestLoggingASuccessIsSilentAboveDebug(t *testing.T) {
	t.Parallel()
	l, logs := logged(zap.InfoLevel)

	l.Observe(context.Background(), "account.register", time.Millisecond, nil)

	assert.Zero(t, logs.Len(), "a production log does not hear of every request")
}

func TestLoggingAFailureByKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		kind   string
		reason string // "" when the error has none
		level  zapcore.Level
	}{
		// The service's own failures: someone has to look.
		{"internal", domain.Errorf(domain.KindInternal, "nil map"), "internal", "", zap.ErrorLevel},
		{"unclassified", errors.New("driver exploded"), "internal", "", zap.ErrorLevel},
		{"unavailable", domain.E(domain.KindUnavailable, "db_down", "the database is unavailable"), "unavailable", "db_down", zap.ErrorLevel},
		{"wrapped unavailable", fmt.Errorf("load turn: %w", domain.E(domain.KindUnavailable, "db_down", "down")), "unavailable", "db_down", zap.ErrorLevel},
		{"deadline", context.DeadlineExceeded, "unavailable", "", zap.ErrorLevel},
		// The caller's: nothing for an operator to fix.
		{"invalid", domain.Invalid(domain.Violation("email", "malformed", "not an email")), "invalid", "validation_failed", zap.DebugLevel},
		{"unauthenticated", domain.E(domain.KindUnauthenticated, "bad_credentials", "wrong password"), "unauthenticated", "bad_credentials", zap.DebugLevel},
		{"forbidden", domain.E(domain.KindForbidden, "", "not yours"), "forbidden", "", zap.DebugLevel},
		{"not found", domain.E(domain.KindNotFound, "companion_not_found", "no such companion"), "not_found", "companion_not_found", zap.DebugLevel},
		{"conflict", domain.E(domain.KindConflict, "username_taken", "taken"), "conflict", "username_taken", zap.DebugLevel},
		{"rate limited", domain.E(domain.KindRateLimited, "too_many_messages", "slow down").WithRetryAfter(time.Minute), "rate_limited", "too_many_messages", zap.DebugLevel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, logs := logged(zap.DebugLevel)
			ctx := correlation.WithRequestID(context.Background(), "req-9")

			l.Observe(ctx, "chat.send", 250*time.Millisecond, tc.err)

			entries := logs.All()
			require.Len(t, entries, 1, "an error is logged once, here")
			e := entries[0]
			assert.Equal(t, "use case failed", e.Message)
			assert.Equal(t, tc.level, e.Level)
			want := map[string]any{
				logkey.UseCase:   "chat.send",
				logkey.Duration:  250 * time.Millisecond,
				logkey.Kind:      tc.kind,
				logkey.RequestID: "req-9",
				logkey.Error:     tc.err.Error(),
			}
			if tc.reason != "" {
				want[logkey.Reason] = tc.reason
			}
			assert.Equal(t, want, e.ContextMap())
		})
	}
}

func TestLoggingAboveDebugKeepsOnlyTheServicesFailures(t *testing.T) {
	t.Parallel()
	l, logs := logged(zap.InfoLevel)
	callerErrors := []error{
		domain.Invalid(domain.Violation("name", "required", "a name is required")),
		domain.E(domain.KindUnauthenticated, "", "log in"),
		domain.E(domain.KindForbidden, "", "not yours"),
		domain.E(domain.KindNotFound, "", "no such thing"),
		domain.E(domain.KindConflict, "", "exists"),
		domain.E(domain.KindRateLimited, "", "slow down"),
	}
	for _, err := range callerErrors {
		l.Observe(context.Background(), "companion.create", time.Millisecond, err)
	}
	require.Zero(t, logs.Len(), "a caller's mistake is not the operator's problem")

	l.Observe(context.Background(), "companion.create", time.Millisecond, domain.Errorf(domain.KindInternal, "bug"))

	require.Equal(t, 1, logs.Len())
	assert.Equal(t, zap.ErrorLevel, logs.All()[0].Level)
}

func TestLoggingWithoutARequestIDLogsItEmpty(t *testing.T) {
	t.Parallel()
	l, logs := logged(zap.DebugLevel)

	// Scheduled and background use cases have no request: the field stays, so queries on it
	// need not guess whether it exists.
	l.Observe(context.Background(), "media.cleanup_orphans", time.Second, domain.Errorf(domain.KindInternal, "bug"))

	require.Equal(t, 1, logs.Len())
	assert.Equal(t, "", logs.All()[0].ContextMap()[logkey.RequestID])
	assert.Contains(t, logs.All()[0].ContextMap(), logkey.RequestID)
}

// Logging is an observer like any other: decorated use cases reach it.
func TestLoggingThroughDecorate(t *testing.T) {
	t.Parallel()
	l, logs := logged(zap.DebugLevel)
	cause := domain.E(domain.KindUnavailable, "model_down", "the model is unavailable")
	h := decorator.Decorate[greet, greeting]("greet.say", decorator.Fail[greet, greeting](cause), l)

	_, err := h.Handle(correlation.WithRequestID(context.Background(), "req-3"), greet{})

	require.Same(t, cause, err)
	entries := logs.FilterMessage("use case failed").All()
	require.Len(t, entries, 1)
	assert.Equal(t, "greet.say", entries[0].ContextMap()[logkey.UseCase])
	assert.Equal(t, "req-3", entries[0].ContextMap()[logkey.RequestID])
	assert.Equal(t, zap.ErrorLevel, entries[0].Level)
}

// A traced call's lines name its trace and span, as the tracer tells them; an untraced one's do not.
func TestLoggingNamesTheTrace(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.DebugLevel)
	type traced struct{}
	l := decorator.Logging{Log: zap.New(core), Trace: func(ctx context.Context) (string, string) {
		if ctx.Value(traced{}) == nil {
			return "", ""
		}
		return "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	}}
	ctx := context.WithValue(correlation.WithRequestID(context.Background(), "req-42"), traced{}, true)

	l.Observe(ctx, "chat.send", time.Millisecond, nil)
	l.Observe(ctx, "chat.send", time.Millisecond, domain.Errorf(domain.KindInternal, "boom"))
	l.Observe(context.Background(), "chat.send", time.Millisecond, nil)

	entries := logs.All()
	require.Len(t, entries, 3)
	for _, e := range entries[:2] {
		assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", e.ContextMap()[logkey.TraceID], e.Message)
		assert.Equal(t, "00f067aa0ba902b7", e.ContextMap()[logkey.SpanID], e.Message)
		assert.Equal(t, "req-42", e.ContextMap()[logkey.RequestID], "the request id stays")
	}
	assert.NotContains(t, entries[2].ContextMap(), logkey.TraceID)
	assert.NotContains(t, entries[2].ContextMap(), logkey.SpanID)
}
