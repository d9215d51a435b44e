package elevenlabsfake

import (
	"net/http"
	"time"
)

// Behaviour is how the server answers one speech request that passed validation (or one voices
// listing). The zero value answers successfully at once; the constructors below build the
// failures ElevenLabs produces.
type Behaviour struct {
	// Status, when set and not 200, answers with an error body of that status instead of audio.
	Status int
	// DetailStatus and Message override the error body's detail.status and detail.message (the
	// defaults follow ElevenLabs' for the status).
	DetailStatus, Message string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Delay is waited before answering (the client leaving ends the wait).
	Delay time.Duration
	// Hang never answers: the handler returns only when the client leaves or the server closes.
	Hang bool
	// Empty answers 200 audio/mpeg with no bytes.
	Empty bool
	// WrongContentType answers 200 with an HTML page, as a proxy or captive portal does.
	WrongContentType bool
	// NotAudio answers 200 audio/mpeg with bytes that are no audio format.
	NotAudio bool
}

// Succeed answers normally; in a Script it lets one request through.
func Succeed() Behaviour { return Behaviour{} }

// Error answers with status and ElevenLabs' detail for it.
func Error(status int) Behaviour { return Behaviour{Status: status} }

// RateLimited answers 429 too_many_concurrent_requests, with a Retry-After header when retryAfter
// is not empty.
func RateLimited(retryAfter string) Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// SystemBusy answers 429 system_busy, ElevenLabs' answer when it is overloaded.
func SystemBusy() Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, DetailStatus: "system_busy",
		Message: "Our services are experiencing high levels of traffic and your request could not be processed."}
}

// QuotaExceeded answers 401 quota_exceeded, as ElevenLabs does when the account's characters are
// used up.
func QuotaExceeded() Behaviour {
	return Behaviour{Status: http.StatusUnauthorized, DetailStatus: "quota_exceeded",
		Message: "This request exceeds your quota of 10000. You have 0 credits remaining, while 91 credits are required for this request."}
}

// Slow answers after d.
func Slow(d time.Duration) Behaviour { return Behaviour{Delay: d} }

// Hang never answers.
func Hang() Behaviour { return Behaviour{Hang: true} }

// Empty answers 200 audio/mpeg without a body.
func Empty() Behaviour { return Behaviour{Empty: true} }

// WrongContentType answers 200 with an HTML page.
func WrongContentType() Behaviour { return Behaviour{WrongContentType: true} }

// NotAudio answers 200 audio/mpeg with bytes that are not audio.
func NotAudio() Behaviour { return Behaviour{NotAudio: true} }

// errorShape returns ElevenLabs' detail status and message for a status.
func errorShape(status int) (detailStatus, msg string) {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request", "The request is invalid."
	case http.StatusUnauthorized:
		return "invalid_api_key", "Invalid API key"
	case http.StatusForbidden:
		return "missing_permissions", "The API key you used is missing the permission text_to_speech to execute this operation."
	case http.StatusNotFound:
		return "voice_not_found", "A voice with the voice_id you provided was not found."
	case http.StatusTooManyRequests:
		return "too_many_concurrent_requests", "Too many concurrent requests. Your current subscription is associated with a maximum of 2 concurrent requests (running in parallel)."
	default:
		if status >= 500 {
			return "internal_server_error", "An internal server error occurred."
		}
		return "error", http.StatusText(status)
	}
}
