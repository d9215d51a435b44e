package openaispeech

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
	"github.com/companionhub/companionhub/usecase/voice"
)

// The errors this adapter returns. Their messages are the only text a client can see; the reasons
// of the ones the tones share (speech_text_empty, speech_text_too_long, speech_cancelled,
// speech_timeout) are theirs, and unusable audio is the voice use case's own ErrUnusableAudio.
var (
	errEmptyText    = domain.E(domain.KindInvalid, "speech_text_empty", "there is no text to speak")
	errTextTooLong  = domain.E(domain.KindInvalid, "speech_text_too_long", "the text is too long to speak at once")
	errCancelled    = domain.E(domain.KindUnavailable, "speech_cancelled", "the speech was cancelled")
	errTimedOut     = domain.E(domain.KindUnavailable, "speech_timeout", "the speech service did not answer in time")
	errUnavailable  = domain.E(domain.KindUnavailable, "speech_unavailable", "the speech service is unavailable")
	errBadResponse  = voice.ErrUnusableAudio
	errRejected     = domain.E(domain.KindInvalid, "speech_rejected", "the speech service rejected the request")
	errUnknownVoice = domain.E(domain.KindInvalid, "unknown_voice", "the speech service has no such voice")
	errAuth         = domain.E(domain.KindInternal, "speech_auth", "the speech service rejected the hub's credentials")
	errQuota        = domain.E(domain.KindInternal, "speech_quota_exceeded", "the speech service account has used up its quota")
	errNotFound     = domain.E(domain.KindInternal, "speech_not_found", "the speech service does not know the model or endpoint")
	errBusy         = domain.E(domain.KindRateLimited, "speech_rate_limited", "the speech service is busy")
)

// fail classifies a failed call. parent is the caller's context, callCtx the one with the
// adapter's Timeout; err is what speak returned: classified already when the answer said what
// went wrong, a transport error otherwise.
//
// The mapping, which decides the retries:
//
//	caller's context done          unavailable speech_cancelled / speech_timeout, wrapping ctx.Err()
//	the adapter's Timeout          unavailable speech_timeout (wraps context.DeadlineExceeded)
//	no answer, broken connection   unavailable speech_unavailable
//	429                            rate_limited speech_rate_limited, RetryAfter from Retry-After(-Ms)
//	429 insufficient_quota         internal speech_quota_exceeded (no wait will help)
//	408, 409, 5xx                  unavailable speech_unavailable (RetryAfter when the service says)
//	401, 403                       internal speech_auth
//	402, billing codes             internal speech_quota_exceeded
//	404, unknown model             internal speech_not_found
//	400 about the voice            invalid unknown_voice
//	other 4xx                      invalid speech_rejected
//	empty, oversized, not MP3/WAV/Ogg answer   unavailable unusable_audio (voice.ErrUnusableAudio)
func (s *Synthesizer) fail(parent, callCtx context.Context, err error) error {
	if stopped := providerhttp.ContextError("openaispeech", parent, callCtx, errCancelled, errTimedOut); stopped != nil {
		return stopped
	}
	if domain.AsError(err) != nil {
		return err
	}
	return errUnavailable.Wrap(fmt.Errorf("openaispeech: request: %w", providerhttp.WithoutURL(err)))
}

// statusError maps a status other than 2xx. The cause holds the service's words, for the log,
// with keys redacted.
func (s *Synthesizer) statusError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	d := providerhttp.ParseDetail(body)
	cause := errors.New(s.redact.Redact(providerhttp.RedactTokens(fmt.Sprintf("openaispeech: HTTP %d: %s", resp.StatusCode, d))))
	switch code := resp.StatusCode; {
	case code < 400:
		return errBadResponse.Wrap(cause)
	case code == http.StatusTooManyRequests && quota(d):
		return errQuota.Wrap(cause)
	case code == http.StatusTooManyRequests:
		return errBusy.Wrap(cause).WithRetryAfter(providerhttp.RetryAfterMs(resp.Header, time.Now()))
	case code == http.StatusRequestTimeout || code == http.StatusConflict || code >= 500:
		return errUnavailable.Wrap(cause).WithRetryAfter(providerhttp.RetryAfterMs(resp.Header, time.Now()))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return errAuth.Wrap(cause)
	case code == http.StatusPaymentRequired || quota(d):
		return errQuota.Wrap(cause)
	case code == http.StatusNotFound || d.Code == "model_not_found" || d.Param == "model":
		return errNotFound.Wrap(cause)
	case aboutVoice(d):
		return errUnknownVoice.Wrap(cause)
	default:
		return errRejected.Wrap(cause)
	}
}

// quota: the account cannot pay — OpenAI's insufficient_quota (sent with 429) and billing limits.
func quota(d providerhttp.Detail) bool {
	return d.Mentions("insufficient_quota", "billing_hard_limit")
}

// aboutVoice: a 4xx that names the voice — OpenAI's param "voice", or the message of a server
// without params (Kokoro-FastAPI's "Voice 'x' not found").
func aboutVoice(d providerhttp.Detail) bool {
	return d.Param == "voice" || d.Param == "" && strings.Contains(strings.ToLower(d.Message+" "+d.Raw), "voice")
}
