package webhook

import (
	"context"
	"errors"
	"fmt"

	"github.com/companionhub/companionhub/domain"
)

// The errors Notify returns. Their messages are the only text a client could see; the causes
// (for the log) say which attempt met what.
//
//	the caller's context ended         unavailable notify_cancelled / notify_timeout
//	an attempt's Timeout, every time   unavailable notify_timeout
//	no answer, 408, 425, 429, 5xx      unavailable notify_unavailable (RetryAfter when asked)
//	other 4xx, a redirect              invalid notify_refused (not retried)
//	no id or person                    internal notify_incomplete (nothing sent)
var (
	errCancelled   = domain.E(domain.KindUnavailable, "notify_cancelled", "the notification was cancelled")
	errTimedOut    = domain.E(domain.KindUnavailable, "notify_timeout", "the notification receiver did not answer in time")
	errUnavailable = domain.E(domain.KindUnavailable, "notify_unavailable", "the notification receiver is unavailable")
	errRefused     = domain.E(domain.KindInvalid, "notify_refused", "the notification receiver refused the notification")
	errIncomplete  = domain.E(domain.KindInternal, "notify_incomplete", "the notification has no id or person")
)

// stopped is the error of a delivery the caller's context ended (during an attempt or a pause),
// wrapping the context's error and what the last attempt met.
func stopped(ctx context.Context, last error) error {
	cause := fmt.Errorf("webhook: stopped: %w (last attempt: %w)", ctx.Err(), last)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errTimedOut.Wrap(cause)
	}
	return errCancelled.Wrap(cause)
}
