// Package zaplog builds the process's *zap.Logger: JSON lines in production, readable console
// lines in development, and — in both — redaction of secrets and personal text before anything is
// encoded (see Redact and IsSensitiveKey).
//
// Two mechanisms together keep secrets out of log lines, and they are the whole mechanism:
//
//   - Key-based redaction: every field whose key names a secret (IsSensitiveKey) is replaced by
//     "[REDACTED]", wherever it appears — in a call, in With, inside zap.Object, zap.Dict,
//     zap.Inline, arrays of objects, reflected maps and structs, and under a zap.Namespace whose
//     key is sensitive.
//   - The secret.String type: configuration and adapters hold secrets in it, and it renders as
//     "[REDACTED]" through fmt, encoding/json, zap.Any, zap.Stringer and reflection, whatever the
//     key.
//
// There is deliberately no scan of encoded lines for known secret values: it would cost every log
// call a search over every secret, and could only find the values it was told about. What the two
// mechanisms cannot see is free text that contains a secret — an error message that quotes a
// database URL with its password, a provider's error body that echoes the prompt. Adapters must not
// build such errors, and log provider errors by code rather than by body.
package zaplog

import (
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/companionhub/companionhub/envflag"
)

// Config selects the logger's level and format. The tags bind it flattened into the root config
// (envprefix:"") as COMPANIONHUB_LOG_LEVEL and COMPANIONHUB_DEV, the names SPEC §1 fixes.
type Config struct {
	Level string `env:"LOG_LEVEL" help:"minimum log level: debug, info, warn or error"`
	// Dev switches to console output with development behaviour (DPanic panics, stack traces from
	// warn). Redaction stays on: a developer's terminal is shared, recorded and pasted into issues.
	Dev bool `env:"DEV" help:"development mode: human-readable console logs"`
}

// DefaultConfig is production logging at info.
func DefaultConfig() Config { return Config{Level: "info"} }

var levels = map[string]zapcore.Level{
	"debug": zapcore.DebugLevel,
	"info":  zapcore.InfoLevel,
	"warn":  zapcore.WarnLevel,
	"error": zapcore.ErrorLevel,
}

// Validate reports a level other than debug, info, warn or error (any case) as a field error on
// Level, which envflag turns into a message naming COMPANIONHUB_LOG_LEVEL.
func (c Config) Validate() error {
	if _, ok := levels[strings.ToLower(c.Level)]; !ok {
		return envflag.Fieldf("Level", "unknown log level %q (want debug, info, warn or error)", c.Level)
	}
	return nil
}

// New returns a logger writing to w (os.Stderr in main). Production lines are JSON objects with
// "time" (ISO 8601, UTC, milliseconds), "level", "logger", "caller", "msg" and the fields;
// development lines are zap's console format. Both redact (see the package comment).
func New(c Config, w zapcore.WriteSyncer) (*zap.Logger, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	level := levels[strings.ToLower(c.Level)]
	opts := []zap.Option{zap.AddCaller(), zap.ErrorOutput(w)}
	var enc zapcore.Encoder
	if c.Dev {
		ec := zap.NewDevelopmentEncoderConfig()
		enc = zapcore.NewConsoleEncoder(ec)
		opts = append(opts, zap.Development(), zap.AddStacktrace(zapcore.WarnLevel))
	} else {
		ec := zap.NewProductionEncoderConfig() // keys msg, level, caller, logger, stacktrace
		ec.TimeKey = "time"
		ec.EncodeTime = utcISO8601
		enc = zapcore.NewJSONEncoder(ec)
		opts = append(opts, zap.AddStacktrace(zapcore.ErrorLevel))
	}
	core := Redact(zapcore.NewCore(enc, zapcore.Lock(w), level))
	return zap.New(core, opts...), nil
}

// utcISO8601 writes UTC so that lines from replicas in different zones sort and compare as text.
func utcISO8601(t time.Time, enc zapcore.PrimitiveArrayEncoder) {
	zapcore.ISO8601TimeEncoder(t.UTC(), enc)
}
