package openaiembed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
)

// The errors this adapter returns. Their messages are the only text a client can see; the reasons
// of the ones hashembed shares (embedding_text_empty, embedding_cancelled, embedding_timeout) are
// its.
var (
	errNoText        = domain.E(domain.KindInvalid, "embedding_text_empty", "a text to embed is blank")
	errUnavailable   = domain.E(domain.KindUnavailable, "embedding_unavailable", "the embeddings service is unavailable")
	errTimedOut      = domain.E(domain.KindUnavailable, "embedding_timeout", "the embeddings service did not answer in time")
	errCancelled     = domain.E(domain.KindUnavailable, "embedding_cancelled", "the embedding was cancelled")
	errBadResponse   = domain.E(domain.KindUnavailable, "embedding_bad_response", "the embeddings service sent an unusable answer")
	errRejected      = domain.E(domain.KindInvalid, "embedding_rejected", "the embeddings service rejected the texts")
	errAuth          = domain.E(domain.KindInternal, "embedding_auth", "the embeddings service rejected the hub's credentials")
	errBilling       = domain.E(domain.KindInternal, "embedding_billing", "the embeddings service account cannot pay for embeddings")
	errNotFound      = domain.E(domain.KindInternal, "embedding_not_found", "the embeddings service does not know the model or endpoint")
	errNotEmbeddings = domain.E(domain.KindInternal, "embedding_unsupported", "the embeddings model or server does not make embeddings")
	errBusy          = domain.E(domain.KindRateLimited, "embedding_rate_limited", "the embeddings service is busy")
)

// fail classifies a failed request. parent is the caller's context, callCtx the one with the
// adapter's Timeout; err is what request returned: classified already when the answer said what
// went wrong, a transport error otherwise.
//
// The mapping, which decides the retries:
//
//	caller's context done          unavailable embedding_cancelled / embedding_timeout, wrapping ctx.Err()
//	the adapter's Timeout          unavailable embedding_timeout (wraps context.DeadlineExceeded)
//	no answer, broken connection   unavailable embedding_unavailable
//	429                            rate_limited embedding_rate_limited, RetryAfter from Retry-After(-Ms)
//	429 insufficient_quota         internal embedding_billing (no wait will help)
//	408, 409, 5xx                  unavailable embedding_unavailable (RetryAfter when sent)
//	501, "does not support         internal embedding_unsupported (a chat model, or llama.cpp's
//	embeddings"                    server without --embeddings: no retry will help)
//	401, 403 / 402 / 404           internal embedding_auth / embedding_billing / embedding_not_found
//	400 billing, unknown model     internal embedding_billing / embedding_not_found
//	other 4xx                      invalid embedding_rejected (a text too long for the model, …)
//	unreadable or unusable answer  unavailable embedding_bad_response (not JSON, too large, a
//	                               vector missing, misplaced, of another length, or all zero)
func (e *Embedder) fail(parent, callCtx context.Context, err error) error {
	if stopped := providerhttp.ContextError("openaiembed", parent, callCtx, errCancelled, errTimedOut); stopped != nil {
		return stopped
	}
	if domain.AsError(err) != nil {
		return err
	}
	return errUnavailable.Wrap(fmt.Errorf("openaiembed: request: %w", providerhttp.WithoutURL(err)))
}

// statusError maps a status other than 2xx. The cause holds the service's words, for the log,
// with keys redacted.
func (e *Embedder) statusError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	d := providerhttp.ParseDetail(body)
	cause := errors.New(e.redact.Redact(providerhttp.RedactTokens(fmt.Sprintf("openaiembed: HTTP %d: %s", resp.StatusCode, d))))
	switch code := resp.StatusCode; {
	case code < 400:
		return errBadResponse.Wrap(cause)
	case code == http.StatusTooManyRequests && d.Code == "insufficient_quota":
		return errBilling.Wrap(cause)
	case code == http.StatusTooManyRequests:
		return errBusy.Wrap(cause).WithRetryAfter(providerhttp.RetryAfterMs(resp.Header, time.Now()))
	case code == http.StatusNotImplemented || unsupported(d):
		return errNotEmbeddings.Wrap(cause)
	case code == http.StatusRequestTimeout || code == http.StatusConflict || code >= 500:
		return errUnavailable.Wrap(cause).WithRetryAfter(providerhttp.RetryAfterMs(resp.Header, time.Now()))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return errAuth.Wrap(cause)
	case code == http.StatusPaymentRequired || d.Code == "billing_hard_limit_reached" || d.Code == "insufficient_quota":
		return errBilling.Wrap(cause)
	case code == http.StatusNotFound || d.Code == "model_not_found" || d.Param == "model":
		return errNotFound.Wrap(cause)
	default:
		return errRejected.Wrap(cause)
	}
}

// unsupported: the server says the model makes no embeddings — Ollama given a chat model ("this
// model does not support embeddings"), llama.cpp's server started without --embeddings ("This
// server does not support embeddings"), both with 501 in current versions and 400 or 500 in
// older ones.
func unsupported(d providerhttp.Detail) bool {
	return strings.Contains(strings.ToLower(d.Message), "does not support embeddings")
}
