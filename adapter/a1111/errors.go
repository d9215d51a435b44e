package a1111

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
)

// The errors this adapter returns. Their messages are the only text a client can see; what the
// server said is in the wrapped cause, for the log.
var (
	errUnavailable  = domain.E(domain.KindUnavailable, "image_unavailable", "the image service is unavailable")
	errTimedOut     = domain.E(domain.KindUnavailable, "image_timeout", "the image service did not answer in time")
	errCancelled    = domain.E(domain.KindUnavailable, "image_cancelled", "the picture was cancelled")
	errBadResponse  = domain.E(domain.KindUnavailable, "image_bad_response", "the image service sent an unreadable answer")
	errRateLimited  = domain.E(domain.KindRateLimited, "image_rate_limited", "the image service is busy")
	errRejected     = domain.E(domain.KindInvalid, "image_rejected", "the image service refused the request")
	errAuth         = domain.E(domain.KindInternal, "image_auth", "the image service rejected the hub's credentials")
	errNoAPI        = domain.E(domain.KindInternal, "image_not_found", "the image service does not offer the API it was configured for")
	errUnknownModel = domain.E(domain.KindInternal, "image_unknown_model",
		"the image service does not have the configured model")
	errUnknownSampler = &domain.Error{Kind: domain.KindInvalid, Reason: "image_unknown_sampler",
		Message: "the image service has no such sampler",
		Fields:  []domain.FieldViolation{domain.Violation("sampler", "unknown", "the image service has no such sampler")}}

	// errTimeout is the cause of the call context when Config.Timeout runs out.
	errTimeout = errors.New("IMAGE_TIMEOUT elapsed")
)

// ctxError is the error of a call stopped by the caller's context.
func ctxError(ctx context.Context) error { return domain.ContextError(ctx, errCancelled, errTimedOut) }

// fail classifies a failed call. parent is the caller's context, callCtx the one with the
// adapter's timeout. Errors that are already the adapter's (an unknown checkpoint or sampler, an
// unreadable picture) are returned as they are.
//
// The mapping, which decides the pipeline's retries:
//
//	caller's context done          unavailable image_cancelled / image_timeout, wrapping ctx.Err()
//	Config.Timeout elapsed         unavailable image_timeout (wraps context.DeadlineExceeded)
//	no answer (refused, reset)     unavailable image_unavailable
//	429                            rate_limited image_rate_limited, RetryAfter from Retry-After
//	"model … not found" (500, 404) internal image_unknown_model (Forge's answer; the list is
//	                               fetched again on the next call)
//	408, 5xx                       unavailable image_unavailable (RetryAfter when sent)
//	401, 403                       internal image_auth
//	404 "Sampler not found"        invalid image_unknown_sampler
//	other 404                      internal image_not_found (no --api, or not the web UI's API)
//	other 4xx (400, 422)           invalid image_rejected
//	undecodable or too long answer unavailable image_bad_response
func (c *Client) fail(parent, callCtx context.Context, err error) error {
	if _, ok := errors.AsType[*domain.Error](err); ok {
		return err
	}
	if stopped := providerhttp.ContextError("a1111", parent, callCtx, errCancelled, errTimedOut); stopped != nil {
		return stopped
	}
	if se, ok := errors.AsType[*statusError](err); ok {
		return c.statusError(se)
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typeErr) || errors.Is(err, providerhttp.ErrTooLarge) {
		return errBadResponse.Wrap(fmt.Errorf("a1111: %w", err))
	}
	return errUnavailable.Wrap(fmt.Errorf("a1111: %w", providerhttp.WithoutURL(err)))
}

// modelNotFound matches what Forge (500, RuntimeError "model '…' not found") and some forks (404
// "Model not found") answer for a checkpoint they do not have.
var modelNotFound = regexp.MustCompile(`(?i)\bmodel\b.*\bnot found\b`)

// statusError maps an error status; see fail.
func (c *Client) statusError(se *statusError) error {
	detail := strings.ToValidUTF8(string(se.body), "\uFFFD")
	if r := []rune(detail); len(r) > 300 {
		detail = string(r[:300]) + "…"
	}
	cause := errors.New(c.redact.Redact(fmt.Sprintf("a1111: %s: HTTP %d: %q", se.path, se.code, detail)))
	wait := providerhttp.RetryAfter(se.header, time.Now())
	switch code := se.code; {
	case code == http.StatusTooManyRequests:
		return errRateLimited.Wrap(cause).WithRetryAfter(wait)
	case (code == http.StatusInternalServerError || code == http.StatusNotFound) && modelNotFound.MatchString(detail):
		c.checkpoints.forget()
		return errUnknownModel.Wrap(cause)
	case code == http.StatusRequestTimeout || code >= 500:
		return errUnavailable.Wrap(cause).WithRetryAfter(wait)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return errAuth.Wrap(cause)
	case code == http.StatusNotFound && strings.Contains(detail, "Sampler not found"):
		c.samplers.forget()
		return errUnknownSampler.Wrap(cause)
	case code == http.StatusNotFound:
		return errNoAPI.Wrap(cause)
	default:
		return errRejected.Wrap(cause)
	}
}

// redactor removes the configured credentials from server text, in case it quotes them: the whole
// key and, for "user:password", the password alone.
func redactor(key string) providerhttp.Redactor {
	_, pass, _ := strings.Cut(key, ":")
	return providerhttp.NewRedactor(key, pass)
}
