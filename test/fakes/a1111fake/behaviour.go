package a1111fake

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// ProviderText is put in the body of every error the server answers, so tests can check that
// backend text never reaches a message meant for people.
const ProviderText = "fake backend detail 4d1f"

// Behaviour is how the server answers one txt2img request. The zero value renders normally; the
// constructors below build the failures real servers (and the proxies in front of them) produce.
type Behaviour struct {
	// Status, when set and not 200, answers at once with an error body of that status.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header (seconds or an HTTP date).
	RetryAfter string
	// Hang accepts the request and never answers, until the client leaves or the server closes.
	Hang bool
	// Malformed answers 200 with a JSON body cut in the middle.
	Malformed bool
	// NotAPicture answers 200 with a well-formed answer whose image is base64 text, not a picture.
	NotAPicture bool
	// StepDuration, when set, replaces the server's for this render.
	StepDuration time.Duration
}

// Succeed renders normally; in a Script it lets one request through.
func Succeed() Behaviour { return Behaviour{} }

// Error answers with status and the body the web UI (or a proxy in front of it) sends for it.
func Error(status int) Behaviour { return Behaviour{Status: status} }

// RateLimited answers 429, with a Retry-After header when retryAfter is not empty.
func RateLimited(retryAfter string) Behaviour {
	return Behaviour{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// Hang never answers.
func Hang() Behaviour { return Behaviour{Hang: true} }

// Malformed answers a cut JSON body.
func Malformed() Behaviour { return Behaviour{Malformed: true} }

// NotAPicture answers an image that is not one.
func NotAPicture() Behaviour { return Behaviour{NotAPicture: true} }

// Slow renders with d per sampling step.
func Slow(d time.Duration) Behaviour { return Behaviour{StepDuration: d} }

// fail answers b's error status in the shape the server or proxy in front of it uses.
func (b Behaviour) fail(w http.ResponseWriter) {
	if b.RetryAfter != "" {
		w.Header().Set("Retry-After", b.RetryAfter)
	}
	switch b.Status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		// What a reverse proxy or a hosted API says: the web UI itself never answers these.
		fakehttp.WriteJSON(w, b.Status, map[string]string{"detail": http.StatusText(b.Status) + " (" + ProviderText + ")"})
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		fakehttp.WriteJSON(w, b.Status, validationError("prompt", ProviderText))
	case http.StatusInternalServerError:
		writeError(w, b.Status, "OutOfMemoryError", "", "CUDA out of memory. Tried to allocate 2.00 GiB ("+ProviderText+")")
	default:
		writeError(w, b.Status, "HTTPException", http.StatusText(b.Status)+" ("+ProviderText+")", "")
	}
}

// validationError is FastAPI's 422 body for a field that does not validate.
func validationError(field, msg string) map[string]any {
	return map[string]any{"detail": []map[string]any{{
		"loc": []string{"body", field}, "msg": msg, "type": "type_error",
	}}}
}
