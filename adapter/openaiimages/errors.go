package openaiimages

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
)

// The errors this adapter returns besides the request's field violations. Their messages are the
// only text a client can see.
var (
	errUnavailable = domain.E(domain.KindUnavailable, "image_unavailable", "the image service is unavailable")
	errTimedOut    = domain.E(domain.KindUnavailable, "image_timeout", "the image service did not answer in time")
	errCancelled   = domain.E(domain.KindUnavailable, "image_cancelled", "the picture was cancelled")
	errBadResponse = domain.E(domain.KindUnavailable, "image_bad_response", "the image service sent an unreadable answer")
	errRejected    = domain.E(domain.KindInvalid, "image_rejected", "the image service rejected the request")
	errRefused     = domain.E(domain.KindInvalid, "picture_refused", "the image service refused to draw this picture")
	errAuth        = domain.E(domain.KindInternal, "image_auth", "the image service rejected the hub's credentials")
	errBilling     = domain.E(domain.KindInternal, "image_billing", "the image service account cannot pay for pictures")
	errNotFound    = domain.E(domain.KindInternal, "image_not_found", "the image service does not know the model or endpoint")
	errBusy        = domain.E(domain.KindRateLimited, "image_rate_limited", "the image service is busy")
	errURLRefused  = domain.E(domain.KindInternal, "image_url_refused", "the image service's picture is on an address the hub may not reach")
)

// rateLimited is errBusy with its cause and the wait the service asked for (0: it did not say).
func rateLimited(after time.Duration, cause error) error {
	return errBusy.Wrap(cause).WithRetryAfter(after)
}

// fail classifies a failed call. parent is the caller's context, callCtx the one with the
// adapter's Timeout; err is what render or fit returned: classified already when the answer said
// what went wrong, a transport error otherwise.
//
// The mapping, which decides the retries:
//
//	caller's context done          unavailable image_cancelled / image_timeout, wrapping ctx.Err()
//	the adapter's Timeout          unavailable image_timeout (wraps context.DeadlineExceeded)
//	no answer, broken connection   unavailable image_unavailable
//	429                            rate_limited image_rate_limited, RetryAfter from Retry-After(-Ms)
//	429 insufficient_quota         internal image_billing (no wait will help)
//	408, 409, 5xx                  unavailable image_unavailable
//	401, 403 / 402 / 404           internal image_auth / image_billing / image_not_found
//	400 content policy             invalid picture_refused (content_policy_violation,
//	                               moderation_blocked, content filters)
//	400 billing, unknown model     internal image_billing / image_not_found
//	other 4xx                      invalid image_rejected
//	unreadable or oversized answer unavailable image_bad_response
//	url answer not fetched         unavailable image_unavailable (429: rate_limited)
//	url answer on a private host   internal image_url_refused (Config.FetchAllow)
func (g *Generator) fail(parent, callCtx context.Context, err error) error {
	if stopped := providerhttp.ContextError("openaiimages", parent, callCtx, errCancelled, errTimedOut); stopped != nil {
		return stopped
	}
	if domain.AsError(err) != nil {
		return err
	}
	return errUnavailable.Wrap(fmt.Errorf("openaiimages: request: %w", providerhttp.WithoutURL(err)))
}

// statusError maps a status other than 2xx. The cause holds the service's words, for the log,
// with keys redacted.
func (g *Generator) statusError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	d := providerhttp.ParseDetail(body)
	cause := errors.New(g.redact.Redact(providerhttp.RedactTokens(fmt.Sprintf("openaiimages: HTTP %d: %s", resp.StatusCode, d))))
	switch code := resp.StatusCode; {
	case code < 400:
		return errBadResponse.Wrap(cause)
	case code == http.StatusTooManyRequests && d.Code == "insufficient_quota":
		return errBilling.Wrap(cause)
	case code == http.StatusTooManyRequests:
		return rateLimited(providerhttp.RetryAfterMs(resp.Header, time.Now()), cause)
	case code == http.StatusRequestTimeout || code == http.StatusConflict || code >= 500:
		return errUnavailable.Wrap(cause).WithRetryAfter(providerhttp.RetryAfterMs(resp.Header, time.Now()))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return errAuth.Wrap(cause)
	case code == http.StatusPaymentRequired || d.Code == "billing_hard_limit_reached" || d.Code == "insufficient_quota":
		return errBilling.Wrap(cause)
	case code == http.StatusNotFound || d.Code == "model_not_found" || d.Param == "model":
		return errNotFound.Wrap(cause)
	case refusal(d):
		return errRefused.Wrap(cause)
	default:
		return errRejected.Wrap(cause)
	}
}

// refusal: the service's safety system refused the prompt — OpenAI's DALL·E
// (content_policy_violation), its GPT image models (moderation_blocked), Azure's content filters.
func refusal(d providerhttp.Detail) bool {
	return d.Mentions("content_policy", "moderation_blocked", "content_filter", "contentfilter")
}
