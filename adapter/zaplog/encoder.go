package zaplog

import (
	"bytes"
	"encoding/json"
	"reflect"
	"time"

	"go.uber.org/zap/zapcore"
)

// redactObject runs an ObjectMarshaler against an encoder that checks every key it is given, so
// redaction reaches into zap.Object, zap.Dict and zap.Inline values.
type redactObject struct {
	m    zapcore.ObjectMarshaler
	hide bool
}

func (r redactObject) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	return r.m.MarshalLogObject(&objectEncoder{enc: enc, hide: r.hide})
}

// redactArray does the same for the objects, arrays and reflected values inside an array.
type redactArray struct{ m zapcore.ArrayMarshaler }

func (r redactArray) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	return r.m.MarshalLogArray(arrayEncoder{enc})
}

// arrayEncoder passes primitives through (they have no key) and wraps nested containers.
type arrayEncoder struct{ zapcore.ArrayEncoder }

func (a arrayEncoder) AppendObject(m zapcore.ObjectMarshaler) error {
	return a.ArrayEncoder.AppendObject(redactObject{m: m})
}

func (a arrayEncoder) AppendArray(m zapcore.ArrayMarshaler) error {
	return a.ArrayEncoder.AppendArray(redactArray{m: m})
}

func (a arrayEncoder) AppendReflected(v any) error {
	r, _ := reflected(v)
	return a.ArrayEncoder.AppendReflected(r)
}

// objectEncoder checks each key before passing it on. It spells out every method instead of
// embedding zapcore.ObjectEncoder so that a method added to the interface by a future zap fails
// to compile here rather than silently bypassing redaction.
type objectEncoder struct {
	enc  zapcore.ObjectEncoder
	hide bool // inside a sensitive namespace: everything from here to the end of the object
}

// redacted writes the placeholder and reports true if key must be hidden.
func (e *objectEncoder) redacted(key string) bool {
	if e.hide || IsSensitiveKey(key) {
		e.enc.AddString(key, Redacted)
		return true
	}
	return false
}

func (e *objectEncoder) OpenNamespace(key string) {
	if IsSensitiveKey(key) {
		e.hide = true
	}
	e.enc.OpenNamespace(key)
}

func (e *objectEncoder) AddArray(key string, m zapcore.ArrayMarshaler) error {
	if e.redacted(key) {
		return nil
	}
	return e.enc.AddArray(key, redactArray{m: m})
}

func (e *objectEncoder) AddObject(key string, m zapcore.ObjectMarshaler) error {
	if e.redacted(key) {
		return nil
	}
	return e.enc.AddObject(key, redactObject{m: m})
}

func (e *objectEncoder) AddReflected(key string, v any) error {
	if e.redacted(key) {
		return nil
	}
	r, _ := reflected(v)
	return e.enc.AddReflected(key, r)
}

func (e *objectEncoder) AddBinary(k string, v []byte) {
	if !e.redacted(k) {
		e.enc.AddBinary(k, v)
	}
}

func (e *objectEncoder) AddByteString(k string, v []byte) {
	if !e.redacted(k) {
		e.enc.AddByteString(k, v)
	}
}

func (e *objectEncoder) AddBool(k string, v bool) {
	if !e.redacted(k) {
		e.enc.AddBool(k, v)
	}
}

func (e *objectEncoder) AddComplex128(k string, v complex128) {
	if !e.redacted(k) {
		e.enc.AddComplex128(k, v)
	}
}

func (e *objectEncoder) AddComplex64(k string, v complex64) {
	if !e.redacted(k) {
		e.enc.AddComplex64(k, v)
	}
}

func (e *objectEncoder) AddDuration(k string, v time.Duration) {
	if !e.redacted(k) {
		e.enc.AddDuration(k, v)
	}
}

func (e *objectEncoder) AddFloat64(k string, v float64) {
	if !e.redacted(k) {
		e.enc.AddFloat64(k, v)
	}
}

func (e *objectEncoder) AddFloat32(k string, v float32) {
	if !e.redacted(k) {
		e.enc.AddFloat32(k, v)
	}
}

func (e *objectEncoder) AddInt(k string, v int) {
	if !e.redacted(k) {
		e.enc.AddInt(k, v)
	}
}

func (e *objectEncoder) AddInt64(k string, v int64) {
	if !e.redacted(k) {
		e.enc.AddInt64(k, v)
	}
}

func (e *objectEncoder) AddInt32(k string, v int32) {
	if !e.redacted(k) {
		e.enc.AddInt32(k, v)
	}
}

func (e *objectEncoder) AddInt16(k string, v int16) {
	if !e.redacted(k) {
		e.enc.AddInt16(k, v)
	}
}

func (e *objectEncoder) AddInt8(k string, v int8) {
	if !e.redacted(k) {
		e.enc.AddInt8(k, v)
	}
}

func (e *objectEncoder) AddString(k, v string) {
	if !e.redacted(k) {
		e.enc.AddString(k, v)
	}
}

func (e *objectEncoder) AddTime(k string, v time.Time) {
	if !e.redacted(k) {
		e.enc.AddTime(k, v)
	}
}

func (e *objectEncoder) AddUint(k string, v uint) {
	if !e.redacted(k) {
		e.enc.AddUint(k, v)
	}
}

func (e *objectEncoder) AddUint64(k string, v uint64) {
	if !e.redacted(k) {
		e.enc.AddUint64(k, v)
	}
}

func (e *objectEncoder) AddUint32(k string, v uint32) {
	if !e.redacted(k) {
		e.enc.AddUint32(k, v)
	}
}

func (e *objectEncoder) AddUint16(k string, v uint16) {
	if !e.redacted(k) {
		e.enc.AddUint16(k, v)
	}
}

func (e *objectEncoder) AddUint8(k string, v uint8) {
	if !e.redacted(k) {
		e.enc.AddUint8(k, v)
	}
}

func (e *objectEncoder) AddUintptr(k string, v uintptr) {
	if !e.redacted(k) {
		e.enc.AddUintptr(k, v)
	}
}

// reflected wraps values that can hold keyed data (maps, structs, and containers of them) so that
// they are redacted when encoded; scalars need no wrapper.
func reflected(v any) (any, bool) {
	switch reflect.ValueOf(v).Kind() {
	case reflect.Map, reflect.Struct, reflect.Slice, reflect.Array, reflect.Pointer, reflect.Interface:
		return redactJSON{v}, true
	}
	return v, false
}

// redactJSON is how zap.Any / zap.Reflect values are redacted: zap encodes them with
// encoding/json, so the value is marshalled, sensitive object keys are replaced at any depth, and
// the result is handed back to zap's encoder. Values with nothing to hide keep their original
// bytes and key order. The round trip costs, but only for reflected fields, which typed fields
// (STYLE rule 7) make rare.
type redactJSON struct{ v any }

func (r redactJSON) MarshalJSON() ([]byte, error) {
	raw, err := marshal(r.v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep numbers exactly as written
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	if !redactTree(tree) {
		return raw, nil
	}
	return marshal(tree)
}

// marshal matches zap's reflected encoder, which does not escape HTML.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// redactTree replaces the values of sensitive keys in decoded JSON in place and reports whether
// it replaced any.
func redactTree(v any) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if IsSensitiveKey(k) {
				x[k] = Redacted
				changed = true
			} else if redactTree(child) {
				changed = true
			}
		}
	case []any:
		for _, child := range x {
			if redactTree(child) {
				changed = true
			}
		}
	}
	return changed
}
