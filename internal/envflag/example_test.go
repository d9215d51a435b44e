package envflag_test

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/companionhub/companionhub/internal/envflag"
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
