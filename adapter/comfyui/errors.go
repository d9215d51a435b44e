package comfyui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
)

// The errors the adapter returns. Their messages are the only text a client sees; what ComfyUI
// said stays in the wrapped cause, for the log.
var (
	errUnavailable = domain.E(domain.KindUnavailable, "image_unavailable", "the image service is unavailable")
	errTimedOut    = domain.E(domain.KindUnavailable, "image_timeout", "the image service did not finish the picture in time")
	errCancelled   = domain.E(domain.KindUnavailable, "image_cancelled", "the picture was cancelled")
	errBadResponse = domain.E(domain.KindUnavailable, "image_bad_response", "the image service sent an unreadable answer")
	errBusy        = domain.E(domain.KindRateLimited, "image_rate_limited", "the image service is busy")
	errInterrupted = domain.E(domain.KindUnavailable, "image_interrupted", "the picture was interrupted on the image service")
	errOutOfMemory = domain.E(domain.KindUnavailable, "image_out_of_memory", "the image service ran out of memory")
	errRejected    = domain.E(domain.KindInvalid, "image_rejected", "the image service rejected the request")
	errWorkflow    = domain.E(domain.KindInternal, "image_workflow_rejected", "the image service rejected the configured workflow")
	errFailed      = domain.E(domain.KindInternal, "image_failed", "the image service failed to render the picture")
	errNoImage     = domain.E(domain.KindInternal, "image_no_output", "the image workflow produced no picture")
	errAuth        = domain.E(domain.KindInternal, "image_auth", "the image service rejected the hub's credentials")
	errNotFound    = domain.E(domain.KindInternal, "image_not_found", "the image service has no such endpoint; check the base URL")

	// errTimeout is the cause of the adapter's own deadline, so that fail tells it from the
	// caller's.
	errTimeout = errors.New("IMAGE_TIMEOUT elapsed")
)

// ctxError is the error of a call stopped by a context: the caller's (cancelled, or its deadline
// passed) or the adapter's Timeout; nil while both go on.
func ctxError(parent, call context.Context) error {
	return providerhttp.ContextError("comfyui", parent, call, errCancelled, errTimedOut)
}

// transportError classifies a request that got no answer: a context that ended, or an
// unreachable server.
func transportError(parent, call context.Context, op string, err error) error {
	if stopped := ctxError(parent, call); stopped != nil {
		return stopped
	}
	return errUnavailable.Wrap(fmt.Errorf("comfyui: %s: %w", op, providerhttp.WithoutURL(err)))
}

// statusError maps an error status. The table, which decides the pipeline's retries:
//
//	429                        rate_limited, RetryAfter from Retry-After
//	408, 409, 5xx              unavailable (a proxy's or ComfyUI's own failure)
//	401, 403                   internal image_auth (the key, or a proxy's policy)
//	404                        internal image_not_found (the base URL is wrong)
//	400 from /prompt           see promptRejected
//	other 4xx                  invalid image_rejected
func (c *Client) statusError(op string, resp *response, requested []string) error {
	cause := errors.New(c.redact.Redact(fmt.Sprintf("comfyui: %s: HTTP %d: %s", op, resp.status, excerpt(resp.body))))
	switch code := resp.status; {
	case code == http.StatusTooManyRequests:
		return errBusy.Wrap(cause).WithRetryAfter(providerhttp.RetryAfter(resp.header, time.Now()))
	case code == http.StatusRequestTimeout || code == http.StatusConflict || code >= 500:
		return errUnavailable.Wrap(cause).WithRetryAfter(providerhttp.RetryAfter(resp.header, time.Now()))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return errAuth.Wrap(cause)
	case code == http.StatusNotFound:
		return errNotFound.Wrap(cause)
	case code == http.StatusBadRequest && op == opPrompt:
		return promptRejected(resp.body, requested, cause)
	default:
		return errRejected.Wrap(cause)
	}
}

// promptRejected classifies a graph /prompt refused. The hub's own values are checked before
// the call, so a refusal is nearly always the configuration's fault — a checkpoint, VAE or custom
// node the server does not have, a workflow input out of bounds — and is internal: retrying
// cannot help, and an operator must fix it. The exception is a name the request itself chose (its
// sampler or model) that the server does not list: that one is the caller's, invalid.
func promptRejected(body []byte, requested []string, cause error) error {
	var v struct {
		NodeErrors map[string]struct {
			Errors []struct {
				Type      string `json:"type"`
				ExtraInfo struct {
					ReceivedValue any `json:"received_value"`
				} `json:"extra_info"`
			} `json:"errors"`
		} `json:"node_errors"`
	}
	if json.Unmarshal(body, &v) == nil {
		for _, node := range v.NodeErrors {
			for _, e := range node.Errors {
				if s, ok := e.ExtraInfo.ReceivedValue.(string); ok && e.Type == "value_not_in_list" && slices.Contains(requested, s) {
					return errRejected.Wrap(cause)
				}
			}
		}
	}
	return errWorkflow.Wrap(cause)
}

// executionError maps a render that failed on the server. Running out of GPU memory is
// retryable — another render may have been holding it, and the next attempt can succeed — and
// so is an interruption (someone pressed Cancel in ComfyUI's UI). Any other exception is
// internal: the same graph fails the same way (a model file that does not load, a custom node's
// bug), so retrying would only spend GPU time; an operator must look at ComfyUI's log.
func executionError(exceptionType, message string) error {
	cause := fmt.Errorf("comfyui: execution failed: %s: %s", exceptionType, excerpt([]byte(message)))
	if strings.Contains(exceptionType, "OutOfMemory") || strings.Contains(strings.ToLower(message), "out of memory") {
		return errOutOfMemory.Wrap(cause)
	}
	return errFailed.Wrap(cause)
}

// excerpt is a short, printable part of a server's text, for an error's cause.
func excerpt(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strconv.Quote(s)
}
