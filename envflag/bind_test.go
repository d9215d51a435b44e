package envflag_test

import (
	"flag"
	"reflect"
	"strings"
	"testing"

	"github.com/companionhub/companionhub/envflag"
)

func TestBindRejectsProgrammingErrors(t *testing.T) {
	type inner struct {
		A string `env:"A" help:"a"`
	}
	type dupInner struct {
		X string `env:"X" help:"x"`
	}
	cases := []struct {
		name string
		cfg  any
		want string
	}{
		{"untagged field", &struct{ Addr string }{}, `field Addr: no env tag`},
		{"missing help", &struct {
			Addr string `env:"ADDR"`
		}{}, `field Addr: no help tag`},
		{"lower-case name", &struct {
			Addr string `env:"addr" help:"h"`
		}{}, `env name "addr" must be upper-case`},
		{"double underscore", &struct {
			Addr string `env:"HTTP__ADDR" help:"h"`
		}{}, `env name "HTTP__ADDR"`},
		{"tag options", &struct {
			Addr string `env:"ADDR,required" help:"h"`
		}{}, `env name "ADDR,required"`},
		{"duplicate name", &struct {
			A string `env:"X" help:"a"`
			B string `env:"X" help:"b"`
		}{}, `field B: variable X_X is also bound to A`},
		{"duplicate across prefixes", &struct {
			XA string   `env:"X_X" help:"a"`
			X  dupInner `envprefix:"X_"`
		}{}, `variable X_X_X is also bound to`},
		{"duplicate tag key", &struct {
			A string `env:"A" env:"B" help:"a"`
		}{}, `duplicate tag key "env"`},
		{"misspelt envprefix", &struct {
			In inner `envPrefix:"IN_"`
		}{}, `unknown tag key "envPrefix"`},
		{"envDefault", &struct {
			A string `env:"A" help:"a" envDefault:"x"`
		}{}, `unknown tag key "envDefault"`},
		{"default tag", &struct {
			A string `env:"A" help:"a" default:"x"`
		}{}, `unknown tag key "default": defaults are the struct's values`},
		// built at run time: go vet rightly rejects the malformed tag in source
		{"malformed tag", reflect.New(reflect.StructOf([]reflect.StructField{{
			Name: "A", Type: reflect.TypeFor[string](), Tag: `env:A help:"a"`,
		}})).Interface(), `malformed struct tag`},
		{"envprefix on a leaf", &struct {
			A string `envprefix:"A_"`
		}{}, `envprefix applies to struct fields only`},
		{"env on a struct", &struct {
			In inner `env:"IN" help:"h"`
		}{}, `struct fields take envprefix`},
		{"nested without prefix", &struct{ In inner }{}, `field In: nested struct needs envprefix`},
		{"bad envprefix", &struct {
			In inner `envprefix:"IN"`
		}{}, `envprefix "IN" must be`},
		{"unsupported map", &struct {
			M map[string]string `env:"M" help:"m"`
		}{}, `unsupported type map[string]string`},
		{"unsupported pointer", &struct {
			P *string `env:"P" help:"p"`
		}{}, `unsupported type *string`},
		{"unsupported int32", &struct {
			N int32 `env:"N" help:"n"`
		}{}, `unsupported type int32`},
		{"reserved _FILE", &struct {
			A string `env:"CERT_FILE" help:"a"`
		}{}, `the _FILE suffix is reserved`},
		{"tagged unexported", &struct {
			a string `env:"A" help:"a"`
		}{}, `field a: unexported fields cannot be set`},
		{"env - with help", &struct {
			A string `env:"-" help:"a"`
		}{}, `env:"-" excludes the field`},
		{"not a pointer", struct{}{}, `cfg must be a non-nil pointer to a struct`},
		{"nil pointer", (*struct{})(nil), `cfg must be a non-nil pointer to a struct`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { bindFails(t, tc.cfg, tc.want) })
	}
}

// bindFails checks that Bind rejects cfg with an error containing want and registers no flag.
func bindFails(t *testing.T, cfg any, want string) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	_, err := envflag.Bind(fs, "X_", cfg, nil)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Bind error = %v, want it to contain %s", err, want)
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n != 0 {
		t.Errorf("Bind failed but registered %d flags", n)
	}
}

// textGroup is ambiguous: bound as one value or by its members?
type textGroup struct{}

func (*textGroup) UnmarshalText([]byte) error  { return nil }
func (textGroup) EnvMembers() []envflag.Member { return nil }

func TestBindRejectsGroupMistakes(t *testing.T) {
	var n, m int
	var pn *int
	group := func(ms ...envflag.Member) any {
		return &struct {
			G Members `envprefix:"G_"`
		}{ms}
	}
	static := &struct {
		N int     `env:"G_N" help:"n"`
		G Members `envprefix:"G_"`
	}{}
	static.G = Members{{Name: "n", Env: "X", Help: "n", Value: &static.N}, {Name: "m", Env: "N", Help: "m", Value: &m}}
	self := &Members{}
	*self = Members{{Name: "self", Value: self}}
	cases := []struct {
		name string
		cfg  any
		want string
	}{
		{"group without envprefix", &struct{ G Members }{}, `field G: Group field needs envprefix`},
		{"embedded group without envprefix", &struct{ Members }{}, `field Members: Group field needs envprefix`},
		{"group with env", &struct {
			G Members `env:"G" help:"g"`
		}{}, `field G: Group fields take envprefix`},
		{"bad group envprefix", &struct {
			G Members `envprefix:"g_"`
		}{}, `field G: envprefix "g_" must be`},
		{"nil pointer group", &struct {
			G *Members `envprefix:""`
		}{}, `field G: the Group is nil`},
		{"nil interface group", &struct {
			G envflag.Group `envprefix:""`
		}{}, `field G: the Group is nil`},
		{"group and TextUnmarshaler", &struct {
			G textGroup `envprefix:""`
		}{}, `field G: type envflag_test.textGroup is both a Group and an encoding.TextUnmarshaler`},
		{"member without name", group(envflag.Member{Env: "N", Help: "n", Value: &n}), `field G: member 0 has no Name`},
		{"member name with a dot", group(envflag.Member{Name: "a.b", Env: "N", Help: "n", Value: &n}),
			`field G: member name "a.b" must not contain '.'`},
		{"duplicate member names", group(envflag.Member{Name: "n", Env: "N", Help: "n", Value: &n},
			envflag.Member{Name: "n", Env: "M", Help: "m", Value: &m}), `field G: two members are named "n"`},
		{"nil Value", group(envflag.Member{Name: "n", Env: "N", Help: "n"}),
			`field G.n: Value must be a non-nil pointer, got <nil>`},
		{"nil pointer Value", group(envflag.Member{Name: "n", Env: "N", Help: "n", Value: pn}),
			`field G.n: Value must be a non-nil pointer, got *int`},
		{"non-pointer Value", group(envflag.Member{Name: "n", Env: "N", Help: "n", Value: 3}),
			`field G.n: Value must be a non-nil pointer, got int`},
		{"single value without help", group(envflag.Member{Name: "n", Env: "N", Value: &n}), `field G.n: no Help`},
		{"single value with blank help", group(envflag.Member{Name: "n", Env: "N", Help: " ", Value: &n}), `field G.n: no Help`},
		{"single value without env", group(envflag.Member{Name: "n", Help: "n", Value: &n}), `field G.n: env name ""`},
		{"single value with a prefix as env", group(envflag.Member{Name: "n", Env: "N_", Help: "n", Value: &n}),
			`field G.n: env name "N_"`},
		{"unsupported member type", group(envflag.Member{Name: "n", Env: "N", Help: "n", Value: &map[string]string{}}),
			`field G.n: unsupported type map[string]string`},
		{"pointer to a pointer", group(envflag.Member{Name: "n", Env: "N", Help: "n", Value: &pn}),
			`field G.n: unsupported type *int`},
		{"reserved _FILE", group(envflag.Member{Name: "n", Env: "CERT_FILE", Help: "n", Value: &n}),
			`the _FILE suffix is reserved`},
		{"struct member with help", group(envflag.Member{Name: "s", Help: "h", Value: &comfyConfig{}}),
			`field G.s: Help applies to single values`},
		{"struct member with a name as env", group(envflag.Member{Name: "s", Env: "COMFY", Value: &comfyConfig{}}),
			`field G.s: Env "COMFY" of a struct member is a prefix`},
		{"untagged field of a struct member", group(envflag.Member{Name: "s", Value: &struct{ A string }{}}),
			`field G.s.A: no env tag`},
		{"member named like a static field", static, `field G.m: variable X_G_N is also bound to N`},
		{"members of two groups collide", &struct {
			A Members `envprefix:""`
			B Members `envprefix:""`
		}{Members{{Name: "n", Env: "N", Help: "n", Value: &n}}, Members{{Name: "m", Env: "N", Help: "m", Value: &m}}},
			`field B.m: variable X_N is also bound to A.n`},
		{"two members write one value", group(envflag.Member{Name: "n", Env: "N", Help: "n", Value: &n},
			envflag.Member{Name: "m", Env: "M", Help: "m", Value: &n}), `field G.m: variable X_G_M writes to the same value as X_G_N`},
		{"member writes a static field", static, `field G.n: variable X_G_X writes to the same value as X_G_N`},
		{"group containing itself", &struct {
			G *Members `envprefix:""`
		}{self}, `field G.self.self: the Group is also bound at G.self`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { bindFails(t, tc.cfg, tc.want) })
	}
}

func TestBindRejectsBadPrefixAndExistingFlags(t *testing.T) {
	cfg := defaults()
	for _, p := range []string{"companionhub_", "COMPANIONHUB", "_X_"} {
		if _, err := envflag.Bind(flag.NewFlagSet("t", flag.ContinueOnError), p, &cfg, nil); err == nil {
			t.Errorf("prefix %q accepted", p)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("http-addr", "", "taken")
	_, err := envflag.Bind(fs, prefix, &cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "flag --http-addr is already defined") {
		t.Errorf("Bind error = %v", err)
	}
	if _, err := envflag.Bind(flag.NewFlagSet("t", flag.ContinueOnError), "", &cfg, nil); err != nil {
		t.Errorf("empty prefix: %v", err)
	}
}

func TestReportsEveryBindErrorAtOnce(t *testing.T) {
	_, err := envflag.Bind(flag.NewFlagSet("t", flag.ContinueOnError), "X_", &struct {
		A string
		B string `env:"B"`
	}{}, nil)
	if err == nil || len(strings.Split(err.Error(), "\n")) != 2 {
		t.Errorf("want two errors, got %v", err)
	}
}
