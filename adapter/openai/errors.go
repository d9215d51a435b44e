package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/usecase/llm"
)

// The errors this adapter returns besides llm.ErrStreamCut and llm.RateLimited. Their messages
// are the only text a client can see.
var (
	errUnavailable = domain.E(domain.KindUnavailable, "llm_unavailable", "the model provider is unavailable")
	errTimedOut    = domain.E(domain.KindUnavailable, "llm_timeout", "the model provider did not answer in time")
	errCancelled   = domain.E(domain.KindUnavailable, "llm_cancelled", "the model call was cancelled")
	errBadResponse = domain.E(domain.KindUnavailable, "llm_bad_response", "the model provider sent an unreadable answer")
	errRejected    = domain.E(domain.KindInvalid, "llm_rejected", "the model provider rejected the request")
	errRefused     = domain.E(domain.KindInvalid, "llm_refused", "the model refused to answer")
	errAuth        = domain.E(domain.KindInternal, "llm_auth", "the model provider rejected the hub's credentials")
	errBilling     = domain.E(domain.KindInternal, "llm_billing", "the model provider account cannot pay for requests")
	errNotFound    = domain.E(domain.KindInternal, "llm_not_found", "the model provider does not know the model or endpoint")
	errNoMessages  = domain.E(domain.KindInvalid, "llm_no_messages", "the model request has no messages")

	// Causes of the call context, so that a cancelled context says which limit ran out.
	errTimeout   = errors.New("LLM_TIMEOUT elapsed")
	errFirstByte = errors.New("LLM_FIRST_BYTE_TIMEOUT elapsed before the first chunk")
)

// fail classifies a failed call. parent is the caller's context, callCtx the one with the
// adapter's deadlines; resp is the HTTP response if one arrived (the SDK hands it over even for
// error statuses, and for bodies that are not its JSON error shape, which it would otherwise
// report as a decoding error without the status). streaming says a 200 stream was being read.
// A line too long to be a chunk reads as a cut stream, as it did with the SDK's decoder.
//
// The mapping, which decides the pipeline's retries:
//
//	caller's context done         unavailable llm_cancelled / llm_timeout, wrapping ctx.Err()
//	adapter's timeouts            unavailable llm_timeout (wraps context.DeadlineExceeded)
//	429                           rate_limited, RetryAfter from Retry-After-Ms / Retry-After
//	408, 409, 5xx, no response    unavailable llm_unavailable
//	401, 403 / 402 / 404          internal llm_auth / llm_billing / llm_not_found (misconfiguration)
//	400 content filter            invalid llm_refused
//	other 4xx                     invalid llm_rejected
//	stream error event            by the event's code, as above; unavailable when it has none
//	stream broken before finish   unavailable llm_stream_cut (llm.ErrStreamCut)
//	undecodable answer            unavailable llm_bad_response
func (c *Client) fail(parent, callCtx context.Context, resp *http.Response, err error, streaming bool) error {
	if perr := parent.Err(); perr != nil {
		if errors.Is(perr, context.DeadlineExceeded) {
			return errTimedOut.Wrap(fmt.Errorf("openai: the caller's deadline passed: %w", perr))
		}
		return errCancelled.Wrap(fmt.Errorf("openai: %w", perr))
	}
	if stopped := providerhttp.ContextError("openai", parent, callCtx, errCancelled, errTimedOut); stopped != nil {
		return stopped // the adapter's own deadlines: the caller's context is live
	}
	if resp != nil && resp.StatusCode >= 400 {
		return c.statusError(resp)
	}
	if ee, ok := errors.AsType[*eventError](err); ok {
		return c.streamEventError(ee.data)
	}
	err = providerhttp.WithoutURL(err)
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) || errors.As(err, &typeErr):
		return errBadResponse.Wrap(fmt.Errorf("openai: decode answer: %w", err))
	case resp == nil:
		return errUnavailable.Wrap(fmt.Errorf("openai: request: %w", err))
	case streaming || errors.Is(err, io.ErrUnexpectedEOF):
		return llm.ErrStreamCut.Wrap(fmt.Errorf("openai: read answer: %w", err))
	default:
		return errBadResponse.Wrap(fmt.Errorf("openai: read answer: %w", err))
	}
}

// statusError maps an HTTP error status. The body has already been read by the SDK, which put
// it back as an in-memory reader.
func (c *Client) statusError(resp *http.Response) error {
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	}
	detail := providerhttp.ParseDetail(body)
	cause := errors.New(c.redact.Redact(providerhttp.RedactTokens(fmt.Sprintf("openai: HTTP %d: %s", resp.StatusCode, detail))))
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		return llm.RateLimited(providerhttp.RetryAfterMs(resp.Header, time.Now()), cause)
	case code == http.StatusRequestTimeout || code == http.StatusConflict || code >= 500:
		return errUnavailable.Wrap(cause).WithRetryAfter(providerhttp.RetryAfterMs(resp.Header, time.Now()))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return errAuth.Wrap(cause)
	case code == http.StatusPaymentRequired:
		return errBilling.Wrap(cause)
	case code == http.StatusNotFound:
		return errNotFound.Wrap(cause)
	case contentFilter(detail):
		return errRefused.Wrap(cause)
	default:
		return errRejected.Wrap(cause)
	}
}

// streamEventError maps an error event sent in place of a chunk (OpenRouter and vLLM send them
// when generation fails midway); its code, when numeric, is an HTTP status.
func (c *Client) streamEventError(data []byte) error {
	detail := providerhttp.ParseDetail(data)
	cause := errors.New(c.redact.Redact(providerhttp.RedactTokens("openai: stream error event: " + detail.String())))
	status, _ := strconv.Atoi(detail.Code)
	switch {
	case status == http.StatusTooManyRequests || strings.Contains(detail.Code, "rate_limit"):
		return llm.RateLimited(0, cause)
	case contentFilter(detail):
		return errRefused.Wrap(cause)
	case status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusConflict:
		return errRejected.Wrap(cause)
	default:
		return errUnavailable.Wrap(cause)
	}
}

// contentFilter: the provider's moderation refused the request (OpenAI's and Azure's filters).
func contentFilter(d providerhttp.Detail) bool { return d.Mentions("content_filter", "content_policy") }
