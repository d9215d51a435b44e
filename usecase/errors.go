package usecase

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// ErrNotConfigured is what a feature without a provider says (pictures with no image backend,
// voice with no synthesizer, memory with no store). A turn treats it as "skip this step": a missing
// feature never costs a reply.
var ErrNotConfigured = domain.E(domain.KindUnavailable, "not_configured", "this feature is not configured on this hub")

// Within runs fn on ctx bounded by d (0: by ctx alone). When fn fails because d ran out, the error
// is late, wrapping fn's: a provider that did not answer in time, said in the feature's words.
func Within[T any](ctx context.Context, d time.Duration, late *domain.Error, fn func(context.Context) (T, error)) (T, error) {
	if d <= 0 {
		return fn(ctx)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, d, late)
	defer cancel()
	v, err := fn(ctx)
	if err != nil && errors.Is(context.Cause(ctx), late) {
		return v, late.Wrap(err)
	}
	return v, err
}

// ReasonQuotaExceeded is the reason of a refusal because a person's daily quota is used up.
const ReasonQuotaExceeded = "quota_exceeded"

// QuotaExceeded is the refusal of work a person's daily quota of what (tokens, pictures, speech)
// no longer allows, until resetsIn from now. It is rate limited, with RetryAfter saying when the
// quota resets — but no retry before then can succeed, so a turn's side step gives up at once
// (IsQuotaExceeded).
func QuotaExceeded(what string, resetsIn time.Duration) error {
	return domain.E(domain.KindRateLimited, ReasonQuotaExceeded,
		"your daily "+what+" quota is used up; it resets at midnight UTC").WithRetryAfter(resetsIn)
}

// IsQuotaExceeded reports whether err is (or wraps) a QuotaExceeded refusal.
func IsQuotaExceeded(err error) bool {
	for e := domain.AsError(err); e != nil; e = domain.AsError(e.Err) {
		if e.Reason == ReasonQuotaExceeded {
			return true
		}
	}
	return false
}
