package envflag_test

import (
	"errors"
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
)

// comfyConfig and a1111Config stand for the own settings of two pluggable backends.
type comfyConfig struct {
	Workflow string `env:"COMFYUI_WORKFLOW" help:"workflow file"`
	Steps    int    `env:"COMFYUI_STEPS" help:"sampling steps"`
}

type a1111Config struct {
	URL    string        `env:"URL" help:"server address"`
	APIKey secret.String `env:"API_KEY" help:"API key"`
}

// Members is the simplest Group: whatever list the test builds.
type Members []envflag.Member

func (m Members) EnvMembers() []envflag.Member { return m }

// rules stands for a table of rate-limit rules, the single source of truth for their variables.
type rule struct {
	Name, Env, Help string
	Limit           rate
}

type rules []rule

func (r rules) EnvMembers() []envflag.Member {
	ms := make([]envflag.Member, len(r))
	for i := range r {
		ms[i] = envflag.Member{Name: r[i].Name, Env: r[i].Env, Help: r[i].Help, Value: &r[i].Limit}
	}
	return ms
}

type groupConfig struct {
	Addr     string  `env:"HTTP_ADDR" help:"address to listen on"`
	Backends Members `envprefix:""`
	Limits   rules   `envprefix:"RATE_LIMIT_"`
}

// groupFixture holds a config and the backend configs its Backends group points into.
type groupFixture struct {
	cfg   groupConfig
	comfy comfyConfig
	a1111 a1111Config
	turbo bool
}

func newGroupFixture() *groupFixture {
	f := &groupFixture{
		comfy: comfyConfig{Workflow: "default.json", Steps: 20},
		a1111: a1111Config{URL: "http://localhost:7860"},
	}
	f.cfg = groupConfig{
		Addr: ":8080",
		Backends: Members{
			{Name: "comfyui", Value: &f.comfy},
			{Name: "a1111", Env: "A1111_", Value: &f.a1111},
			{Name: "turbo", Env: "TURBO", Help: "fast sampling", Value: &f.turbo},
		},
		Limits: rules{
			{Name: "Login", Env: "LOGIN", Help: "login attempts", Limit: rate{5, time.Minute}},
			{Name: "Chat", Env: "CHAT", Help: "chat messages", Limit: rate{30, time.Minute}},
		},
	}
	return f
}

// groupValues is what a groupFixture holds, without the pointers, for comparison.
type groupValues struct {
	Addr          string
	Comfy         comfyConfig
	A1111         a1111Config
	Turbo         bool
	Login, Chat   rate
	LimitsInTable int
}

func (f *groupFixture) values() groupValues {
	return groupValues{
		Addr: f.cfg.Addr, Comfy: f.comfy, A1111: f.a1111, Turbo: f.turbo,
		Login: f.cfg.Limits[0].Limit, Chat: f.cfg.Limits[1].Limit, LimitsInTable: len(f.cfg.Limits),
	}
}

func (f *groupFixture) load(t *testing.T, env map[string]string, args ...string) (*envflag.Binding, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b, err := envflag.Bind(fs, prefix, &f.cfg, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("Bind: %v", err)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return b, b.Apply()
}

func TestGroupMembersAreSetThroughTheirPointers(t *testing.T) {
	key := writeFile(t, "sk-file\n")
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want func(v *groupValues) // applied to the defaults: everything else keeps its default
	}{
		{"no source keeps the defaults", nil, nil, func(*groupValues) {}},
		{"struct member from env", map[string]string{"COMPANIONHUB_COMFYUI_WORKFLOW": "portrait.json"}, nil,
			func(v *groupValues) { v.Comfy.Workflow = "portrait.json" }},
		{"struct member from flag", nil, []string{"--comfyui-steps=30"},
			func(v *groupValues) { v.Comfy.Steps = 30 }},
		{"prefixed struct member", map[string]string{"COMPANIONHUB_A1111_URL": "http://gpu:7860"}, nil,
			func(v *groupValues) { v.A1111.URL = "http://gpu:7860" }},
		{"secret of a struct member from a file", map[string]string{"COMPANIONHUB_A1111_API_KEY_FILE": key}, nil,
			func(v *groupValues) { v.A1111.APIKey = "sk-file" }},
		{"single value as a bare bool flag", nil, []string{"--turbo"},
			func(v *groupValues) { v.Turbo = true }},
		{"rule from env", map[string]string{"COMPANIONHUB_RATE_LIMIT_LOGIN": "3/1h"}, nil,
			func(v *groupValues) { v.Login = rate{3, time.Hour} }},
		{"rule flag over env", map[string]string{"COMPANIONHUB_RATE_LIMIT_CHAT": "3/1h"}, []string{"--rate-limit-chat=1/1s"},
			func(v *groupValues) { v.Chat = rate{1, time.Second} }},
		{"static field beside groups", map[string]string{"COMPANIONHUB_HTTP_ADDR": ":1"}, nil,
			func(v *groupValues) { v.Addr = ":1" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newGroupFixture()
			if _, err := f.load(t, tc.env, tc.args...); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			want := newGroupFixture().values()
			tc.want(&want)
			if got := f.values(); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestVarsListsGroupMembers(t *testing.T) {
	f := newGroupFixture()
	f.a1111.APIKey = "sk-default"
	b, err := f.load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []envflag.Var{
		{Name: "COMPANIONHUB_A1111_API_KEY", Flag: "a1111-api-key", Path: "Backends.a1111.APIKey", Type: "secret", Default: "[REDACTED]", Help: "API key", Secret: true},
		{Name: "COMPANIONHUB_A1111_URL", Flag: "a1111-url", Path: "Backends.a1111.URL", Type: "string", Default: "http://localhost:7860", Help: "server address"},
		{Name: "COMPANIONHUB_COMFYUI_STEPS", Flag: "comfyui-steps", Path: "Backends.comfyui.Steps", Type: "int", Default: "20", Help: "sampling steps"},
		{Name: "COMPANIONHUB_COMFYUI_WORKFLOW", Flag: "comfyui-workflow", Path: "Backends.comfyui.Workflow", Type: "string", Default: "default.json", Help: "workflow file"},
		{Name: "COMPANIONHUB_HTTP_ADDR", Flag: "http-addr", Path: "Addr", Type: "string", Default: ":8080", Help: "address to listen on"},
		{Name: "COMPANIONHUB_RATE_LIMIT_CHAT", Flag: "rate-limit-chat", Path: "Limits.Chat", Type: "envflag_test.rate", Default: "30/1m0s", Help: "chat messages"},
		{Name: "COMPANIONHUB_RATE_LIMIT_LOGIN", Flag: "rate-limit-login", Path: "Limits.Login", Type: "envflag_test.rate", Default: "5/1m0s", Help: "login attempts"},
		{Name: "COMPANIONHUB_TURBO", Flag: "turbo", Path: "Backends.turbo", Type: "bool", Default: "false", Help: "fast sampling"},
	}
	if got := b.Vars(); !reflect.DeepEqual(got, want) {
		t.Errorf("Vars() =\n%s\nwant\n%s", dump(got), dump(want))
	}
	for path, name := range map[string]string{
		"Limits.Login":              "COMPANIONHUB_RATE_LIMIT_LOGIN",
		"Backends.comfyui.Workflow": "COMPANIONHUB_COMFYUI_WORKFLOW",
		"Backends.turbo":            "COMPANIONHUB_TURBO",
	} {
		if v, ok := b.Lookup(path); !ok || v.Name != name {
			t.Errorf("Lookup(%s) = %+v, %v; want %s", path, v, ok, name)
		}
	}
}

func TestGroupErrorsNameTheVariable(t *testing.T) {
	f := newGroupFixture()
	b, err := f.load(t, map[string]string{"COMPANIONHUB_RATE_LIMIT_LOGIN": "lots", "COMPANIONHUB_COMFYUI_STEPS": "x"})
	validate := errors.Join(
		envflag.Within("Limits", envflag.Field("Chat", "must allow at least 1")),
		envflag.Within("Backends", envflag.Within("comfyui", envflag.Field("Workflow", "must be a .json file"))),
		envflag.Within("Backends", envflag.Field("turbo", "needs a GPU")),
		envflag.Within("Backends", envflag.Field("nosuch.Field", "kept as is")),
	)
	got := b.Explain(errors.Join(err, validate))
	want := strings.Join([]string{
		`COMPANIONHUB_COMFYUI_STEPS (--comfyui-steps): invalid integer "x"`,
		`COMPANIONHUB_COMFYUI_WORKFLOW (--comfyui-workflow): must be a .json file`,
		`COMPANIONHUB_RATE_LIMIT_CHAT (--rate-limit-chat): must allow at least 1`,
		`COMPANIONHUB_RATE_LIMIT_LOGIN (--rate-limit-login): rate "lots": want N/duration`,
		`COMPANIONHUB_TURBO (--turbo): needs a GPU`,
		`Backends.nosuch.Field: kept as is`,
	}, "\n")
	if got == nil || got.Error() != want {
		t.Errorf("Explain =\n%v\nwant\n%s", got, want)
	}
	if f.cfg.Limits[0].Limit != (rate{5, time.Minute}) || f.comfy.Steps != 20 {
		t.Errorf("bad values must keep their defaults: %+v, %+v", f.cfg.Limits[0].Limit, f.comfy)
	}
}

// counted counts its EnvMembers calls; the method is on the pointer, as for a group whose members
// point into its own fields.
type counted struct {
	calls int
	Limit int
}

func (c *counted) EnvMembers() []envflag.Member {
	c.calls++
	return []envflag.Member{{Name: "Limit", Env: "LIMIT", Help: "limit", Value: &c.Limit}}
}

func TestEnvMembersIsCalledOnceAtBind(t *testing.T) {
	var cfg struct {
		C counted `envprefix:"C_"`
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	b, err := envflag.Bind(fs, "X_", &cfg, func(k string) (string, bool) { return "7", k == "X_C_LIMIT" })
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	b.Vars()
	if cfg.C.calls != 1 || cfg.C.Limit != 7 {
		t.Errorf("calls = %d, Limit = %d; want 1 call and the value written into the group's own field", cfg.C.calls, cfg.C.Limit)
	}
}

// registry is a zero-size Group over package state, as a backend registry filled by init would be.
type registry struct{}

var registered = struct{ Workflow string }{Workflow: "w.json"}

func (registry) EnvMembers() []envflag.Member {
	return []envflag.Member{{Name: "comfyui", Env: "WORKFLOW", Help: "workflow", Value: &registered.Workflow}}
}

type withEmbeddedGroup struct {
	Members `envprefix:"E_"`
}

type withNestedGroup struct {
	Inner struct {
		Rules rules `envprefix:"RULE_"`
	} `envprefix:"IN_"`
}

func TestGroupShapes(t *testing.T) {
	var n, m int
	var iface envflag.Group = Members{{Name: "n", Env: "N", Help: "n", Value: &n}}
	nested, inMember := &withNestedGroup{}, &withNestedGroup{}
	nested.Inner.Rules = rules{{Name: "Login", Env: "LOGIN", Help: "h"}}
	inMember.Inner.Rules = rules{{Name: "Chat", Env: "CHAT", Help: "h"}}
	cases := []struct {
		name string
		cfg  any
		want []string // "NAME Path" of every Var
	}{
		{"embedded group keeps its field name", &withEmbeddedGroup{Members{{Name: "n", Env: "N", Help: "n", Value: &n}}},
			[]string{"X_E_N Members.n"}},
		{"pointer field", &struct {
			G *Members `envprefix:"G_"`
		}{&Members{{Name: "n", Env: "N", Help: "n", Value: &n}}}, []string{"X_G_N G.n"}},
		{"interface field", &struct {
			G envflag.Group `envprefix:""`
		}{iface}, []string{"X_N G.n"}},
		{"zero-size group over package state", &struct {
			R registry `envprefix:"R_"`
		}{}, []string{"X_R_WORKFLOW R.comfyui"}},
		{"group in a nested struct", nested, []string{"X_IN_RULE_LOGIN Inner.Rules.Login"}},
		{"group in a struct member", &struct {
			G Members `envprefix:"G_"`
		}{Members{{Name: "s", Env: "S_", Value: inMember}}}, []string{"X_G_S_IN_RULE_CHAT G.s.Inner.Rules.Chat"}},
		{"group as a member", &struct {
			G Members `envprefix:"G_"`
		}{Members{{Name: "sub", Env: "SUB_", Value: &Members{{Name: "m", Env: "M", Help: "m", Value: &m}}}}},
			[]string{"X_G_SUB_M G.sub.m"}},
		{"empty group", &struct {
			G Members `envprefix:""`
		}{}, nil},
		{"excluded group is not asked", &struct {
			G *counted `env:"-"`
		}{}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := envflag.Bind(flag.NewFlagSet("t", flag.ContinueOnError), "X_", tc.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range b.Vars() {
				got = append(got, v.Name+" "+v.Path)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Vars = %q, want %q", got, tc.want)
			}
		})
	}
}
