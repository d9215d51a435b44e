package embedfake

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// Behaviour is how the server answers one embeddings request that passed validation. The zero
// value answers successfully at once; the constructors below build the failures real servers
// produce.
type Behaviour struct {
	// Status, when set and not 200, answers with an error body of that status instead of vectors.
	Status int
	// ErrorType, ErrorCode and ErrorParam override the error body's fields (the defaults follow
	// OpenAI's for the status, llama.cpp's for 501).
	ErrorType, ErrorCode, ErrorParam string
	// RetryAfter, when set, is sent as the Retry-After header (seconds or an HTTP date).
	RetryAfter string
	// Delay is waited before answering (the client leaving ends the wait).
	Delay time.Duration
	// Hang never answers: the handler returns only when the client leaves or the server closes.
	Hang bool
	// Malformed answers 200 with a JSON body cut in the middle.
	Malformed bool
	// WrongContentType answers 200 with an HTML page, as a proxy or captive portal does.
	WrongContentType bool
	// Reversed answers the vectors last first, each with its right index, as the API allows.
	Reversed bool
	// MissingVector leaves the last vector out of the answer.
	MissingVector bool
	// ShortVector makes the last vector one number shorter than the others.
	ShortVector bool
	// ZeroVector makes the last vector all zeros.
	ZeroVector bool
	// NoIndex leaves the index out of every vector.
	NoIndex bool
	// Oversized answers 200 with a body of at least this many bytes, a first vector that never
	// ends, as a runaway server could send. How much of it the server got to write is recorded
	// (OversizedWritten).
	Oversized int64
}

// Succeed answers normally; in a Script it lets one request through.
func Succeed() Behaviour { return Behaviour{} }

// Error answers with status and OpenAI's error type and code for it (llama.cpp's for 501).
func Error(status int) Behaviour { return Behaviour{Status: status} }

// RateLimited answers 429 with a Retry-After header (e.g. "7", or an HTTP date; "" sends none).
func RateLimited(retryAfter string) Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// Slow answers after d.
func Slow(d time.Duration) Behaviour { return Behaviour{Delay: d} }

// Hang never answers.
func Hang() Behaviour { return Behaviour{Hang: true} }

// Malformed answers a JSON body cut in the middle.
func Malformed() Behaviour { return Behaviour{Malformed: true} }

// WrongContentType answers 200 with an HTML page.
func WrongContentType() Behaviour { return Behaviour{WrongContentType: true} }

// Oversized answers a body of at least n bytes.
func Oversized(n int64) Behaviour { return Behaviour{Oversized: n} }

// Reversed answers the vectors last first, with their indexes.
func Reversed() Behaviour { return Behaviour{Reversed: true} }

// MissingVector answers one vector fewer than texts.
func MissingVector() Behaviour { return Behaviour{MissingVector: true} }

// ShortVector answers a last vector shorter than the others.
func ShortVector() Behaviour { return Behaviour{ShortVector: true} }

// ZeroVector answers a last vector of zeros.
func ZeroVector() Behaviour { return Behaviour{ZeroVector: true} }

// NoIndex answers vectors without their index.
func NoIndex() Behaviour { return Behaviour{NoIndex: true} }

// errorShape returns the type, code and description of an error status: OpenAI's, and
// llama.cpp's for 501 (its server started without --embeddings; Ollama answers the same for a
// chat model).
func errorShape(status int) (typ, code, msg string) {
	switch status {
	case http.StatusTooManyRequests:
		return "requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later."
	case http.StatusNotImplemented:
		return "not_supported_error", "", "This server does not support embeddings. Start it with `--embeddings`"
	}
	return fakehttp.OpenAIErrorShape(status)
}
