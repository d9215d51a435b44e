package zaplog_test

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/companionhub/companionhub/adapter/zaplog"
)

// BenchmarkRedaction compares a typical request line through a plain JSON core and through Redact.
func BenchmarkRedaction(b *testing.B) {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	plain := zapcore.NewCore(enc, zapcore.AddSync(discard{}), zapcore.InfoLevel)
	for name, core := range map[string]zapcore.Core{"plain": plain, "redacted": zaplog.Redact(plain)} {
		l := zap.New(core).With(zap.String("request_id", "r-1"))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.Info("request served", zap.String("method", "GET"), zap.String("route", "/api/v1/companions"),
					zap.Int("status", 200), zap.Int64("bytes", 1234), zap.String("user_id", "u-1"),
					zap.String("authorization", "Bearer x"), zap.Object("o", kv{"route", "/x"}))
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
