package speechfake

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// Behaviour is how the server answers one speech request that passed validation. The zero value
// answers successfully at once; the constructors below build the failures real servers produce.
type Behaviour struct {
	// Status, when set and not 200, answers with an error body of that status instead of audio.
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
	// WrongContentType answers 200 with an HTML page, as a proxy or captive portal does.
	WrongContentType bool
	// EmptyBody answers 200 with the format's Content-Type and no bytes.
	EmptyBody bool
	// NotAudio answers 200 with the format's Content-Type and bytes that are no audio format.
	NotAudio bool
	// Format, when set, is the format answered whatever response_format asked, as servers that
	// ignore it do.
	Format string
	// Oversized answers 200 with a body of at least this many bytes under the format's
	// Content-Type — the recording, over and over — as a runaway server could send. How much of
	// it the server got to write is recorded (OversizedWritten).
	Oversized int64
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

// WrongContentType answers 200 with an HTML page.
func WrongContentType() Behaviour { return Behaviour{WrongContentType: true} }

// EmptyBody answers 200 with no audio.
func EmptyBody() Behaviour { return Behaviour{EmptyBody: true} }

// NotAudio answers bytes that are no audio under an audio Content-Type.
func NotAudio() Behaviour { return Behaviour{NotAudio: true} }

// Oversized answers a body of at least n bytes.
func Oversized(n int64) Behaviour { return Behaviour{Oversized: n} }

// OtherFormat answers format (one of Formats) whatever was asked.
func OtherFormat(format string) Behaviour { return Behaviour{Format: format} }

// errorShape returns OpenAI's type, code and description for a status.
func errorShape(status int, code string) (typ, defaultCode, msg string) {
	if status == http.StatusTooManyRequests && code == "insufficient_quota" {
		return "insufficient_quota", "insufficient_quota",
			"You exceeded your current quota, please check your plan and billing details."
	}
	return fakehttp.OpenAIErrorShape(status)
}
