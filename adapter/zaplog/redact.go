package zaplog

import (
	"go.uber.org/zap/zapcore"
)

// Redact wraps core so that sensitive fields (IsSensitiveKey) never reach its encoder, whichever
// way they arrive: in a log call, through With or WithLazy, nested in objects, dicts, inline
// marshalers, arrays of objects and reflected values, or under a sensitive zap.Namespace.
//
// Wrap the core that encodes, and put samplers or tees outside: Check decides on this core's level
// alone, so a sampler wrapped inside would be bypassed.
//
// Known limit: a namespace opened inside a zap.Inline marshaler stays open for the rest of the
// entry in zap, but redaction only sees it while that marshaler runs.
func Redact(core zapcore.Core) zapcore.Core { return &redactCore{Core: core} }

type redactCore struct {
	zapcore.Core
	// hide is set once With has opened a sensitive namespace: every later field of this logger
	// lands inside it.
	hide bool
}

// Level lets zap.Logger.Level and zapcore.LevelOf see through the wrapper.
func (c *redactCore) Level() zapcore.Level { return zapcore.LevelOf(c.Core) }

func (c *redactCore) With(fields []zapcore.Field) zapcore.Core {
	out, hide := redactFields(fields, c.hide)
	return &redactCore{Core: c.Core.With(out), hide: hide}
}

func (c *redactCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *redactCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	out, _ := redactFields(fields, c.hide)
	return c.Core.Write(e, out)
}

// redactFields returns fields with sensitive values replaced and nested values wrapped, copying
// the slice only if something changes (the caller's slice is never modified), and whether a
// sensitive namespace is open at the end.
func redactFields(fields []zapcore.Field, hide bool) ([]zapcore.Field, bool) {
	out, copied := fields, false
	for i, f := range fields {
		if g, changed := redactField(f, hide); changed {
			if !copied {
				out, copied = append([]zapcore.Field(nil), fields...), true
			}
			out[i] = g
		}
		if f.Type == zapcore.NamespaceType && IsSensitiveKey(f.Key) {
			hide = true
		}
	}
	return out, hide
}

func redactField(f zapcore.Field, hide bool) (zapcore.Field, bool) {
	switch f.Type {
	case zapcore.NamespaceType, zapcore.SkipType:
		return f, false
	case zapcore.InlineMarshalerType: // no key of its own: its fields are checked one by one
		f.Interface = redactObject{m: f.Interface.(zapcore.ObjectMarshaler), hide: hide}
		return f, true
	}
	if hide || IsSensitiveKey(f.Key) {
		return zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: Redacted}, true
	}
	switch f.Type {
	case zapcore.ObjectMarshalerType:
		f.Interface = redactObject{m: f.Interface.(zapcore.ObjectMarshaler)}
		return f, true
	case zapcore.ArrayMarshalerType:
		f.Interface = redactArray{m: f.Interface.(zapcore.ArrayMarshaler)}
		return f, true
	case zapcore.ReflectType:
		if v, wrapped := reflected(f.Interface); wrapped {
			f.Interface = v
			return f, true
		}
	}
	return f, false
}
