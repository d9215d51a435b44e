// Package secret holds String, a string that refuses to be printed.
//
// Configuration carries API keys, database passwords and signing keys from the environment to the
// adapters that need them. Somewhere along that path a config struct gets printed — a debug log of
// the effective configuration, a test failure, a panic message — and the secret leaks. String makes
// every ordinary way of rendering the value (fmt verbs including %#v, encoding/json, encoding/xml,
// encoding.TextMarshaler, fmt.Stringer, log/slog, and zap through its Stringer and reflection paths)
// produce "[REDACTED]". The only way to get the value is to ask for it by name with Reveal, which is
// easy to grep for and to review.
//
// The package is a leaf with no dependencies, so configuration types anywhere in the module can use
// it without pulling in a logging library.
//
// Limits, by design of the tools involved rather than of this type:
//   - fmt cannot call methods on unexported struct fields, so a String kept in an unexported field
//     of a struct that is itself printed with %v prints raw. Keep secrets in exported fields (config
//     structs bound by envflag are exported by necessity).
//   - A string(s) conversion, or Reveal, gives the plain value; whatever is done with it afterwards
//     is no longer protected.
//
// An empty String prints as "": whether a secret is set is useful to an operator and not secret.
package secret

import (
	"fmt"
	"log/slog"
	"strconv"
)

// Redacted is what a non-empty String shows instead of its value.
const Redacted = "[REDACTED]"

// String is a secret value such as a password or an API key. Assign it like a string
// (secret.String("…") or an untyped constant); read it with Reveal.
type String string

// Reveal returns the plain value. Call it only where the value is handed to the thing that needs it
// (an HTTP header, a database driver), never to build a message.
func (s String) Reveal() string { return string(s) }

// IsSet reports whether the secret is non-empty.
func (s String) IsSet() bool { return s != "" }

func (s String) mask() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// String implements fmt.Stringer (and is what zap.Any and zap.Stringer print).
func (s String) String() string { return s.mask() }

// GoString implements fmt.GoStringer for callers that invoke it directly; fmt itself goes through
// Format.
func (s String) GoString() string { return s.mask() }

// Format implements fmt.Formatter so that every verb, not just %v and %s, is masked: without it
// %x or %d on the underlying string kind would print the value (or its bytes).
func (s String) Format(f fmt.State, verb rune) {
	m := s.mask()
	if verb == 'q' {
		m = strconv.Quote(m)
	}
	_, _ = f.Write([]byte(m))
}

// MarshalText implements encoding.TextMarshaler, which encoding/json and encoding/xml use, so a
// config struct can be dumped as JSON without leaking.
func (s String) MarshalText() ([]byte, error) { return []byte(s.mask()), nil }

// UnmarshalText implements encoding.TextUnmarshaler so configuration decoders can fill a String.
// Marshalling is deliberately not its inverse.
func (s *String) UnmarshalText(b []byte) error {
	*s = String(b)
	return nil
}

// LogValue implements slog.LogValuer.
func (s String) LogValue() slog.Value { return slog.StringValue(s.mask()) }
