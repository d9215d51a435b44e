package envflag_test

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
)

type HTTPConfig struct {
	Addr        string        `env:"ADDR" help:"address to listen on"`
	ReadTimeout time.Duration `env:"READ_TIMEOUT" help:"time allowed to read a request"`
}

func (c HTTPConfig) Validate() error {
	if c.ReadTimeout < time.Second {
		return envflag.Field("ReadTimeout", "must be at least 1s")
	}
	return nil
}

type AppConfig struct {
	HTTP     HTTPConfig    `envprefix:"HTTP_"`
	LLMKey   secret.String `env:"LLM_API_KEY" help:"API key of the LLM provider"`
	LogLevel string        `env:"LOG_LEVEL" help:"debug, info, warn or error"`
}

func (c AppConfig) Validate() error {
	return errors.Join(envflag.Within("HTTP", c.HTTP.Validate()))
}

func Example() {
	cfg := AppConfig{HTTP: HTTPConfig{Addr: ":8080", ReadTimeout: 10 * time.Second}, LogLevel: "info"}
	env := map[string]string{"COMPANIONHUB_HTTP_READ_TIMEOUT": "10ms", "COMPANIONHUB_LLM_API_KEY": "sk-123"}

	fs := flag.NewFlagSet("companionhub serve", flag.ContinueOnError)
	b, err := envflag.Bind(fs, "COMPANIONHUB_", &cfg, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		panic(err) // a tagging mistake: a bug, caught by any test that builds the config
	}
	if err := fs.Parse([]string{"--log-level=debug"}); err != nil {
		panic(err)
	}
	err = b.Apply()
	if err == nil {
		err = cfg.Validate()
	}
	if err := b.Explain(err); err != nil {
		fmt.Println(err)
	}
	fmt.Println(cfg.LogLevel, cfg.LLMKey)
	for _, v := range b.Vars() {
		fmt.Printf("%s --%s %s %q\n", v.Name, v.Flag, v.Type, v.Default)
	}
	// Output:
	// COMPANIONHUB_HTTP_READ_TIMEOUT (--http-read-timeout): must be at least 1s
	// debug [REDACTED]
	// COMPANIONHUB_HTTP_ADDR --http-addr string ":8080"
	// COMPANIONHUB_HTTP_READ_TIMEOUT --http-read-timeout duration "10s"
	// COMPANIONHUB_LLM_API_KEY --llm-api-key secret ""
	// COMPANIONHUB_LOG_LEVEL --log-level string "info"
}

// ComfyUIConfig is the own settings of one pluggable backend, which a binary may or may not link.
type ComfyUIConfig struct {
	Workflow string `env:"COMFYUI_WORKFLOW" help:"workflow file sent to ComfyUI"`
}

func (c ComfyUIConfig) Validate() error {
	if !strings.HasSuffix(c.Workflow, ".json") {
		return envflag.Field("Workflow", "must be a .json file")
	}
	return nil
}

// Backends maps the name of each linked backend to a pointer to its tagged Config.
type Backends map[string]any

func (b Backends) EnvMembers() []envflag.Member {
	var ms []envflag.Member
	for _, name := range slices.Sorted(maps.Keys(b)) {
		ms = append(ms, envflag.Member{Name: name, Value: b[name]})
	}
	return ms
}

func (b Backends) Validate() error {
	var errs []error
	for name, cfg := range b {
		if v, ok := cfg.(interface{ Validate() error }); ok {
			errs = append(errs, envflag.Within(name, v.Validate()))
		}
	}
	return errors.Join(errs...)
}

// RateLimits is the table of rate-limit rules, the single source of truth for their variables.
type RateLimits []RateLimit

type RateLimit struct {
	Name, Env, Help string
	PerMinute       int
}

func (r RateLimits) EnvMembers() []envflag.Member {
	ms := make([]envflag.Member, len(r))
	for i := range r { // &r[i]: Apply writes into the table itself, not into a copy
		ms[i] = envflag.Member{Name: r[i].Name, Env: r[i].Env, Help: r[i].Help, Value: &r[i].PerMinute}
	}
	return ms
}

func (r RateLimits) Validate() error {
	var errs []error
	for _, rule := range r {
		if rule.PerMinute < 1 {
			errs = append(errs, envflag.Field(rule.Name, "must allow at least 1 per minute"))
		}
	}
	return errors.Join(errs...)
}

type ServerConfig struct {
	Addr       string     `env:"HTTP_ADDR" help:"address to listen on"`
	Backends   Backends   `envprefix:""`
	RateLimits RateLimits `envprefix:"RATE_LIMIT_"`
}

func (c ServerConfig) Validate() error {
	return errors.Join(
		envflag.Within("Backends", c.Backends.Validate()),
		envflag.Within("RateLimits", c.RateLimits.Validate()),
	)
}

func Example_groups() {
	comfy := ComfyUIConfig{Workflow: "portrait.json"}
	cfg := ServerConfig{
		Addr:     ":8080",
		Backends: Backends{"comfyui": &comfy},
		RateLimits: RateLimits{
			{Name: "Login", Env: "LOGIN", Help: "login attempts per minute and address", PerMinute: 5},
			{Name: "Chat", Env: "CHAT", Help: "chat messages per minute and user", PerMinute: 30},
		},
	}
	env := map[string]string{"COMPANIONHUB_COMFYUI_WORKFLOW": "portrait.png", "COMPANIONHUB_RATE_LIMIT_CHAT": "0"}

	fs := flag.NewFlagSet("companionhub serve", flag.ContinueOnError)
	b, err := envflag.Bind(fs, "COMPANIONHUB_", &cfg, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		panic(err)
	}
	if err := fs.Parse([]string{"--rate-limit-login=10"}); err != nil {
		panic(err)
	}
	err = b.Apply()
	if err == nil {
		err = cfg.Validate()
	}
	if err := b.Explain(err); err != nil {
		fmt.Println(err)
	}
	fmt.Println(comfy.Workflow, cfg.RateLimits[0].PerMinute)
	for _, v := range b.Vars() {
		fmt.Printf("%s --%s %s %q %s\n", v.Name, v.Flag, v.Type, v.Default, v.Path)
	}
	// Output:
	// COMPANIONHUB_COMFYUI_WORKFLOW (--comfyui-workflow): must be a .json file
	// COMPANIONHUB_RATE_LIMIT_CHAT (--rate-limit-chat): must allow at least 1 per minute
	// portrait.png 10
	// COMPANIONHUB_COMFYUI_WORKFLOW --comfyui-workflow string "portrait.json" Backends.comfyui.Workflow
	// COMPANIONHUB_HTTP_ADDR --http-addr string ":8080" Addr
	// COMPANIONHUB_RATE_LIMIT_CHAT --rate-limit-chat int "30" RateLimits.Chat
	// COMPANIONHUB_RATE_LIMIT_LOGIN --rate-limit-login int "5" RateLimits.Login
}
