package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/companionhub/companionhub/domain"
)

// decodeJSON reads exactly one JSON object into dst. Unknown fields are refused, so a typo in a field
// name is a clear 400 instead of a silently ignored setting.
func decodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return domain.E(domain.KindInvalid, reasonUnsupportedMedia, "send the body as application/json")
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return domain.E(domain.KindInvalid, "malformed_json", "the body must hold a single JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return domain.E(domain.KindInvalid, reasonBodyTooLarge, "the request body is too large")
	case errors.Is(err, io.EOF):
		return domain.E(domain.KindInvalid, "empty_body", "the request body is empty; send a JSON object")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.E(domain.KindInvalid, "malformed_json", "the body is not valid JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return domain.Invalid(domain.Violation(field, "type", "must be of type "+typ.Type.String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return domain.Invalid(domain.Violation(name, "unknown_field", "this field is not accepted here"))
	default:
		return domain.E(domain.KindInvalid, "malformed_json", "the body is not valid JSON")
	}
}

// writeJSON answers with v as JSON. Encoding errors after the header is sent can only be dropped.
// <, > and & are not escaped: responses are application/json with nosniff, never rendered as HTML,
// and card data a client reads and sends back must come back as it was, not six times longer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
