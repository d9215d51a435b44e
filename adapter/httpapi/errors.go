package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// statusByKind is the one table that maps error kinds to HTTP statuses.
var statusByKind = map[domain.Kind]int{
	domain.KindInvalid:         http.StatusBadRequest,
	domain.KindUnauthenticated: http.StatusUnauthorized,
	domain.KindForbidden:       http.StatusForbidden,
	domain.KindNotFound:        http.StatusNotFound,
	domain.KindConflict:        http.StatusConflict,
	domain.KindRateLimited:     http.StatusTooManyRequests,
	domain.KindUnavailable:     http.StatusServiceUnavailable,
	domain.KindInternal:        http.StatusInternalServerError,
}

// statusByReason refines the table for the few reasons HTTP has a more precise status for.
var statusByReason = map[string]int{
	reasonBodyTooLarge:       http.StatusRequestEntityTooLarge,
	reasonHeadersTooLarge:    http.StatusRequestHeaderFieldsTooLarge,
	reasonUnsupportedMedia:   http.StatusUnsupportedMediaType,
	reasonMethodNotAllowed:   http.StatusMethodNotAllowed,
	"idempotency_key_reused": http.StatusUnprocessableEntity,
}

// sameReason gives one reason to refusals that mean the same to a client whichever layer noticed:
// an upload is too large whether the body limit or the image pipeline's own limit caught it. The
// message (which limit) is kept.
var sameReason = map[string]string{
	"image_too_large": reasonBodyTooLarge,
}

const (
	reasonBodyTooLarge     = "body_too_large"
	reasonHeadersTooLarge  = "headers_too_large"
	reasonUnsupportedMedia = "unsupported_media_type"
	reasonMethodNotAllowed = "method_not_allowed"
)

// errorBody is the stable error shape: {"error":{"code","message","details"}}.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Details errorDetails `json:"details"`
}

type errorDetails struct {
	Reason            string           `json:"reason,omitempty"`
	Fields            []fieldViolation `json:"fields,omitempty"`
	RetryAfterSeconds int              `json:"retry_after_seconds,omitempty"`
	Hints             []string         `json:"hints,omitempty"`
	RequestID         string           `json:"request_id,omitempty"`
}

type fieldViolation struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// genericMessages are what clients read for errors whose own text is not theirs to see.
var genericMessages = map[domain.Kind]string{
	domain.KindInternal:    "something went wrong on our side",
	domain.KindUnavailable: "the service is temporarily unavailable; try again shortly",
}

// writeError answers with err mapped through the table. Only the client-safe parts of a domain error
// are sent; causes (driver or provider text) never leave the server. Logging is the use-case
// decorator's job, except for errors that arise in this adapter, which the caller logs.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := describeError(w, r, err)
	if strings.HasPrefix(r.URL.Path, "/v1/") { // the OpenAI-compatible endpoint: OpenAI's shape, whatever refused it
		writeJSON(w, status, openAIErrorOf(status, body))
		return
	}
	writeJSON(w, status, body)
}

// describeError is the status and body of err's answer, with its headers set on w (Retry-After,
// WWW-Authenticate): the API's shape, which the OpenAI-compatible endpoint restates in OpenAI's.
func describeError(w http.ResponseWriter, r *http.Request, err error) (int, errorBody) {
	kind := domain.KindOf(err)
	status := statusByKind[kind]
	body := errorBody{Error: errorPayload{Code: kind.String()}}
	body.Error.Details.RequestID = requestIDFrom(r.Context())
	if e := domain.AsError(err); e != nil {
		body.Error.Message = e.Message
		body.Error.Details.Reason = e.Reason
		if same, ok := sameReason[e.Reason]; ok {
			body.Error.Details.Reason = same
		}
		body.Error.Details.Hints = e.Hints
		for _, f := range domain.Violations(err) {
			body.Error.Details.Fields = append(body.Error.Details.Fields, fieldViolation(f))
		}
		if s, ok := statusByReason[body.Error.Details.Reason]; ok {
			status = s
		}
		if e.RetryAfter > 0 {
			secs := int((e.RetryAfter + time.Second - 1) / time.Second)
			body.Error.Details.RetryAfterSeconds = secs
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
	}
	if msg, ok := genericMessages[kind]; ok {
		body.Error.Message = msg
		body.Error.Details = errorDetails{RequestID: body.Error.Details.RequestID,
			RetryAfterSeconds: body.Error.Details.RetryAfterSeconds, Reason: safeReason(err)}
	}
	if body.Error.Message == "" {
		body.Error.Message = http.StatusText(status)
	}
	if kind == domain.KindUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="companionhub"`)
	}
	return status, body
}

// safeReason keeps a reason for server-side errors only when it was set deliberately by our code.
func safeReason(err error) string {
	var e *domain.Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Reason
	}
	return ""
}
