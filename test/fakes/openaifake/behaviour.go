package openaifake

import (
	"net/http"
	"time"
)

// Behaviour is how the server answers one chat request. The zero value answers successfully at
// once; the constructors below build the failures real providers produce.
type Behaviour struct {
	// Status, when set and not 200, answers with an error body of that status instead of a reply.
	Status int
	// ErrorType and ErrorCode override the error body's type and code (defaults follow OpenAI's
	// for the status).
	ErrorType, ErrorCode string
	// RetryAfter, when set, is sent as the Retry-After header (seconds or an HTTP date).
	RetryAfter string
	// FirstTokenDelay is waited before the first chunk of a stream (after the response headers,
	// as a server busy with the prompt does), or before a non-streamed answer.
	FirstTokenDelay time.Duration
	// TokensPerSecond paces tokens (0: as fast as possible). A non-streamed answer waits as long as
	// its stream would have taken.
	TokensPerSecond float64
	// Cut closes the connection after CutAfter tokens, without finish_reason or [DONE]; a
	// non-streamed answer is cut in the middle of its body.
	Cut      bool
	CutAfter int
	// Truncate ends the response in good order after CutAfter tokens, but without finish_reason
	// or [DONE], as a proxy that gave up on its upstream does; a non-streamed answer's body ends
	// midway (with a matching Content-Length).
	Truncate bool
	// StreamError sends an error event ({"error":{…}}) after CutAfter tokens and ends the stream,
	// as OpenRouter does when an upstream provider fails midway.
	StreamError bool
	// SplitUTF8 sends every token holding a multi-byte character in two chunks, split inside the
	// character, as byte-level tokenizers (llama.cpp) can. The chunks hold raw partial UTF-8.
	SplitUTF8 bool
	// FinishReason replaces "stop" (e.g. "length", "content_filter").
	FinishReason string
	// Reply replaces the server's reply for this answer.
	Reply string
	// Hang never answers — no status, no headers — as a server stuck before the model starts:
	// the handler returns only when the client leaves or the server closes.
	Hang bool
	// Malformed answers 200 with a body that is not the API's JSON, though whole: a stream whose
	// chunk is not JSON (then [DONE]), or a whole answer that is not, under a matching
	// Content-Length.
	Malformed bool
	// WrongContentType answers 200 with an HTML page, as a proxy or captive portal does.
	WrongContentType bool
	// Oversized answers 200 with a reply of at least this many bytes: one stream chunk (a single
	// line) or one whole answer that size, as a runaway server could send — or, with Status, an
	// error body that size. How much of it the server got to write is recorded
	// (OversizedWritten).
	Oversized int64
}

// Succeed answers normally; in a Script it lets one request through.
func Succeed() Behaviour { return Behaviour{} }

// Error answers with status and OpenAI's error type and code for it.
func Error(status int) Behaviour { return Behaviour{Status: status} }

// RateLimited answers 429 with a Retry-After header (e.g. "7", or an HTTP date).
func RateLimited(retryAfter string) Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// CutAfter closes the connection after n tokens.
func CutAfter(n int) Behaviour { return Behaviour{Cut: true, CutAfter: n} }

// TruncateAfter ends the response cleanly, but unfinished, after n tokens.
func TruncateAfter(n int) Behaviour { return Behaviour{Truncate: true, CutAfter: n} }

// StreamErrorAfter sends an error event after n tokens.
func StreamErrorAfter(n int) Behaviour { return Behaviour{StreamError: true, CutAfter: n} }

// SlowFirstToken waits d before the first token.
func SlowFirstToken(d time.Duration) Behaviour { return Behaviour{FirstTokenDelay: d} }

// Paced sends tps tokens per second.
func Paced(tps float64) Behaviour { return Behaviour{TokensPerSecond: tps} }

// SplitUTF8 splits multi-byte characters across chunks.
func SplitUTF8() Behaviour { return Behaviour{SplitUTF8: true} }

// Hang never answers.
func Hang() Behaviour { return Behaviour{Hang: true} }

// Malformed answers a body that is not the API's JSON.
func Malformed() Behaviour { return Behaviour{Malformed: true} }

// WrongContentType answers 200 with an HTML page.
func WrongContentType() Behaviour { return Behaviour{WrongContentType: true} }

// Oversized answers a reply of at least n bytes in one chunk or one whole answer.
func Oversized(n int64) Behaviour { return Behaviour{Oversized: n} }

// ContentFilter ends the reply with finish_reason "content_filter", as OpenAI and Azure do when
// their moderation stops a completion.
func ContentFilter() Behaviour { return Behaviour{FinishReason: "content_filter"} }

// errorShape returns OpenAI's type, code and description for a status.
func errorShape(status int) (typ, code, msg string) {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error", "invalid_value", "Invalid value in request."
	case http.StatusUnauthorized:
		return "invalid_request_error", "invalid_api_key", "Incorrect API key provided."
	case http.StatusForbidden:
		return "invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported."
	case http.StatusNotFound:
		return "invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."
	case http.StatusUnprocessableEntity:
		return "invalid_request_error", "unprocessable_entity", "The request could not be processed."
	case http.StatusTooManyRequests:
		return "requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later."
	case http.StatusServiceUnavailable:
		return "server_error", "engine_overloaded", "The engine is currently overloaded, please try again later."
	default:
		if status >= 500 {
			return "server_error", "", "The server had an error while processing your request. Sorry about that!"
		}
		return "invalid_request_error", "", http.StatusText(status)
	}
}
