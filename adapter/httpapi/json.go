package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"

	"github.com/companionhub/companionhub/domain"
)

// decodeJSON reads exactly one JSON object into dst. Unknown fields are refused, so a typo in a field
// name is a clear 400 instead of a silently ignored setting; every refused field is reported at
// once (decodeStrict).
func decodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return domain.E(domain.KindInvalid, reasonUnsupportedMedia, "send the body as application/json")
		}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return readError(err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return domain.E(domain.KindInvalid, "empty_body", "the request body is empty; send a JSON object")
	}
	return decodeStrict(data, dst)
}

// decodeFields is decodeJSON for a use case that reports the body's refused members together with
// its own checks of the rest: a body that reads as an object fills dst with its acceptable members
// and returns the refused ones; anything else (not JSON, too large, not an object) is err.
func decodeFields(r *http.Request, dst any) ([]domain.FieldViolation, error) {
	err := decodeJSON(r, dst)
	if err == nil {
		return nil, nil
	}
	if e := domain.AsError(err); e != nil && e.Reason == "validation_failed" {
		if v := domain.Violations(err); len(v) > 0 && v[0].Field != "body" {
			return v, nil
		}
	}
	return nil, err
}

// jsonError classifies what encoding/json refused, in the client's terms.
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
		return domain.Invalid(domain.Violation(fieldName(typ.Field), "type", "must be "+jsonKind(typ.Type)))
	default:
		return domain.E(domain.KindInvalid, "malformed_json", "the body is not valid JSON")
	}
}

// jsonKind names what JSON value a Go type reads, for messages: never a Go type name.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "of another type"
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
