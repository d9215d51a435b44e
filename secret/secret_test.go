package secret_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/companionhub/companionhub/secret"
)

const plain = "hunter2-sk-0123456789"

type holder struct {
	Name   string
	APIKey secret.String
	Ptr    *secret.String
	Nested struct{ Key secret.String }
	List   []secret.String
	Map    map[string]secret.String
}

func newHolder() holder {
	s := secret.String(plain)
	h := holder{Name: "visible", APIKey: secret.String(plain), Ptr: &s}
	h.Nested.Key = secret.String(plain)
	h.List = []secret.String{secret.String(plain)}
	h.Map = map[string]secret.String{"k": secret.String(plain)}
	return h
}

func TestStringNeverFormatsItsValue(t *testing.T) {
	s := secret.String(plain)
	h := newHolder()
	cases := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T %[1]v"} {
		cases["secret "+verb] = fmt.Sprintf(verb, s)
		cases["struct "+verb] = fmt.Sprintf(verb, h)
		cases["pointer "+verb] = fmt.Sprintf(verb, &h)
	}
	cases["Sprint"] = fmt.Sprint(s, h)
	cases["Println"] = fmt.Sprintln(s, h)
	cases["String"] = s.String()
	cases["GoString"] = s.GoString()
	cases["errorf"] = fmt.Errorf("connect with %v: %w", s, fmt.Errorf("%s", s)).Error()

	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	cases["json"] = string(js)
	xs, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"cfg"`
		Key     secret.String
	}{Key: s})
	if err != nil {
		t.Fatal(err)
	}
	cases["xml"] = string(xs)

	var buf bytes.Buffer
	for name, hd := range map[string]slog.Handler{
		"slog text": slog.NewTextHandler(&buf, nil),
		"slog json": slog.NewJSONHandler(&buf, nil),
	} {
		buf.Reset()
		slog.New(hd).Info("m", "key", s, "holder", h)
		cases[name] = buf.String()
	}

	for name, out := range cases {
		if strings.Contains(out, plain) || strings.Contains(out, fmt.Sprintf("%x", plain)) {
			t.Errorf("%s leaked the value: %s", name, out)
		}
		if !strings.Contains(out, secret.Redacted) {
			t.Errorf("%s: want %q in %s", name, secret.Redacted, out)
		}
	}
}

func TestEmptyStringShowsItIsUnset(t *testing.T) {
	var s secret.String
	if got := fmt.Sprintf("%v|%s|%q", s, s, s); got != `||""` {
		t.Errorf("empty secret formats as %q", got)
	}
	if s.IsSet() || !secret.String("x").IsSet() {
		t.Error("IsSet is wrong")
	}
}

func TestRevealAndUnmarshalGiveThePlainValue(t *testing.T) {
	var cfg struct{ Key secret.String }
	if err := json.Unmarshal([]byte(`{"Key":"`+plain+`"}`), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Key.Reveal() != plain {
		t.Errorf("Reveal = %q, want the value decoded from JSON", cfg.Key.Reveal())
	}
}
