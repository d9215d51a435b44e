// Package correlation carries the id that ties together every log line and event caused by one
// request, and whom the work is done for, across layers that must not know about HTTP.
package correlation

import "context"

type key struct{}

// WithRequestID returns ctx carrying id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// RequestID returns the id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

type subjectKey struct{}

// Subject is whom a piece of work is done for: the person (and the companion, when there is one)
// that what it costs — a model's tokens, a picture, speech — is counted against.
type Subject struct {
	UserID, CompanionID string
}

// WithSubject returns ctx doing its work for s. A companion named later keeps the person named
// earlier: WithSubject(ctx, Subject{CompanionID: c}) on a context for a person adds the companion.
func WithSubject(ctx context.Context, s Subject) context.Context {
	prev := SubjectOf(ctx)
	if s.UserID == "" {
		s.UserID = prev.UserID
	}
	if s.CompanionID == "" && s.UserID == prev.UserID {
		s.CompanionID = prev.CompanionID
	}
	return context.WithValue(ctx, subjectKey{}, s)
}

// SubjectOf is whom ctx works for (zero: nobody said — the hub's own work).
func SubjectOf(ctx context.Context) Subject {
	s, _ := ctx.Value(subjectKey{}).(Subject)
	return s
}
