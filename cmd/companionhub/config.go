package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	companionhub "github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/envflag"
)

// errHelp is returned when -h was asked for; the usage has been printed.
var errHelp = errors.New("help requested")

// configError is a configuration that cannot start; each line names a variable and its flag.
type configError struct{ err error }

func (c *configError) Error() string { return c.err.Error() }

func (c *configError) indented() string {
	lines := strings.Split(c.err.Error(), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}

// command is a subcommand's flag set with the whole hub configuration bound to it.
type command struct {
	fs      *flag.FlagSet
	cfg     companionhub.Config
	binding *envflag.Binding
}

// newCommand binds the configuration to a fresh flag set named name; extra registers the
// command's own flags.
func newCommand(name, summary string, e env, extra func(fs *flag.FlagSet)) (*command, error) {
	c := &command{fs: flag.NewFlagSet(name, flag.ContinueOnError), cfg: companionhub.DefaultConfig()}
	c.fs.SetOutput(e.stderr)
	if extra != nil {
		extra(c.fs)
	}
	b, err := envflag.Bind(c.fs, companionhub.EnvPrefix, &c.cfg, e.lookup)
	if err != nil {
		return nil, fmt.Errorf("bind configuration: %w", err)
	}
	c.binding = b
	c.fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: companionhub %s [flags]\n\n%s\n\nflags (each also an environment variable):\n", name, summary)
		c.fs.PrintDefaults()
	}
	return c, nil
}

// parse reads flags and environment, then validates; errors name the variables.
func (c *command) parse(args []string) error {
	if err := c.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errors.Join(errUsage, err)
	}
	if err := c.binding.Explain(errors.Join(c.binding.Apply(), c.cfg.Validate())); err != nil {
		return &configError{err: err}
	}
	return nil
}

// check explains a validation error of the command's own (naming variables and flags).
func (c *command) check(err error) error {
	if err := c.binding.Explain(err); err != nil {
		return &configError{err: err}
	}
	return nil
}

func version() string {
	if v := companionhub.BuildVersion(); v != "dev" {
		return "companionhub " + v
	}
	return "companionhub (development build)"
}
