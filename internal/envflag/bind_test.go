package envflag_test

import (
	"flag"
	"reflect"
	"strings"
	"testing"

	"github.com/companionhub/companionhub/internal/envflag"
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
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			_, err := envflag.Bind(fs, "X_", tc.cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Bind error = %v, want it to contain %s", err, tc.want)
			}
			n := 0
			fs.VisitAll(func(*flag.Flag) { n++ })
			if n != 0 {
				t.Errorf("Bind failed but registered %d flags", n)
			}
		})
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
