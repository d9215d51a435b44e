package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error for every transport at once: the HTTP adapter maps it to a status code in
// one table, the workflow adapter maps it to retryability in one place. The zero value is KindInternal,
// so an error nobody classified is never mistaken for the caller's fault.
type Kind uint8

const (
	KindInternal        Kind = iota // a bug or an unexpected failure; details stay in the log
	KindInvalid                     // the input is wrong; retrying the same input fails again
	KindUnauthenticated             // no valid credentials
	KindForbidden                   // authenticated, but not allowed
	KindNotFound                    // absent, or not visible to the caller (foreign ids answer this too)
	KindConflict                    // a uniqueness or state conflict
	KindRateLimited                 // over a limit; may carry a RetryAfter
	KindUnavailable                 // a dependency is down or timed out; retrying may succeed
)

var kindNames = [...]string{
	KindInternal:        "internal",
	KindInvalid:         "invalid",
	KindUnauthenticated: "unauthenticated",
	KindForbidden:       "forbidden",
	KindNotFound:        "not_found",
	KindConflict:        "conflict",
	KindRateLimited:     "rate_limited",
	KindUnavailable:     "unavailable",
}

// String returns the stable, snake_case name of the kind used in API error bodies.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "internal"
}

// Kinds lists every kind, for tables that must cover them all.
func Kinds() []Kind {
	return []Kind{KindInternal, KindInvalid, KindUnauthenticated, KindForbidden, KindNotFound,
		KindConflict, KindRateLimited, KindUnavailable}
}

// Retryable reports whether repeating the same operation later can succeed.
func (k Kind) Retryable() bool {
	return k == KindUnavailable || k == KindRateLimited
}

// FieldViolation is one problem with one input field. Field uses the transport's field name
// (snake_case, dotted for nesting), Code is stable and machine-readable, Message is for people.
type FieldViolation struct {
	Field   string
	Code    string
	Message string
}

// Error is the error type every layer speaks. Message and the structured details are safe to show
// to an API client; Err (the cause) is not, and only reaches the log.
type Error struct {
	Kind Kind
	// Reason is a stable, machine-readable refinement of the kind, e.g. "account_locked".
	Reason  string
	Message string
	Fields  []FieldViolation
	// RetryAfter is set for KindRateLimited (and may be for KindUnavailable).
	RetryAfter time.Duration
	// Hints are safe, human-readable suggestions (e.g. how to make a password stronger).
	Hints []string
	Err   error
}

// E builds an error of a kind with a reason and a client-safe message; use it for sentinels.
func E(kind Kind, reason, message string) *Error {
	return &Error{Kind: kind, Reason: reason, Message: message}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.Reason != "" {
		b.WriteString(" (")
		b.WriteString(e.Reason)
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Code)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes sentinel errors match copies that wrap a cause: two *Error match when kind and reason match.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t.Reason == "" {
		return false
	}
	return t.Kind == e.Kind && t.Reason == e.Reason
}

// Wrap returns a copy of the sentinel carrying cause, keeping the sentinel's client-safe text.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// WithRetryAfter returns a copy of the error that tells the client when to try again.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// ContextError is the error of work that stopped because ctx ended: timedOut wrapping ctx.Err()
// when a deadline passed, cancelled wrapping it otherwise — errors.Is still finds context.Canceled
// or context.DeadlineExceeded behind the sentinel's client-safe text.
func ContextError(ctx context.Context, cancelled, timedOut *Error) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return timedOut.Wrap(err)
	}
	return cancelled.Wrap(err)
}

// Errorf wraps a cause with a kind; the message is formatted for the log, never shown to clients
// unless kind says it is the client's concern (then use E or Invalid instead).
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// Invalid builds a KindInvalid error from field violations (nil if there are none).
func Invalid(violations ...FieldViolation) error {
	if len(violations) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Reason: "validation_failed", Message: "the request has invalid fields", Fields: violations}
}

// Violation is shorthand for a FieldViolation.
func Violation(field, code, message string) FieldViolation {
	return FieldViolation{Field: field, Code: code, Message: message}
}

// Violations collects the field violations of err (and of every *Error in its chain, e.g. joined errors).
func Violations(err error) []FieldViolation {
	var out []FieldViolation
	walk(err, func(e *Error) {
		out = append(out, e.Fields...)
	})
	return out
}

func walk(err error, fn func(*Error)) {
	switch x := err.(type) {
	case nil:
		return
	case *Error:
		fn(x)
		walk(x.Err, fn)
	case interface{ Unwrap() []error }:
		for _, e := range x.Unwrap() {
			walk(e, fn)
		}
	case interface{ Unwrap() error }:
		walk(x.Unwrap(), fn)
	}
}

// KindOf classifies any error. Context deadlines count as unavailable (a dependency was too slow);
// anything unclassified is internal.
func KindOf(err error) Kind {
	if err == nil {
		return KindInternal
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindUnavailable
	}
	return KindInternal
}

// AsError returns the outermost *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// IsKind reports whether err is of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }
