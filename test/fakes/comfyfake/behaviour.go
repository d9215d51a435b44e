package comfyfake

import "net/http"

// Behaviour is how the server handles one POST /prompt. The zero value validates the graph,
// queues it and renders it; the constructors below build the failures a real ComfyUI (or a proxy
// in front of one) produces.
type Behaviour struct {
	// Status, when set and not 200, answers /prompt with that status and a plain-text body instead
	// of queueing, as a proxy or a crashed server does.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header of that answer.
	RetryAfter string
	// Hang runs the prompt up to its sampler's first step, then never finishes it: no more
	// progress, no history, until /interrupt names it (or interrupts globally) or the server
	// closes. A graph without a KSampler does not hang.
	Hang bool
	// ExecutionError makes the sampler fail after its first step with this Python exception type
	// (e.g. "torch.OutOfMemoryError", "RuntimeError"): an execution_error message, and a history
	// whose status is "error".
	ExecutionError string
	// NoImages finishes successfully with no images in the history's outputs, as a workflow whose
	// output node saved nothing does.
	NoImages bool
	// DropSocket closes the client's WebSocket after the first progress message; the render goes
	// on, and only /history tells when it ends.
	DropSocket bool
}

// Succeed renders normally; in a Script it lets one prompt through.
func Succeed() Behaviour { return Behaviour{} }

// Error answers /prompt with status (500, 502, 401…).
func Error(status int) Behaviour { return Behaviour{Status: status} }

// RateLimited answers /prompt 429 with a Retry-After header (e.g. "7"), as hosted ComfyUI
// services and rate-limiting proxies do.
func RateLimited(retryAfter string) Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// Hang stops the prompt after the sampler's first step, until it is interrupted.
func Hang() Behaviour { return Behaviour{Hang: true} }

// ExecutionError fails the render with a Python exception of that type.
func ExecutionError(exceptionType string) Behaviour {
	return Behaviour{ExecutionError: exceptionType}
}

// NoImages finishes without an image.
func NoImages() Behaviour { return Behaviour{NoImages: true} }

// DropSocket closes the client's WebSocket midway through the render.
func DropSocket() Behaviour { return Behaviour{DropSocket: true} }
