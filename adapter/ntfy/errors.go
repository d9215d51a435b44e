package ntfy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/internal/retrypolicy"
)

// The errors Notify returns. Their messages are the only text a client could see; the causes
// (for the log) say which attempt met what, with ntfy's error code and text.
//
//	the caller's context ended         unavailable notify_cancelled / notify_timeout
//	an attempt's Timeout, every time   unavailable notify_timeout
//	no answer, 408, 425, 429, 5xx      unavailable notify_unavailable (RetryAfter when asked)
//	other 4xx, a redirect              invalid notify_refused (not retried)
//	200 that is not a message          internal notify_bad_answer (not retried)
//	no person                          internal notify_incomplete (nothing sent)
var (
	errCancelled   = domain.E(domain.KindUnavailable, "notify_cancelled", "the notification was cancelled")
	errTimedOut    = domain.E(domain.KindUnavailable, "notify_timeout", "the ntfy server did not answer in time")
	errUnavailable = domain.E(domain.KindUnavailable, "notify_unavailable", "the ntfy server is unavailable")
	errRefused     = domain.E(domain.KindInvalid, "notify_refused", "the ntfy server refused the notification")
	errBadAnswer   = domain.E(domain.KindInternal, "notify_bad_answer", "the server at the notification URL does not answer as ntfy does")
	errIncomplete  = domain.E(domain.KindInternal, "notify_incomplete", "the notification is for no one")
)

// stopped is the error of a delivery the caller's context ended (during an attempt or a pause),
// wrapping the context's error and what the last attempt met.
func stopped(ctx context.Context, last error) error {
	cause := fmt.Errorf("ntfy: stopped: %w (last attempt: %w)", ctx.Err(), last)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errTimedOut.Wrap(cause)
	}
	return errCancelled.Wrap(cause)
}

// transportFailure classifies an attempt that got no answer. The caller's context ending is left
// to Notify to report; the attempt's own deadline and a broken connection are retried.
func (n *Notifier) transportFailure(parent, ctx context.Context, attempt int, err error) retrypolicy.Attempt {
	err = fmt.Errorf("ntfy: attempt %d: %w", attempt, providerhttp.WithoutURL(err))
	switch {
	case parent.Err() != nil:
		return retrypolicy.Attempt{Err: err}
	case ctx.Err() != nil:
		return retrypolicy.Attempt{Retry: true, Err: errTimedOut.Wrap(
			fmt.Errorf("ntfy: attempt %d: %w: %w", attempt, context.Cause(ctx), context.DeadlineExceeded))}
	default:
		return retrypolicy.Attempt{Retry: true, Err: errUnavailable.Wrap(err)}
	}
}

// wireError is ntfy's error body.
type wireError struct {
	Code  int    `json:"code"`
	HTTP  int    `json:"http"`
	Error string `json:"error"`
}

// statusFailure classifies an answer other than 200. The cause holds ntfy's code and text (or the
// start of a body that is not ntfy's), for the log, with the token and anything like one redacted.
func (n *Notifier) statusFailure(attempt int, resp *http.Response) retrypolicy.Attempt {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	var e wireError
	detail := providerhttp.ParseDetail(body).String()
	if json.Unmarshal(body, &e) == nil && e.Code != 0 {
		detail = fmt.Sprintf("code %d %q", e.Code, e.Error)
	}
	cause := errors.New(n.redact.Redact(providerhttp.RedactTokens(
		fmt.Sprintf("ntfy: attempt %d: HTTP %d: %s", attempt, resp.StatusCode, detail))))
	if !retrypolicy.Retryable(resp.StatusCode) {
		return retrypolicy.Attempt{Err: errRefused.Wrap(cause)}
	}
	var wait time.Duration
	if retrypolicy.HonoursRetryAfter(resp.StatusCode) {
		wait = providerhttp.RetryAfter(resp.Header, time.Now())
	}
	return retrypolicy.Attempt{Retry: true, RetryAfter: wait, Err: errUnavailable.Wrap(cause).WithRetryAfter(wait)}
}
