package imagesfake

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// Behaviour is how the server answers one generation request that passed validation. The zero
// value answers successfully at once; the constructors below build the failures real servers
// produce.
type Behaviour struct {
	// Status, when set and not 200, answers with an error body of that status instead of pictures.
	Status int
	// ErrorType, ErrorCode and ErrorParam override the error body's fields (the defaults follow
	// OpenAI's for the status).
	ErrorType, ErrorCode, ErrorParam string
	// RetryAfter, when set, is sent as the Retry-After header (seconds or an HTTP date).
	RetryAfter string
	// ContentPolicy refuses the prompt as OpenAI's safety system does: 400 content_policy_violation
	// for DALL·E and the other models, 400 moderation_blocked for the GPT image models.
	ContentPolicy bool
	// Delay is waited before answering (the client leaving ends the wait).
	Delay time.Duration
	// Hang never answers: the handler returns only when the client leaves or the server closes.
	Hang bool
	// Malformed answers 200 with a JSON body cut in the middle.
	Malformed bool
	// WrongContentType answers 200 with an HTML page, as a proxy or captive portal does.
	WrongContentType bool
	// ForceURL answers url even when b64_json was asked, as servers that ignore response_format do.
	ForceURL bool
	// Width and Height, when set, are drawn instead of the requested size, as servers that round
	// or ignore the size do.
	Width, Height int
	// JPEG encodes the picture as JPEG instead of PNG.
	JPEG bool
	// NotAPicture answers bytes that are no picture format in place of the picture.
	NotAPicture bool
	// Oversized answers 200 with a body of at least this many bytes, JSON holding one enormous
	// b64_json, as a runaway server could send. How much of it the server got to write is
	// recorded (OversizedWritten).
	Oversized int64
}

// Succeed answers normally; in a Script it lets one request through.
func Succeed() Behaviour { return Behaviour{} }

// Error answers with status and OpenAI's error type and code for it.
func Error(status int) Behaviour { return Behaviour{Status: status} }

// RateLimited answers 429 with a Retry-After header (e.g. "7", or an HTTP date; "" sends none).
func RateLimited(retryAfter string) Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// ContentPolicy refuses the prompt as OpenAI's safety system does.
func ContentPolicy() Behaviour { return Behaviour{ContentPolicy: true} }

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

// ForceURL answers url whatever response_format says.
func ForceURL() Behaviour { return Behaviour{ForceURL: true} }

// OtherSize draws w×h whatever the request asked.
func OtherSize(w, h int) Behaviour { return Behaviour{Width: w, Height: h} }

// JPEG answers a JPEG picture.
func JPEG() Behaviour { return Behaviour{JPEG: true} }

// NotAPicture answers bytes that are no picture.
func NotAPicture() Behaviour { return Behaviour{NotAPicture: true} }

// errorShape returns OpenAI's type, code and description for a status.
func errorShape(status int) (typ, code, msg string) {
	if status == http.StatusTooManyRequests {
		return "requests", "rate_limit_exceeded", "Rate limit reached for images per minute. Please try again later."
	}
	return fakehttp.OpenAIErrorShape(status)
}

// refusal is the error body of a content-policy refusal, by model family.
func refusal(gpt bool) (typ, code, msg string) {
	if gpt {
		return "image_generation_user_error", "moderation_blocked",
			"Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID."
	}
	return "invalid_request_error", "content_policy_violation",
		"Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system."
}
