package envflag_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
)

// rate stands for a type like ratelimit.Limit: text in, text out.
type rate struct {
	N   int
	Per time.Duration
}

func (r *rate) UnmarshalText(b []byte) error {
	n, per, ok := strings.Cut(string(b), "/")
	if !ok {
		return fmt.Errorf("rate %q: want N/duration", b)
	}
	var err error
	if r.N, err = strconv.Atoi(n); err != nil {
		return fmt.Errorf("rate %q: bad count", b)
	}
	if r.Per, err = time.ParseDuration(per); err != nil {
		return fmt.Errorf("rate %q: bad period", b)
	}
	return nil
}

func (r rate) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("%d/%s", r.N, r.Per)), nil }

type mode string

type Region struct {
	Region string `env:"REGION" help:"region"`
}

type authConfig struct {
	SessionTTL time.Duration `env:"SESSION_TTL" help:"session lifetime"`
	Pepper     secret.String `env:"PEPPER" help:"password pepper"`
}

type logConfig struct {
	Level string `env:"LOG_LEVEL" help:"minimum level"`
	Dev   bool   `env:"DEV" help:"development mode"`
}

type config struct {
	Region
	Addr     string        `env:"HTTP_ADDR" help:"address to listen on" json:"addr"`
	Debug    bool          `env:"DEBUG" help:"debug endpoints"`
	Workers  int           `env:"WORKERS" help:"worker count"`
	MaxBytes int64         `env:"MAX_BYTES" help:"largest upload"`
	Ratio    float64       `env:"RATIO" help:"sampling ratio"`
	Timeout  time.Duration `env:"TIMEOUT" help:"request timeout"`
	Origins  []string      `env:"ORIGINS" help:"allowed origins"`
	APIKey   secret.String `env:"API_KEY" help:"provider key"`
	Login    rate          `env:"RATE_LOGIN" help:"login limit"`
	Mode     mode          `env:"MODE" help:"mode"`
	Auth     authConfig    `envprefix:"AUTH_"`
	Log      logConfig     `envprefix:""`
	Derived  string        `env:"-"`
	internal int
}

func defaults() config {
	return config{
		Region:   Region{Region: "eu"},
		Addr:     ":8080",
		Workers:  4,
		MaxBytes: 5 << 20,
		Ratio:    0.5,
		Timeout:  30 * time.Second,
		Origins:  []string{"a", "b"},
		APIKey:   "sk-default",
		Login:    rate{N: 5, Per: 15 * time.Minute},
		Mode:     "fast",
		Auth:     authConfig{SessionTTL: 720 * time.Hour},
		Log:      logConfig{Level: "info"},
	}
}

const prefix = "COMPANIONHUB_"

// load binds a fresh default config, parses args and applies env; it fails the test on Bind or
// Parse errors and returns Apply's error.
func load(t *testing.T, env map[string]string, args ...string) (config, *envflag.Binding, error) {
	t.Helper()
	cfg := defaults()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b, err := envflag.Bind(fs, prefix, &cfg, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("Bind: %v", err)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg, b, b.Apply()
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "value")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedenceIsFlagThenEnvThenFileThenDefault(t *testing.T) {
	file := writeFile(t, ":3000\n")
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"default", nil, nil, ":8080"},
		{"env", map[string]string{"COMPANIONHUB_HTTP_ADDR": ":1000"}, nil, ":1000"},
		{"file", map[string]string{"COMPANIONHUB_HTTP_ADDR_FILE": file}, nil, ":3000"},
		{"flag over env", map[string]string{"COMPANIONHUB_HTTP_ADDR": ":1000"}, []string{"--http-addr", ":2000"}, ":2000"},
		{"flag over file", map[string]string{"COMPANIONHUB_HTTP_ADDR_FILE": file}, []string{"-http-addr=:2000"}, ":2000"},
		{"flag over conflicting env and file", map[string]string{"COMPANIONHUB_HTTP_ADDR": ":1", "COMPANIONHUB_HTTP_ADDR_FILE": file}, []string{"--http-addr=:2000"}, ":2000"},
		{"empty env is unset", map[string]string{"COMPANIONHUB_HTTP_ADDR": ""}, nil, ":8080"},
		{"empty env falls back to file", map[string]string{"COMPANIONHUB_HTTP_ADDR": "", "COMPANIONHUB_HTTP_ADDR_FILE": file}, nil, ":3000"},
		{"empty flag sets empty", map[string]string{"COMPANIONHUB_HTTP_ADDR": ":1000"}, []string{"--http-addr="}, ""},
		{"unprefixed env is ignored", map[string]string{"HTTP_ADDR": ":1000"}, nil, ":8080"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := load(t, tc.env, tc.args...)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if cfg.Addr != tc.want {
				t.Errorf("Addr = %q, want %q", cfg.Addr, tc.want)
			}
		})
	}
}

func TestEveryTypeParses(t *testing.T) {
	cases := []struct {
		env  string
		val  string
		want func(c *config) // applied to the defaults: every other field must keep its default
	}{
		{"REGION", "us", func(c *config) { c.Region.Region = "us" }},
		{"DEBUG", "true", func(c *config) { c.Debug = true }},
		{"DEBUG", "0", func(c *config) { c.Debug = false }},
		{"WORKERS", "-12", func(c *config) { c.Workers = -12 }},
		{"WORKERS", "010", func(c *config) { c.Workers = 10 }},
		{"MAX_BYTES", "9000000000", func(c *config) { c.MaxBytes = 9000000000 }},
		{"RATIO", "1e-3", func(c *config) { c.Ratio = 0.001 }},
		{"TIMEOUT", "1h30m", func(c *config) { c.Timeout = 90 * time.Minute }},
		{"ORIGINS", " x.example , y.example,, ", func(c *config) { c.Origins = []string{"x.example", "y.example"} }},
		{"ORIGINS", ",", func(c *config) { c.Origins = []string{} }},
		{"API_KEY", "sk-live", func(c *config) { c.APIKey = "sk-live" }},
		{"RATE_LOGIN", "3/1h", func(c *config) { c.Login = rate{N: 3, Per: time.Hour} }},
		{"MODE", "slow", func(c *config) { c.Mode = "slow" }},
		{"AUTH_SESSION_TTL", "2h", func(c *config) { c.Auth.SessionTTL = 2 * time.Hour }},
		{"AUTH_PEPPER", "p3pp3r", func(c *config) { c.Auth.Pepper = "p3pp3r" }},
		{"LOG_LEVEL", "debug", func(c *config) { c.Log.Level = "debug" }},
		{"DEV", "TRUE", func(c *config) { c.Log.Dev = true }},
	}
	for _, tc := range cases {
		t.Run(tc.env+"="+tc.val, func(t *testing.T) {
			got, _, err := load(t, map[string]string{prefix + tc.env: tc.val})
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			want := defaults()
			tc.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestFlagsCoverEveryType(t *testing.T) {
	cfg, _, err := load(t, nil, "--debug", "--workers=7", "--timeout", "2s", "--origins=p,q",
		"--api-key=k", "--rate-login=1/1s", "--auth-session-ttl=5m", "--dev", "--log-level=warn", "--region=ap")
	if err != nil {
		t.Fatal(err)
	}
	want := defaults()
	want.Debug, want.Workers, want.Timeout, want.Origins = true, 7, 2*time.Second, []string{"p", "q"}
	want.APIKey, want.Login, want.Auth.SessionTTL = "k", rate{1, time.Second}, 5*time.Minute
	want.Log, want.Region.Region = logConfig{Level: "warn", Dev: true}, "ap"
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
}

func TestBadValuesNameTheVariableAndFlag(t *testing.T) {
	cases := []struct {
		env, val, want string
	}{
		{"TIMEOUT", "abc", `COMPANIONHUB_TIMEOUT (--timeout): invalid duration "abc"`},
		{"TIMEOUT", "30", `COMPANIONHUB_TIMEOUT (--timeout): invalid duration "30"`},
		{"DEBUG", "maybe", `COMPANIONHUB_DEBUG (--debug): invalid boolean "maybe"`},
		{"WORKERS", "4.5", `COMPANIONHUB_WORKERS (--workers): invalid integer "4.5"`},
		{"WORKERS", "0x10", `COMPANIONHUB_WORKERS (--workers): invalid integer "0x10"`},
		{"MAX_BYTES", "99999999999999999999", `COMPANIONHUB_MAX_BYTES (--max-bytes): integer "99999999999999999999" out of range`},
		{"RATIO", "NaN", `COMPANIONHUB_RATIO (--ratio): invalid number "NaN"`},
		{"RATIO", "half", `COMPANIONHUB_RATIO (--ratio): invalid number "half"`},
		{"RATE_LOGIN", "lots", `COMPANIONHUB_RATE_LOGIN (--rate-login): rate "lots": want N/duration`},
		{"AUTH_SESSION_TTL", "forever", `COMPANIONHUB_AUTH_SESSION_TTL (--auth-session-ttl): invalid duration "forever"`},
	}
	for _, tc := range cases {
		t.Run(tc.env+"="+tc.val, func(t *testing.T) {
			_, _, err := load(t, map[string]string{prefix + tc.env: tc.val})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %s", err, tc.want)
			}
			var ve *envflag.VarError
			if !errors.As(err, &ve) || ve.Name != prefix+tc.env {
				t.Errorf("want a *VarError for %s, got %#v", prefix+tc.env, err)
			}
		})
	}
	t.Run("from a flag", func(t *testing.T) {
		_, _, err := load(t, nil, "--workers=many")
		if want := `COMPANIONHUB_WORKERS (--workers): invalid integer "many"`; err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
	})
}

func TestApplyReportsAllErrorsSortedAndKeepsDefaultsForThem(t *testing.T) {
	cfg, _, err := load(t, map[string]string{
		"COMPANIONHUB_WORKERS":   "x",
		"COMPANIONHUB_HTTP_ADDR": ":1", // valid: applied, so Validate can judge it with the rest
		"COMPANIONHUB_DEBUG":     "x",
		"COMPANIONHUB_TIMEOUT":   "x",
	})
	want := strings.Join([]string{
		`COMPANIONHUB_DEBUG (--debug): invalid boolean "x" (want true or false)`,
		`COMPANIONHUB_TIMEOUT (--timeout): invalid duration "x" (e.g. 30s, 5m, 1h30m)`,
		`COMPANIONHUB_WORKERS (--workers): invalid integer "x"`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("error =\n%v\nwant\n%s", err, want)
	}
	want2 := defaults()
	want2.Addr = ":1"
	if !reflect.DeepEqual(cfg, want2) {
		t.Errorf("config = %+v, want the defaults with only the valid value applied", cfg)
	}
}

func TestFileSource(t *testing.T) {
	big := strings.Repeat("x", 1<<20+1)
	cases := []struct {
		name, content, want, wantErr string
		missing                      bool
	}{
		{name: "trailing newline dropped", content: "s3cret\n", want: "s3cret"},
		{name: "CRLF dropped", content: "s3cret\r\n", want: "s3cret"},
		{name: "only one newline dropped", content: "s3cret\n\n", want: "s3cret\n"},
		{name: "inner whitespace kept", content: " a b ", want: " a b "},
		{name: "missing", missing: true, wantErr: "COMPANIONHUB_API_KEY (--api-key): COMPANIONHUB_API_KEY_FILE: open "},
		{name: "too big", content: big, wantErr: "larger than 1048576 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "nope")
			if !tc.missing {
				path = writeFile(t, tc.content)
			}
			cfg, _, err := load(t, map[string]string{"COMPANIONHUB_API_KEY_FILE": path})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.APIKey.Reveal() != tc.want {
				t.Errorf("APIKey = %q, want %q", cfg.APIKey.Reveal(), tc.want)
			}
		})
	}
	t.Run("both set", func(t *testing.T) {
		_, _, err := load(t, map[string]string{"COMPANIONHUB_API_KEY": "a", "COMPANIONHUB_API_KEY_FILE": writeFile(t, "b")})
		want := "COMPANIONHUB_API_KEY (--api-key): both COMPANIONHUB_API_KEY and COMPANIONHUB_API_KEY_FILE are set; use one"
		if err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
	})
}

func TestVarsListsEverySetting(t *testing.T) {
	_, b, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := b.Vars()
	want := []envflag.Var{
		{Name: "COMPANIONHUB_API_KEY", Flag: "api-key", Path: "APIKey", Type: "secret", Default: "[REDACTED]", Help: "provider key", Secret: true},
		{Name: "COMPANIONHUB_AUTH_PEPPER", Flag: "auth-pepper", Path: "Auth.Pepper", Type: "secret", Default: "", Help: "password pepper", Secret: true},
		{Name: "COMPANIONHUB_AUTH_SESSION_TTL", Flag: "auth-session-ttl", Path: "Auth.SessionTTL", Type: "duration", Default: "720h0m0s", Help: "session lifetime"},
		{Name: "COMPANIONHUB_DEBUG", Flag: "debug", Path: "Debug", Type: "bool", Default: "false", Help: "debug endpoints"},
		{Name: "COMPANIONHUB_DEV", Flag: "dev", Path: "Log.Dev", Type: "bool", Default: "false", Help: "development mode"},
		{Name: "COMPANIONHUB_HTTP_ADDR", Flag: "http-addr", Path: "Addr", Type: "string", Default: ":8080", Help: "address to listen on"},
		{Name: "COMPANIONHUB_LOG_LEVEL", Flag: "log-level", Path: "Log.Level", Type: "string", Default: "info", Help: "minimum level"},
		{Name: "COMPANIONHUB_MAX_BYTES", Flag: "max-bytes", Path: "MaxBytes", Type: "int64", Default: "5242880", Help: "largest upload"},
		{Name: "COMPANIONHUB_MODE", Flag: "mode", Path: "Mode", Type: "string", Default: "fast", Help: "mode"},
		{Name: "COMPANIONHUB_ORIGINS", Flag: "origins", Path: "Origins", Type: "list", Default: "a,b", Help: "allowed origins"},
		{Name: "COMPANIONHUB_RATE_LOGIN", Flag: "rate-login", Path: "Login", Type: "envflag_test.rate", Default: "5/15m0s", Help: "login limit"},
		{Name: "COMPANIONHUB_RATIO", Flag: "ratio", Path: "Ratio", Type: "float", Default: "0.5", Help: "sampling ratio"},
		{Name: "COMPANIONHUB_REGION", Flag: "region", Path: "Region", Type: "string", Default: "eu", Help: "region"},
		{Name: "COMPANIONHUB_TIMEOUT", Flag: "timeout", Path: "Timeout", Type: "duration", Default: "30s", Help: "request timeout"},
		{Name: "COMPANIONHUB_WORKERS", Flag: "workers", Path: "Workers", Type: "int", Default: "4", Help: "worker count"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Vars() =\n%s\nwant\n%s", dump(got), dump(want))
	}
	if v, ok := b.Lookup("Auth.SessionTTL"); !ok || v.Name != "COMPANIONHUB_AUTH_SESSION_TTL" {
		t.Errorf("Lookup(Auth.SessionTTL) = %+v, %v", v, ok)
	}
	if _, ok := b.Lookup("Derived"); ok {
		t.Error(`Lookup found a field tagged env:"-"`)
	}
}

func dump(vs []envflag.Var) string {
	var sb strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&sb, "%+v\n", v)
	}
	return sb.String()
}

func TestFlagHelpNamesTheVariableAndHidesSecrets(t *testing.T) {
	cfg := defaults()
	cfg.APIKey = "sk-do-not-print"
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	if _, err := envflag.Bind(fs, prefix, &cfg, nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	fs.SetOutput(&out)
	fs.PrintDefaults()
	help := out.String()
	for _, want := range []string{
		"-http-addr value\n    \taddress to listen on (env COMPANIONHUB_HTTP_ADDR) (default :8080)",
		"-api-key value\n    \tprovider key (env COMPANIONHUB_API_KEY) (default [REDACTED])",
		"-debug\n    \tdebug endpoints (env COMPANIONHUB_DEBUG)\n",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "sk-do-not-print") || strings.Contains(help, "panic") {
		t.Errorf("help output:\n%s", help)
	}
}

func TestExplainNamesVariablesOfValidationErrors(t *testing.T) {
	_, b, err := load(t, map[string]string{"COMPANIONHUB_WORKERS": "x"})
	validate := errors.Join(
		envflag.Within("Auth", envflag.Field("SessionTTL", "must be at least 1m")),
		envflag.Within("Log", fmt.Errorf("log: %w", envflag.Fieldf("Level", "unknown level %q", "loud"))),
		envflag.Field("Addr", "must be host:port"),
		envflag.Field("NoSuchField", "kept as is"),
		errors.New("an unattributed error"),
	)
	got := b.Explain(errors.Join(err, validate))
	want := strings.Join([]string{
		`COMPANIONHUB_AUTH_SESSION_TTL (--auth-session-ttl): must be at least 1m`,
		`COMPANIONHUB_HTTP_ADDR (--http-addr): must be host:port`,
		`COMPANIONHUB_LOG_LEVEL (--log-level): unknown level "loud"`,
		`COMPANIONHUB_WORKERS (--workers): invalid integer "x"`,
		`NoSuchField: kept as is`,
		`an unattributed error`,
	}, "\n")
	if got == nil || got.Error() != want {
		t.Errorf("Explain =\n%v\nwant\n%s", got, want)
	}
	if b.Explain(nil) != nil || envflag.Within("X", nil) != nil {
		t.Error("nil must stay nil")
	}
}

func TestUnsignedIntegers(t *testing.T) {
	t.Parallel()
	var cfg struct {
		Memory uint32 `env:"MEMORY" help:"memory"`
		Lanes  uint8  `env:"LANES" help:"lanes"`
	}
	cfg.Lanes = 1
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	b, err := envflag.Bind(fs, "X_", &cfg, func(k string) (string, bool) {
		v, ok := map[string]string{"X_MEMORY": "19456"}[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"--lanes=4"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if cfg.Memory != 19456 || cfg.Lanes != 4 {
		t.Fatalf("got memory %d, lanes %d", cfg.Memory, cfg.Lanes)
	}
	if err := fs.Parse([]string{"--lanes=256"}); err != nil {
		t.Fatal(err)
	}
	want := `X_LANES (--lanes): invalid unsigned integer "256" (want 0 to 255)`
	if err := b.Apply(); err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}
