package webhookfake

import (
	"net/http"
	"time"
)

// Behaviour is how the receiver answers one delivery that passed its checks. The zero value takes
// it at once; the constructors below build the failures real receivers produce.
type Behaviour struct {
	// Status, when set and not 2xx, answers {"error":Detail} with that status instead of taking
	// the delivery.
	Status int
	// Detail is the error text of such an answer ("" : the status's text). A receiver may quote
	// anything there, so tests put secrets in it to check that they never reach an error.
	Detail string
	// RetryAfter, when set, is sent as the Retry-After header (seconds or an HTTP date).
	RetryAfter string
	// Location, with a 3xx Status, is sent as the Location header (relative to the endpoint).
	Location string
	// Delay is waited before answering (the client leaving ends the wait).
	Delay time.Duration
	// Hang never answers: the handler returns only when the client leaves or the server closes.
	Hang bool
}

// Succeed takes the delivery; in a Script it lets one request through.
func Succeed() Behaviour { return Behaviour{} }

// Fail answers status.
func Fail(status int) Behaviour { return Behaviour{Status: status} }

// RateLimited answers 429 with a Retry-After header (seconds or an HTTP date; "" sends none).
func RateLimited(retryAfter string) Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// Unavailable answers 503 with a Retry-After header ("" sends none), as a receiver in maintenance
// does.
func Unavailable(retryAfter string) Behaviour {
	return Behaviour{Status: http.StatusServiceUnavailable, RetryAfter: retryAfter}
}

// Redirect answers status (301, 302, 307, 308) pointing back at the endpoint, so that a client
// that follows redirects is seen doing so (a second request).
func Redirect(status int) Behaviour { return Behaviour{Status: status, Location: Path} }

// Slow takes the delivery after d.
func Slow(d time.Duration) Behaviour { return Behaviour{Delay: d} }

// Hang never answers.
func Hang() Behaviour { return Behaviour{Hang: true} }
