package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/companionhub/companionhub/domain"
)

// decodeStrict reads one JSON value into dst (a pointer) the way a client should be answered: every
// member dst has no field for, and every value of the wrong type, is reported at once, each under its
// full path (persona.quirks[2]) and in JSON's words ("must be a string"), never Go's. Members are
// matched to json tags exactly (encoding/json would also take "NAME" for "name"). A member named
// twice in one object, anywhere in the value, is refused (duplicate_field): encoding/json would keep
// the last silently, and another reader of the same text the first. A null is accepted for any
// member that exists — it leaves the field at its zero value, as encoding/json does — but not as an
// item of a list of values that cannot be null (["a",null] is no list of strings).
//
// When members are refused, dst still receives the ones that were not, so that a caller can add the
// violations of its own checks to these instead of reporting one layer at a time.
func decodeStrict(data []byte, dst any) error {
	if !json.Valid(data) {
		return domain.E(domain.KindInvalid, "malformed_json", "the body is not valid JSON")
	}
	var v []domain.FieldViolation
	duplicateMembers("", data, &v)
	if n := len(v); n > 0 && v[n-1].Code == "too_deep" {
		return domain.Invalid(capViolations(v)...) // read no further into it
	}
	kept, ok := check("", data, reflect.TypeOf(dst).Elem(), &v)
	if len(v) == 0 {
		if err := json.Unmarshal(data, dst); err != nil {
			return jsonError(err)
		}
		return nil
	}
	if ok {
		_ = json.Unmarshal(kept, dst) // best effort: kept holds only values of the right types
	}
	return domain.Invalid(capViolations(v)...)
}

var (
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// check compares the JSON value raw (valid JSON) with the Go type t, appending a violation for
// every mismatch under path. It returns raw without the refused members, and false when raw itself
// is refused.
func check(path string, raw []byte, t reflect.Type, v *[]domain.FieldViolation) ([]byte, bool) {
	raw = bytes.TrimSpace(raw)
	if bytes.Equal(raw, []byte("null")) {
		return raw, true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	refuse := func(code, msg string) ([]byte, bool) {
		*v = append(*v, domain.Violation(fieldName(path), code, msg))
		return nil, false
	}
	switch pt := reflect.PointerTo(t); {
	case t == rawMessageType || pt.Implements(unmarshalerType) || t.Kind() == reflect.Interface:
		return raw, true // the type reads any JSON itself
	case pt.Implements(textUnmarshalerType):
		if raw[0] != '"' {
			return refuse("type", "must be a string")
		}
		return raw, true
	}
	switch t.Kind() {
	case reflect.Struct:
		if raw[0] != '{' {
			return refuse("type", "must be an object")
		}
		return checkStruct(path, raw, t, v)
	case reflect.Map:
		if raw[0] != '{' {
			return refuse("type", "must be an object")
		}
		return checkMembers(path, raw, v, func(string) (reflect.Type, bool) { return t.Elem(), true })
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			if raw[0] != '"' {
				return refuse("type", "must be a string")
			}
			return raw, true
		}
		if raw[0] != '[' {
			return refuse("type", "must be a list")
		}
		return checkItems(path, raw, t.Elem(), v)
	case reflect.String:
		if raw[0] != '"' {
			return refuse("type", "must be a string")
		}
	case reflect.Bool:
		if !bytes.Equal(raw, []byte("true")) && !bytes.Equal(raw, []byte("false")) {
			return refuse("type", "must be true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if !isNumber(raw) {
			return refuse("type", "must be a number")
		}
		var err error
		whole := "must be a whole number"
		if k := t.Kind(); k >= reflect.Uint && k <= reflect.Uint64 { // unsigned
			whole += " of at least 0"
			_, err = strconv.ParseUint(string(raw), 10, t.Bits())
		} else {
			_, err = strconv.ParseInt(string(raw), 10, t.Bits())
		}
		if errors.Is(err, strconv.ErrRange) {
			return refuse("out_of_range", "is out of range")
		} else if err != nil {
			return refuse("type", whole)
		}
	case reflect.Float32, reflect.Float64:
		if !isNumber(raw) {
			return refuse("type", "must be a number")
		}
		if f, err := strconv.ParseFloat(string(raw), t.Bits()); err != nil || math.IsInf(f, 0) {
			return refuse("out_of_range", "is out of range")
		}
	}
	return raw, true
}

// checkStruct checks an object against a struct's json-tagged fields: members without a field are
// unknown.
func checkStruct(path string, raw []byte, t reflect.Type, v *[]domain.FieldViolation) ([]byte, bool) {
	fields := jsonFields(t)
	return checkMembers(path, raw, v, func(name string) (reflect.Type, bool) {
		ft, ok := fields[name]
		return ft, ok
	})
}

func checkMembers(path string, raw []byte, v *[]domain.FieldViolation, field func(string) (reflect.Type, bool)) ([]byte, bool) {
	members, err := objectMembers(raw)
	if err != nil {
		return nil, false // raw was checked to be valid JSON starting with '{'
	}
	kept := make(map[string]json.RawMessage, len(members))
	all := true
	for _, m := range members {
		child := joinPath(path, m.name)
		ft, ok := field(m.name)
		if !ok {
			*v = append(*v, domain.Violation(child, "unknown_field", "this field is not accepted here"))
			all = false
			continue
		}
		if good, ok := check(child, m.value, ft, v); ok {
			kept[m.name] = good
		} else {
			all = false
		}
	}
	if all {
		return raw, true
	}
	out, err := json.Marshal(kept)
	return out, err == nil
}

type member struct {
	name  string
	value json.RawMessage
}

// objectMembers lists the members of a JSON object in document order, so violations are reported
// in the order the client wrote the fields.
func objectMembers(raw []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		out = append(out, member{name: name, value: value})
	}
	return out, nil
}

func checkItems(path string, raw []byte, elem reflect.Type, v *[]domain.FieldViolation) ([]byte, bool) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	all := true
	for i, item := range items {
		if bytes.Equal(bytes.TrimSpace(item), []byte("null")) && !nullable(elem) {
			*v = append(*v, domain.Violation(fmt.Sprintf("%s[%d]", path, i), "type", "must be "+jsonKind(elem)))
			all = false
			continue
		}
		if good, ok := check(fmt.Sprintf("%s[%d]", path, i), item, elem, v); ok {
			items[i] = good
		} else {
			items[i], all = json.RawMessage("null"), false
		}
	}
	if all {
		return raw, true
	}
	out, err := json.Marshal(items)
	return out, err == nil
}

// nullable reports whether null is a value of t rather than the absence of one: pointers, and the
// types that read any JSON themselves.
func nullable(t reflect.Type) bool {
	switch pt := reflect.PointerTo(t); {
	case t.Kind() == reflect.Pointer, t.Kind() == reflect.Interface, t == rawMessageType, pt.Implements(unmarshalerType):
		return true
	}
	return false
}

// maxJSONDepth bounds how deep a request body may nest objects and lists: far deeper than any
// document of the API (character cards included), far shallower than what costs a server.
const maxJSONDepth = 64

// maxViolations bounds the violations one body is answered with: a client fixes the first ones
// first, and a hostile body of a million mistakes must not make a response ten times its size.
const maxViolations = 100

// capViolations keeps the first maxViolations of v, saying that there were more.
func capViolations(v []domain.FieldViolation) []domain.FieldViolation {
	if len(v) <= maxViolations {
		return v
	}
	return append(v[:maxViolations:maxViolations], domain.Violation("body", "too_many_errors",
		fmt.Sprintf("%d more mistakes are not listed; fix these first", len(v)-maxViolations)))
}

// duplicateMembers appends a duplicate_field violation, under its full path, for every member of an
// object in raw (valid JSON) that repeats a name already in that object, at any depth — opaque
// values such as card data included — and a too_deep one, and stops, where raw nests deeper than
// maxJSONDepth. It reads raw once, as a stream of tokens; a path is spelled out only for a
// violation, so the work stays proportional to raw's length however it nests.
func duplicateMembers(path string, raw []byte, v *[]domain.FieldViolation) {
	type frame struct {
		parent  *frame
		object  bool
		seen    map[string]bool
		key     string // the member being read (objects)
		wantKey bool
		index   int // the item being read (lists)
	}
	var top *frame // the innermost open object or list
	depth := 0
	var pathOf func(f *frame) string // the path of the value f is reading
	pathOf = func(f *frame) string {
		if f == nil {
			return path
		}
		if f.object {
			return joinPath(pathOf(f.parent), f.key)
		}
		return fmt.Sprintf("%s[%d]", pathOf(f.parent), f.index)
	}
	read := func() { // a value ended
		if top == nil {
			return
		}
		if top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	open := func(object bool) bool {
		if depth >= maxJSONDepth {
			*v = append(*v, domain.Violation(fieldName(pathOf(top)), "too_deep",
				fmt.Sprintf("nests more than %d levels deep", maxJSONDepth)))
			return false
		}
		depth++
		top = &frame{parent: top, object: object, wantKey: object}
		if object {
			top.seen = map[string]bool{}
		}
		return true
	}
	closeFrame := func() {
		top, depth = top.parent, depth-1
		read()
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := dec.Token()
		if err != nil {
			return // io.EOF: raw was checked to be valid JSON
		}
		if top != nil && top.object && top.wantKey {
			if name, ok := tok.(string); ok {
				if top.seen[name] { // the object is the value its parent is reading
					*v = append(*v, domain.Violation(joinPath(pathOf(top.parent), name), "duplicate_field",
						"this field is given more than once"))
				}
				top.seen[name], top.key, top.wantKey = true, name, false
				continue
			}
			closeFrame() // '}'
			continue
		}
		switch tok {
		case json.Delim('{'):
			if !open(true) {
				return
			}
		case json.Delim('['):
			if !open(false) {
				return
			}
		case json.Delim(']'):
			closeFrame()
		default:
			read()
		}
	}
}

// jsonFields maps the JSON member names of struct t to their field types, following encoding/json:
// "-" is skipped, untagged exported fields take their Go name, embedded structs are flattened.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, taken := out[k]; !taken {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// fieldName is the path of a violation; the value as a whole is "body".
func fieldName(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

func isNumber(raw []byte) bool {
	return len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'))
}
