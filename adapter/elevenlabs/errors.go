package elevenlabs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
)

// The errors this adapter returns. Their messages are the only text a client can see.
var (
	errEmptyText     = domain.E(domain.KindInvalid, "speech_text_empty", "there is no text to speak")
	errTextTooLong   = domain.E(domain.KindInvalid, "speech_text_too_long", "the text is too long to speak at once")
	errNoVoice       = domain.E(domain.KindInvalid, "speech_no_voice", "no voice chosen: the companion has none and the hub sets no default")
	errVoiceNotFound = domain.E(domain.KindInvalid, "speech_voice_not_found", "the speech service has no such voice")
	errRejected      = domain.E(domain.KindInvalid, "speech_rejected", "the speech service rejected the request")
	errUnavailable   = domain.E(domain.KindUnavailable, "speech_unavailable", "the speech service is unavailable")
	errTimedOut      = domain.E(domain.KindUnavailable, "speech_timeout", "the speech service did not answer in time")
	errCancelled     = domain.E(domain.KindUnavailable, "speech_cancelled", "the speech was cancelled")
	errBadResponse   = domain.E(domain.KindUnavailable, "speech_bad_response", "the speech service sent an unusable answer")
	errBusy          = domain.E(domain.KindRateLimited, "speech_rate_limited", "the speech service is busy")
	errQuota         = domain.E(domain.KindInternal, "quota_exceeded", "the speech service account has no characters left")
	errAuth          = domain.E(domain.KindInternal, "speech_auth", "the speech service rejected the hub's credentials")
	errNotFound      = domain.E(domain.KindInternal, "speech_not_found", "the speech service does not know the model or endpoint")
)

// fail classifies a failed call. parent is the caller's context, callCtx the one with the
// adapter's Timeout; err is what speak or listVoices returned: classified already when the
// answer said what went wrong, a transport error otherwise.
//
// The mapping, which decides the retries:
//
//	caller's context done           unavailable speech_cancelled / speech_timeout, wrapping ctx.Err()
//	the adapter's Timeout           unavailable speech_timeout (wraps context.DeadlineExceeded)
//	no answer, broken connection    unavailable speech_unavailable
//	429 (too_many_concurrent_requests, system_busy, rate limits)
//	                                rate_limited speech_rate_limited, RetryAfter from Retry-After
//	408, 409, 5xx                   unavailable speech_unavailable
//	quota_exceeded (ElevenLabs answers it with 401), 402
//	                                internal quota_exceeded (no wait will help)
//	voice_not_found (400 or 404)    invalid speech_voice_not_found
//	max_character_limit_exceeded    invalid speech_text_too_long
//	401, 403 (invalid_api_key, needs_authorization, missing_permissions)
//	                                internal speech_auth
//	404, model_not_found            internal speech_not_found
//	other 4xx (422 validation)      invalid speech_rejected
//	not audio, empty, oversized     unavailable speech_bad_response
func (s *Synthesizer) fail(parent, callCtx context.Context, err error) error {
	if stopped := providerhttp.ContextError("elevenlabs", parent, callCtx, errCancelled, errTimedOut); stopped != nil {
		return stopped
	}
	if domain.AsError(err) != nil {
		return err
	}
	return errUnavailable.Wrap(fmt.Errorf("elevenlabs: request: %w", providerhttp.WithoutURL(err)))
}

// detail is what ElevenLabs said about an error: {"detail": {"status", "message"}}, a list of
// validation errors {"detail": [{"type", "loc", "msg"}]}, or {"detail": "…"}.
type detail struct {
	Status, Message string
	Raw             string // the body as valid UTF-8, cut after 300 bytes
}

func parseDetail(body []byte) detail {
	raw := strings.ToValidUTF8(string(body), "\uFFFD")
	if len(raw) > 300 {
		raw = strings.ToValidUTF8(raw[:300], "") + "…"
	}
	d := detail{Raw: raw}
	var v struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) != nil || len(v.Detail) == 0 {
		return d
	}
	var obj struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	var list []struct {
		Type string `json:"type"`
		Msg  string `json:"msg"`
		Loc  []any  `json:"loc"`
	}
	switch {
	case json.Unmarshal(v.Detail, &obj) == nil:
		d.Status, d.Message = obj.Status, obj.Message
	case json.Unmarshal(v.Detail, &list) == nil && len(list) > 0:
		d.Status, d.Message = "validation_error", fmt.Sprintf("%v: %s (%s)", list[0].Loc, list[0].Msg, list[0].Type)
	default:
		_ = json.Unmarshal(v.Detail, &d.Message)
	}
	return d
}

func (d detail) String() string {
	if d.Status == "" && d.Message == "" {
		return fmt.Sprintf("body %q", d.Raw)
	}
	return fmt.Sprintf("status=%q message=%q", d.Status, d.Message)
}

// statusError maps a status other than 200. The cause holds the service's words, for the log,
// with keys redacted.
func (s *Synthesizer) statusError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	d := parseDetail(body)
	cause := errors.New(s.redact.Redact(providerhttp.RedactTokens(fmt.Sprintf("elevenlabs: HTTP %d: %s", resp.StatusCode, d))))
	status := strings.ToLower(d.Status)
	switch code := resp.StatusCode; {
	case code < 400:
		return errBadResponse.Wrap(cause)
	case code == http.StatusTooManyRequests:
		return errBusy.Wrap(cause).WithRetryAfter(providerhttp.RetryAfter(resp.Header, time.Now()))
	case code == http.StatusRequestTimeout || code == http.StatusConflict || code >= 500:
		return errUnavailable.Wrap(cause).WithRetryAfter(providerhttp.RetryAfter(resp.Header, time.Now()))
	case strings.Contains(status, "quota") || code == http.StatusPaymentRequired:
		return errQuota.Wrap(cause)
	case strings.Contains(status, "voice_not_found"):
		return errVoiceNotFound.Wrap(cause)
	case strings.Contains(status, "character_limit") || strings.Contains(status, "too_long"):
		return errTextTooLong.Wrap(cause)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return errAuth.Wrap(cause)
	case code == http.StatusNotFound || strings.Contains(status, "model"):
		return errNotFound.Wrap(cause)
	default:
		return errRejected.Wrap(cause)
	}
}
