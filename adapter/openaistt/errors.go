package openaistt

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

// The errors this adapter returns. Their messages are the only text a client can see.
var (
	errEmptyAudio  = domain.E(domain.KindInvalid, "transcription_audio_empty", "the recording is empty")
	errTooLarge    = domain.E(domain.KindInvalid, "transcription_audio_too_large", "the recording is too large to transcribe")
	errUnsupported = domain.E(domain.KindInvalid, "transcription_audio_unsupported", "the recording is of a type that cannot be transcribed")
	errUnreadable  = domain.E(domain.KindInvalid, "transcription_audio_unreadable", "the transcription service could not read the recording")
	errRejected    = domain.E(domain.KindInvalid, "transcription_rejected", "the transcription service rejected the request")
	errCancelled   = domain.E(domain.KindUnavailable, "transcription_cancelled", "the transcription was cancelled")
	errTimedOut    = domain.E(domain.KindUnavailable, "transcription_timeout", "the transcription service did not answer in time")
	errUnavailable = domain.E(domain.KindUnavailable, "transcription_unavailable", "the transcription service is unavailable")
	errBadResponse = domain.E(domain.KindUnavailable, "transcription_bad_response", "the transcription service sent an answer that cannot be used")
	errAuth        = domain.E(domain.KindInternal, "transcription_auth", "the transcription service rejected the hub's credentials")
	errQuota       = domain.E(domain.KindInternal, "transcription_quota_exceeded", "the transcription service account has used up its quota")
	errNotFound    = domain.E(domain.KindInternal, "transcription_not_found", "the transcription service does not know the model or endpoint")
	errBusy        = domain.E(domain.KindRateLimited, "transcription_rate_limited", "the transcription service is busy")
)

// errNoVerbose is a server's refusal of response_format verbose_json: Transcribe asks again
// for json.
var errNoVerbose = errors.New("openaistt: the server does not answer verbose_json")

// fail classifies a failed call. parent is the caller's context, callCtx the one with the
// adapter's Timeout; err is what send returned: classified already when the answer said what
// went wrong, a transport error otherwise.
//
// The mapping, which decides the retries:
//
//	caller's context done          unavailable transcription_cancelled / _timeout, wrapping ctx.Err()
//	the adapter's Timeout          unavailable transcription_timeout (wraps context.DeadlineExceeded)
//	no answer, broken connection   unavailable transcription_unavailable
//	429                            rate_limited transcription_rate_limited, RetryAfter from Retry-After(-Ms)
//	429 insufficient_quota         internal transcription_quota_exceeded (no wait will help)
//	408, 409, 5xx                  unavailable transcription_unavailable (RetryAfter when the service says)
//	401, 403                       internal transcription_auth
//	402, billing codes             internal transcription_quota_exceeded
//	404, unknown model             internal transcription_not_found
//	413                            invalid transcription_audio_too_large
//	400 about the file             invalid transcription_audio_unreadable (format, decoding, too short)
//	other 4xx                      invalid transcription_rejected
//	empty, oversized, garbled answer   unavailable transcription_bad_response
func (t *Transcriber) fail(parent, callCtx context.Context, err error) error {
	if stopped := providerhttp.ContextError("openaistt", parent, callCtx, errCancelled, errTimedOut); stopped != nil {
		return stopped
	}
	if domain.AsError(err) != nil {
		return err
	}
	return errUnavailable.Wrap(fmt.Errorf("openaistt: request: %w", providerhttp.WithoutURL(err)))
}

// statusError maps a status other than 2xx. The cause holds the service's words, for the log,
// with keys redacted. verbose says the request asked for verbose_json: a refusal of it is
// errNoVerbose.
func (t *Transcriber) statusError(resp *http.Response, verbose bool) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	d := providerhttp.ParseDetail(body)
	cause := errors.New(t.redact.Redact(providerhttp.RedactTokens(fmt.Sprintf("openaistt: HTTP %d: %s", resp.StatusCode, d))))
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
	case code == http.StatusRequestEntityTooLarge:
		return errTooLarge.Wrap(cause)
	case verbose && aboutFormat(d):
		return fmt.Errorf("%w: %w", errNoVerbose, cause)
	case aboutFile(d):
		return errUnreadable.Wrap(cause)
	default:
		return errRejected.Wrap(cause)
	}
}

// quota: the account cannot pay — OpenAI's insufficient_quota (sent with 429) and billing limits.
func quota(d providerhttp.Detail) bool {
	return d.Mentions("insufficient_quota", "billing_hard_limit")
}

// aboutFormat: a 4xx about response_format — OpenAI's param, or the message of a server without
// params.
func aboutFormat(d providerhttp.Detail) bool {
	return d.Param == "response_format" ||
		d.Param == "" && strings.Contains(strings.ToLower(d.Message+" "+d.Raw), "response_format")
}

// aboutFile: a 4xx about the audio — OpenAI's param "file" (another param is about something
// else), its codes, or the words of its messages ("Invalid file format", "could not be decoded",
// "too short").
func aboutFile(d providerhttp.Detail) bool {
	if d.Param != "" {
		return d.Param == "file"
	}
	if d.Mentions("audio_too_short", "invalid_file", "unsupported_file") {
		return true
	}
	m := strings.ToLower(d.Message)
	if d.Message == "" {
		m = strings.ToLower(d.Raw)
	}
	for _, w := range []string{"file format", "could not be decoded", "decode", "too short", "audio file", "invalid file"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}
