package httpapi

import (
	"net/http"
)

// openAIError is OpenAI's error shape, which OpenAI clients show their users:
// {"error":{"message","type","param","code"}}.
type openAIError struct {
	Error openAIErrorPayload `json:"error"`
}

type openAIErrorPayload struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// openAITypes are OpenAI's error types by status.
var openAITypes = map[int]string{
	http.StatusBadRequest:            "invalid_request_error",
	http.StatusUnauthorized:          "authentication_error",
	http.StatusForbidden:             "permission_error",
	http.StatusNotFound:              "not_found_error",
	http.StatusConflict:              "conflict_error",
	http.StatusRequestEntityTooLarge: "invalid_request_error",
	http.StatusUnprocessableEntity:   "invalid_request_error",
	http.StatusTooManyRequests:       "rate_limit_error",
}

// writeOpenAIError answers err as the API would (status, Retry-After, WWW-Authenticate), in
// OpenAI's shape — what writeError does for every path under /v1 — the code being the API's
// reason (its kind when it has none) and the param the first field at fault.
func writeOpenAIError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := describeError(w, r, err)
	writeJSON(w, status, openAIErrorOf(status, body))
}

func openAIErrorOf(status int, body errorBody) openAIError {
	typ, ok := openAITypes[status]
	if !ok {
		typ = "server_error"
	}
	e := openAIErrorPayload{Message: body.Error.Message, Type: typ, Code: body.Error.Code}
	if body.Error.Details.Reason != "" {
		e.Code = body.Error.Details.Reason
	}
	if f := body.Error.Details.Fields; len(f) > 0 {
		param := f[0].Field
		e.Param = &param
		e.Message += ": " + f[0].Message
	}
	return openAIError{Error: e}
}
