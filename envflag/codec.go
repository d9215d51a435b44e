package envflag

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/secret"
)

// codec parses text into, and formats defaults from, one supported field type.
type codec struct {
	typeName string
	isBool   bool
	secret   bool
	// parse stores s in dst, a settable value of the field's type.
	parse func(s string, dst reflect.Value) error
	// format renders v (addressable) for help text and Vars; it must not reveal secrets.
	format func(v reflect.Value) string
}

var (
	secretType          = reflect.TypeFor[secret.String]()
	durationType        = reflect.TypeFor[time.Duration]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	stringerType        = reflect.TypeFor[fmt.Stringer]()
)

// isLeaf reports whether t is bound as one value rather than walked as a nested struct or Group.
func isLeaf(t reflect.Type) bool {
	if isGroup(t) {
		return false
	}
	return t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(textUnmarshalerType)
}

// codecFor picks the codec for t. Order matters: secret.String and time.Duration are also a string
// and an int64, and secret.String is also a TextUnmarshaler.
func codecFor(t reflect.Type) (codec, error) {
	switch {
	case t == secretType:
		return codec{
			typeName: "secret",
			secret:   true,
			parse:    func(s string, dst reflect.Value) error { dst.SetString(s); return nil },
			format:   func(v reflect.Value) string { return secret.String(v.String()).String() },
		}, nil
	case t == durationType:
		return codec{typeName: "duration", parse: parseDuration, format: func(v reflect.Value) string {
			return time.Duration(v.Int()).String()
		}}, nil
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		return codec{typeName: t.String(), parse: parseText, format: formatText}, nil
	}
	switch t.Kind() {
	case reflect.String:
		return codec{
			typeName: "string",
			parse:    func(s string, dst reflect.Value) error { dst.SetString(s); return nil },
			format:   func(v reflect.Value) string { return v.String() },
		}, nil
	case reflect.Bool:
		return codec{typeName: "bool", isBool: true, parse: parseBool, format: func(v reflect.Value) string {
			return strconv.FormatBool(v.Bool())
		}}, nil
	case reflect.Int:
		return codec{typeName: "int", parse: intParser(strconv.IntSize), format: formatInt}, nil
	case reflect.Int64:
		return codec{typeName: "int64", parse: intParser(64), format: formatInt}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return codec{typeName: "uint", parse: uintParser(t.Bits()), format: func(v reflect.Value) string {
			return strconv.FormatUint(v.Uint(), 10)
		}}, nil
	case reflect.Float64:
		return codec{typeName: "float", parse: parseFloat, format: func(v reflect.Value) string {
			return strconv.FormatFloat(v.Float(), 'g', -1, 64)
		}}, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String && t.Elem() != secretType {
			return codec{typeName: "list", parse: parseList, format: formatList}, nil
		}
	}
	return codec{}, fmt.Errorf("unsupported type %s (want string, bool, int, int64, unsigned integers, float64, "+
		"time.Duration, []string, secret.String or an encoding.TextUnmarshaler)", t)
}

func parseBool(s string, dst reflect.Value) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("invalid boolean %q (want true or false)", s)
	}
	dst.SetBool(b)
	return nil
}

// intParser reads base 10 only: base 0 would read "010" as 8, which nobody writing a config means.
func intParser(bits int) func(string, reflect.Value) error {
	return func(s string, dst reflect.Value) error {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, bits)
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("integer %q out of range", s)
		}
		if err != nil {
			return fmt.Errorf("invalid integer %q", s)
		}
		dst.SetInt(n)
		return nil
	}
}

func formatInt(v reflect.Value) string { return strconv.FormatInt(v.Int(), 10) }

// parseFloat rejects NaN and ±Inf, which ParseFloat accepts but no setting can mean.
func uintParser(bits int) func(string, reflect.Value) error {
	return func(s string, dst reflect.Value) error {
		n, err := strconv.ParseUint(s, 10, bits)
		if err != nil {
			return fmt.Errorf("invalid unsigned integer %q (want 0 to %d)", s, uint64(1)<<bits-1)
		}
		dst.SetUint(n)
		return nil
	}
}

func parseFloat(s string, dst reflect.Value) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("invalid number %q", s)
	}
	dst.SetFloat(f)
	return nil
}

func parseDuration(s string, dst reflect.Value) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("invalid duration %q (e.g. 30s, 5m, 1h30m)", s)
	}
	dst.SetInt(int64(d))
	return nil
}

// parseList splits on commas, trims spaces and drops empty items, so "a, b," is [a b] and "" is
// an empty list.
func parseList(s string, dst reflect.Value) error {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	out := reflect.MakeSlice(dst.Type(), len(items), len(items))
	for i, item := range items {
		out.Index(i).SetString(item)
	}
	dst.Set(out)
	return nil
}

func formatList(v reflect.Value) string {
	items := make([]string, v.Len())
	for i := range items {
		items[i] = v.Index(i).String()
	}
	return strings.Join(items, ",")
}

func parseText(s string, dst reflect.Value) error {
	return dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
}

// formatText prefers MarshalText (the inverse of the parser), then String, then fmt.
func formatText(v reflect.Value) string {
	x := v.Interface()
	if v.CanAddr() && reflect.PointerTo(v.Type()).Implements(textMarshalerType) {
		x = v.Addr().Interface()
	}
	switch m := x.(type) {
	case encoding.TextMarshaler:
		if b, err := m.MarshalText(); err == nil {
			return string(b)
		}
	case fmt.Stringer:
		return m.String()
	}
	if v.CanAddr() && reflect.PointerTo(v.Type()).Implements(stringerType) {
		return v.Addr().Interface().(fmt.Stringer).String()
	}
	return fmt.Sprint(v.Interface())
}
