package temporalwf

import (
	"fmt"

	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
)

// Logger routes the Temporal SDK's logs to zap (and so through the hub's redaction).
type Logger struct{ z *zap.SugaredLogger }

var (
	_ log.Logger     = Logger{}
	_ log.WithLogger = Logger{}
)

// NewLogger wraps z; nil discards.
func NewLogger(z *zap.Logger) Logger {
	if z == nil {
		z = zap.NewNop()
	}
	return Logger{z: z.Named("temporal").WithOptions(zap.AddCallerSkip(1)).Sugar()}
}

func (l Logger) Debug(msg string, keyvals ...any) { l.z.Debugw(msg, pairs(keyvals)...) }
func (l Logger) Info(msg string, keyvals ...any)  { l.z.Infow(msg, pairs(keyvals)...) }
func (l Logger) Warn(msg string, keyvals ...any)  { l.z.Warnw(msg, pairs(keyvals)...) }
func (l Logger) Error(msg string, keyvals ...any) { l.z.Errorw(msg, pairs(keyvals)...) }

// With returns a logger that adds keyvals to every entry.
func (l Logger) With(keyvals ...any) log.Logger { return Logger{z: l.z.With(pairs(keyvals)...)} }

// pairs makes the SDK's alternating keys and values safe for zap: keys are strings, and an odd
// one out is kept under "extra".
func pairs(kv []any) []any {
	out := make([]any, 0, len(kv)+1)
	for i := 0; i < len(kv); i += 2 {
		if i+1 == len(kv) {
			out = append(out, "extra", kv[i])
			break
		}
		k, ok := kv[i].(string)
		if !ok {
			k = fmt.Sprint(kv[i])
		}
		out = append(out, k, kv[i+1])
	}
	return out
}
