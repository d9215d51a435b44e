package ntfyfake

import (
	"net/http"
	"time"
)

// Behaviour is how the server answers one publication that passed its checks. The zero value
// publishes at once; the constructors below build the failures real servers (and the proxies in
// front of them) produce.
type Behaviour struct {
	// Status, when set and not 200, answers ntfy's error body with that status instead of
	// publishing: its own code and text for the statuses ntfy answers (429 42901, 403 40301, 500
	// 50001, …), else code status×100+1 and the status's text.
	Status int
	// Detail replaces the error text. A server or proxy may quote anything there, so tests put
	// secrets in it to check that they never reach an error.
	Detail string
	// RetryAfter, when set, is sent as the Retry-After header (ntfy sends none; proxies may).
	RetryAfter string
	// Page answers 200 with an HTML page instead of the message, as a proxy or captive portal does.
	Page bool
	// Delay is waited before answering (the client leaving ends the wait).
	Delay time.Duration
	// Hang never answers: the handler returns only when the client leaves or the server closes.
	Hang bool
}

// Succeed publishes; in a Script it lets one request through.
func Succeed() Behaviour { return Behaviour{} }

// Fail answers status with ntfy's error body for it.
func Fail(status int) Behaviour { return Behaviour{Status: status} }

// RateLimited answers 429 42901, with a Retry-After header when retryAfter is set (a proxy's).
func RateLimited(retryAfter string) Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// Page answers 200 with an HTML page.
func Page() Behaviour { return Behaviour{Page: true} }

// Slow publishes after d.
func Slow(d time.Duration) Behaviour { return Behaviour{Delay: d} }

// Hang never answers.
func Hang() Behaviour { return Behaviour{Hang: true} }
