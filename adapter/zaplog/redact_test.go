package zaplog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// newLogger returns a debug-level logger from New in the given mode, writing to a buffer.
func newLogger(t *testing.T, dev bool) (*zap.Logger, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	l, err := zaplog.New(zaplog.Config{Level: "debug", Dev: dev}, zapcore.AddSync(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return l, &buf
}

// kv is an ObjectMarshaler with one arbitrary key, plus a harmless field.
type kv struct{ key, val string }

func (o kv) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString(o.key, o.val)
	enc.AddInt("harmless_int", 7)
	return nil
}

// kvArray is an ArrayMarshaler of objects.
type kvArray []kv

func (a kvArray) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for _, o := range a {
		if err := enc.AppendObject(o); err != nil {
			return err
		}
	}
	return enc.AppendArray(zapcore.ArrayMarshalerFunc(func(inner zapcore.ArrayEncoder) error {
		return inner.AppendObject(a[0])
	}))
}

// typedObject uses typed encoder methods other than AddString under a sensitive key.
type typedObject struct{ key string }

func (o typedObject) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddByteString(o.key, []byte(leak("bytes")))
	enc.AddBinary(o.key+"_x", []byte("x")) // not sensitive: suffix _x
	return enc.AddReflected("nested", map[string]string{o.key: leak("reflected-in-object")})
}

// leak makes a recognisable value; every test asserts that no output contains "LEAK".
func leak(tag string) string { return "LEAK-" + tag + "-9f3a" }

// waysToLog logs a value under key in every way the redaction must cover.
func waysToLog(key string) map[string]func(l *zap.Logger) {
	return map[string]func(l *zap.Logger){
		"string":        func(l *zap.Logger) { l.Info("m", zap.String(key, leak("string"))) },
		"byte string":   func(l *zap.Logger) { l.Info("m", zap.ByteString(key, []byte(leak("bytes")))) },
		"strings":       func(l *zap.Logger) { l.Info("m", zap.Strings(key, []string{leak("strings")})) },
		"stringer":      func(l *zap.Logger) { l.Info("m", zap.Stringer(key, bytes.NewBufferString(leak("stringer")))) },
		"named error":   func(l *zap.Logger) { l.Info("m", zap.NamedError(key, errors.New(leak("error")))) },
		"any string":    func(l *zap.Logger) { l.Info("m", zap.Any(key, leak("any"))) },
		"with":          func(l *zap.Logger) { l.With(zap.String(key, leak("with"))).Info("m") },
		"with twice":    func(l *zap.Logger) { l.With(zap.Int("n", 1)).With(zap.String(key, leak("with2"))).Info("m") },
		"with lazy":     func(l *zap.Logger) { l.WithLazy(zap.String(key, leak("lazy"))).Info("m") },
		"sugar":         func(l *zap.Logger) { l.Sugar().Infow("m", key, leak("sugar")) },
		"object":        func(l *zap.Logger) { l.Info("m", zap.Object("outer", kv{key, leak("object")})) },
		"typed object":  func(l *zap.Logger) { l.Info("m", zap.Object("outer", typedObject{key})) },
		"dict":          func(l *zap.Logger) { l.Info("m", zap.Dict("outer", zap.String(key, leak("dict")))) },
		"dict in dict":  func(l *zap.Logger) { l.Info("m", zap.Dict("a", zap.Dict("b", zap.String(key, leak("dd"))))) },
		"any fields":    func(l *zap.Logger) { l.Info("m", zap.Any("outer", []zap.Field{zap.String(key, leak("af"))})) },
		"inline":        func(l *zap.Logger) { l.Info("m", zap.Inline(kv{key, leak("inline")})) },
		"with inline":   func(l *zap.Logger) { l.With(zap.Inline(kv{key, leak("winline")})).Info("m") },
		"array":         func(l *zap.Logger) { l.Info("m", zap.Array("list", kvArray{{key, leak("array")}})) },
		"objects":       func(l *zap.Logger) { l.Info("m", zap.Objects("list", []kv{{key, leak("objects")}})) },
		"reflected map": func(l *zap.Logger) { l.Info("m", zap.Any("req", map[string]any{key: leak("map")})) },
		"deep map": func(l *zap.Logger) {
			l.Info("m", zap.Any("req", map[string]any{"a": []any{map[string]any{key: leak("deep")}}}))
		},
		"reflected in array": func(l *zap.Logger) {
			l.Info("m", zap.Array("list", zapcore.ArrayMarshalerFunc(func(enc zapcore.ArrayEncoder) error {
				return enc.AppendReflected(map[string]string{key: leak("ra")})
			})))
		},
		"reflect in dict": func(l *zap.Logger) {
			l.Info("m", zap.Dict("d", zap.Reflect("r", map[string]string{key: leak("rd")})))
		},
		"namespace in call": func(l *zap.Logger) {
			l.Info("m", zap.Namespace(key), zap.String("inner", leak("ns")), zap.Int("n", 1))
		},
		"namespace in with": func(l *zap.Logger) {
			l.With(zap.Namespace(key)).With(zap.String("later", leak("nsw"))).Info("m", zap.String("x", leak("nsw2")))
		},
		"namespace in dict": func(l *zap.Logger) {
			l.Info("m", zap.Dict("d", zap.Namespace(key), zap.String("inner", leak("nsd"))))
		},
		"namespace then nested": func(l *zap.Logger) {
			l.Info("m", zap.Namespace(key), zap.Object("o", kv{"route", leak("nso")}), zap.Inline(kv{"route", leak("nsi")}))
		},
	}
}

// sensitiveKeys covers logkey.Sensitive plus a few spellings from outside the project.
func sensitiveKeys() []string {
	return append([]string{"refresh_token", "X-Api-Key", "Set-Cookie", "clientSecret", "private_key"}, logkey.Sensitive...)
}

func TestSensitiveValuesNeverReachTheOutput(t *testing.T) {
	for _, dev := range []bool{false, true} {
		for _, key := range sensitiveKeys() {
			for way, log := range waysToLog(key) {
				t.Run(fmt.Sprintf("dev=%v/%s/%s", dev, key, way), func(t *testing.T) {
					l, buf := newLogger(t, dev)
					log(l)
					out := buf.String()
					if out == "" {
						t.Fatal("nothing was logged")
					}
					if strings.Contains(out, "LEAK") {
						t.Errorf("secret value in output:\n%s", out)
					}
					if !strings.Contains(out, zaplog.Redacted) {
						t.Errorf("no %s in output:\n%s", zaplog.Redacted, out)
					}
				})
			}
		}
	}
}

type credentials struct {
	User    string        `json:"user"`
	APIKey  secret.String `json:"k"` // the key "k" says nothing: the type must protect it
	Headers http.Header   `json:"headers"`
}

func TestSecretTypeIsRedactedUnderAnyKey(t *testing.T) {
	s := secret.String(leak("secret-type"))
	c := credentials{User: "ann", APIKey: s, Headers: http.Header{"Authorization": {"Bearer " + leak("hdr")}}}
	ways := map[string]func(l *zap.Logger){
		"any":            func(l *zap.Logger) { l.Info("m", zap.Any("k", s)) },
		"any pointer":    func(l *zap.Logger) { l.Info("m", zap.Any("k", &s)) },
		"stringer":       func(l *zap.Logger) { l.Info("m", zap.Stringer("k", s)) },
		"struct":         func(l *zap.Logger) { l.Info("m", zap.Any("cfg", c)) },
		"struct pointer": func(l *zap.Logger) { l.Info("m", zap.Reflect("cfg", &c)) },
		// fmt sees the secret.String field, not the header map: key rules cannot look inside text.
		"fmt of struct":    func(l *zap.Logger) { l.Info("m", zap.String("cfg", fmt.Sprintf("%+v", struct{ U, K any }{"ann", s}))) },
		"fmt #v of struct": func(l *zap.Logger) { l.Info("m", zap.String("cfg", fmt.Sprintf("%#v", c.APIKey))) },
		"error":            func(l *zap.Logger) { l.Error("m", zap.Error(fmt.Errorf("dial with key %s", s))) },
		"sugar":            func(l *zap.Logger) { l.Sugar().Infow("m", "k", s) },
	}
	for _, dev := range []bool{false, true} {
		for way, log := range ways {
			t.Run(fmt.Sprintf("dev=%v/%s", dev, way), func(t *testing.T) {
				l, buf := newLogger(t, dev)
				log(l)
				out := buf.String()
				if strings.Contains(out, "LEAK") || !strings.Contains(out, zaplog.Redacted) {
					t.Errorf("want %s and no secret in:\n%s", zaplog.Redacted, out)
				}
			})
		}
	}
}

func TestVisibleFieldsPassThroughUnchanged(t *testing.T) {
	l, buf := newLogger(t, false)
	l.Named("http").Info("request served",
		zap.String(logkey.UserID, "u-1"),
		zap.Int("prompt_tokens", 12),
		zap.String("blob_key", "img/a.webp"),
		zap.Duration(logkey.Duration, 1500_000_000),
		zap.Object("req", kv{logkey.Route, "/api/v1/<id>"}),
		zap.Any("tags", map[string]any{"b": 1, "a": []any{"x", 2.5}, "password": "p"}),
		zap.Namespace("ctx"),
		zap.String(logkey.RequestID, "r-9"),
	)
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, buf)
	}
	for _, k := range []string{"time", "caller"} {
		if _, ok := got[k].(string); !ok {
			t.Errorf("missing %q in %s", k, buf)
		}
		delete(got, k)
	}
	want := map[string]any{
		"level": "info", "logger": "http", "msg": "request served",
		"user_id": "u-1", "prompt_tokens": 12.0, "blob_key": "img/a.webp", "duration": 1.5,
		"req":  map[string]any{"route": "/api/v1/<id>", "harmless_int": 7.0},
		"tags": map[string]any{"a": []any{"x", 2.5}, "b": 1.0, "password": zaplog.Redacted},
		"ctx":  map[string]any{"request_id": "r-9"},
	}
	if gj, wj := mustJSON(t, got), mustJSON(t, want); gj != wj {
		t.Errorf("got  %s\nwant %s", gj, wj)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReflectedValuesWithoutSecretsKeepTheirBytes(t *testing.T) {
	l, buf := newLogger(t, false)
	type ordered struct {
		Zeta  int    `json:"zeta"`
		Alpha string `json:"alpha"`
	}
	l.Info("m", zap.Any("o", ordered{Zeta: 1, Alpha: "<&>"}))
	if want := `"o":{"zeta":1,"alpha":"<&>"}`; !strings.Contains(buf.String(), want) {
		t.Errorf("want %s in %s", want, buf)
	}
}

func TestCallersFieldsAreNotModified(t *testing.T) {
	l, _ := newLogger(t, false)
	fields := []zap.Field{zap.String("password", "p"), zap.Object("o", kv{"token", "t"})}
	l.Info("m", fields...)
	l.With(fields...).Info("m")
	if fields[0].String != "p" || fields[1].Interface != (kv{"token", "t"}) {
		t.Errorf("caller's fields changed: %+v", fields)
	}
}

func TestRedactKeepsTheLevel(t *testing.T) {
	var buf bytes.Buffer
	l, err := zaplog.New(zaplog.Config{Level: "WARN"}, zapcore.AddSync(&buf))
	if err != nil {
		t.Fatal(err)
	}
	if l.Level() != zapcore.WarnLevel {
		t.Errorf("Level() = %v, want warn", l.Level())
	}
	l.Info("dropped")
	l.With(zap.String("a", "b")).Info("dropped")
	l.Warn("kept")
	if out := buf.String(); strings.Contains(out, "dropped") || !strings.Contains(out, "kept") {
		t.Errorf("level not applied:\n%s", out)
	}
}
