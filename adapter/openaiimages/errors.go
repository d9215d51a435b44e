package openaiimages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
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
func (g *Generator) fail(parent, callCtx context.Context, err error) error {
	if parent.Err() != nil {
		return domain.ContextError(parent, errCancelled, errTimedOut)
	}
	if callCtx.Err() != nil {
		return errTimedOut.Wrap(fmt.Errorf("openaiimages: %w: %w", context.Cause(callCtx), context.DeadlineExceeded))
	}
	if domain.AsError(err) != nil {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // *url.Error quotes the URL
	}
	return errUnavailable.Wrap(fmt.Errorf("openaiimages: request: %w", err))
}

// statusError maps a status other than 2xx. The cause holds the service's words, for the log,
// with keys redacted.
func (g *Generator) statusError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	d := providerDetail(body)
	cause := errors.New(g.redact.Replace(redactTokens(fmt.Sprintf("openaiimages: HTTP %d: %s", resp.StatusCode, d))))
	switch code := resp.StatusCode; {
	case code < 400:
		return errBadResponse.Wrap(cause)
	case code == http.StatusTooManyRequests && d.Code == "insufficient_quota":
		return errBilling.Wrap(cause)
	case code == http.StatusTooManyRequests:
		return rateLimited(retryAfter(resp.Header), cause)
	case code == http.StatusRequestTimeout || code == http.StatusConflict || code >= 500:
		return errUnavailable.Wrap(cause).WithRetryAfter(retryAfter(resp.Header))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return errAuth.Wrap(cause)
	case code == http.StatusPaymentRequired || d.Code == "billing_hard_limit_reached" || d.Code == "insufficient_quota":
		return errBilling.Wrap(cause)
	case code == http.StatusNotFound || d.Code == "model_not_found" || d.Param == "model":
		return errNotFound.Wrap(cause)
	case d.refusal():
		return errRefused.Wrap(cause)
	default:
		return errRejected.Wrap(cause)
	}
}

// detail is what a service said about an error, for the log.
type detail struct {
	Message, Type, Code, Param, Raw string
}

func (d detail) String() string {
	if d.Message == "" && d.Type == "" && d.Code == "" {
		return fmt.Sprintf("body %q", d.Raw)
	}
	return fmt.Sprintf("type=%q code=%q param=%q message=%q", d.Type, d.Code, d.Param, d.Message)
}

// refusal: the service's safety system refused the prompt — OpenAI's DALL·E
// (content_policy_violation), its GPT image models (moderation_blocked), Azure's content filters.
func (d detail) refusal() bool {
	s := strings.ToLower(d.Code + " " + d.Type)
	for _, w := range []string{"content_policy", "moderation_blocked", "content_filter", "contentfilter"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// providerDetail reads the error shapes compatible servers use: OpenAI's {"error":{…}}, a plain
// {"error":"…"}, a top-level {"message","type","code"}; anything else is kept raw.
func providerDetail(body []byte) detail {
	raw := strings.ToValidUTF8(string(body), "\uFFFD")
	if len(raw) > 300 {
		raw = raw[:300] + "…"
	}
	type fields struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
		Param   json.RawMessage `json:"param"`
	}
	var v struct {
		Error json.RawMessage `json:"error"`
		fields
	}
	if json.Unmarshal(body, &v) != nil {
		return detail{Raw: raw}
	}
	var s string
	if json.Unmarshal(v.Error, &s) == nil {
		return detail{Message: s, Raw: raw}
	}
	f := v.fields
	var inner fields
	if len(v.Error) > 0 && json.Unmarshal(v.Error, &inner) == nil {
		f = inner
	}
	return detail{Message: f.Message, Type: f.Type, Code: scalar(f.Code), Param: scalar(f.Param), Raw: raw}
}

// scalar renders a field that services send as a string, a number or null.
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// retryAfter reads OpenAI's Retry-After-Ms, then Retry-After in seconds or as an HTTP date; 0
// when absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms > 0 && ms < math.MaxInt64/1e6 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 && s < math.MaxInt64/1e9 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && time.Until(t) > 0 {
		return time.Until(t)
	}
	return 0
}

// redactor removes the configured key from service text, which may quote it (OpenAI's 401 does,
// partly masked; other servers may not mask it at all).
func redactor(key string) *strings.Replacer {
	if key == "" {
		return strings.NewReplacer()
	}
	return strings.NewReplacer(key, "[REDACTED]")
}

// keyLike matches bearer credentials and common key formats, so that a key other than ours (a
// proxy's, a masked one) does not reach the log either.
var keyLike = regexp.MustCompile(`(?i)(bearer\s+\S+|\b(sk|pk|rk|nv)-[A-Za-z0-9_*.\-]{6,})`)

func redactTokens(s string) string { return keyLike.ReplaceAllString(s, "[REDACTED]") }
