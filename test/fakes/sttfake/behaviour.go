package sttfake

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// Behaviour is how the server answers one transcription request that passed validation. The zero
// value answers successfully at once; the constructors below build the failures real servers
// produce.
type Behaviour struct {
	// Status, when set and not 200, answers with an error body of that status instead of a
	// transcript.
	Status int
	// ErrorType, ErrorCode and ErrorParam override the error body's fields (the defaults follow
	// OpenAI's for the status).
	ErrorType, ErrorCode, ErrorParam string
	// RetryAfter, when set, is sent as the Retry-After header (seconds or an HTTP date).
	RetryAfter string
	// Delay is waited before answering (the client leaving ends the wait).
	Delay time.Duration
	// Hang never answers: the handler returns only when the client leaves or the server closes.
	Hang bool
	// EmptyBody answers 200 with a JSON Content-Type and no bytes.
	EmptyBody bool
	// Garbled answers 200 with JSON cut short.
	Garbled bool
	// HTML answers 200 with an HTML page, as a proxy or captive portal does.
	HTML bool
	// PlainJSON answers {"text"} only, whatever response_format asked, as servers without
	// verbose_json do.
	PlainJSON bool
}

// Succeed answers normally; in a Script it lets one request through.
func Succeed() Behaviour { return Behaviour{} }

// Error answers with status and OpenAI's error type and code for it.
func Error(status int) Behaviour { return Behaviour{Status: status} }

// RateLimited answers 429 rate_limit_exceeded with a Retry-After header (e.g. "7", or an HTTP
// date; "" sends none).
func RateLimited(retryAfter string) Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// QuotaExceeded answers 429 insufficient_quota, as OpenAI does when the account's credit is used
// up: no wait helps.
func QuotaExceeded() Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, ErrorType: "insufficient_quota", ErrorCode: "insufficient_quota"}
}

// Slow answers after d.
func Slow(d time.Duration) Behaviour { return Behaviour{Delay: d} }

// Hang never answers.
func Hang() Behaviour { return Behaviour{Hang: true} }

// EmptyBody answers 200 with nothing.
func EmptyBody() Behaviour { return Behaviour{EmptyBody: true} }

// Garbled answers 200 with broken JSON.
func Garbled() Behaviour { return Behaviour{Garbled: true} }

// HTML answers 200 with an HTML page.
func HTML() Behaviour { return Behaviour{HTML: true} }

// PlainJSON answers {"text"} whatever format was asked.
func PlainJSON() Behaviour { return Behaviour{PlainJSON: true} }

// errorShape returns OpenAI's type, code and description for a status.
func errorShape(status int, code string) (typ, defaultCode, msg string) {
	switch {
	case status == http.StatusTooManyRequests && code == "insufficient_quota":
		return "insufficient_quota", "insufficient_quota",
			"You exceeded your current quota, please check your plan and billing details."
	case status == http.StatusBadRequest:
		return "invalid_request_error", "", "Audio file could not be decoded or its format is not supported."
	case status == http.StatusRequestEntityTooLarge:
		return "server_error", "", "Maximum content size limit (26214400) exceeded."
	}
	return fakehttp.OpenAIErrorShape(status)
}
