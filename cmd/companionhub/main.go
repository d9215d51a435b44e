// Command companionhub serves Companion Hub and administers its data.
//
//	companionhub serve                   run the HTTP server (migrates SQLite automatically)
//	companionhub worker                  run chat turns and schedules' firings from Temporal (COMPANIONHUB_TURN_RUNNER=temporal)
//	companionhub migrate up|status       apply or list database migrations
//	companionhub admin user create …     create an account from the command line
//	companionhub admin cleanup-orphans   delete stored files no row refers to
//	companionhub admin purge-companions  delete companions trashed longer than the retention
//	companionhub admin backup --to FILE  a consistent copy of the SQLite database
//
// Every setting is an environment variable COMPANIONHUB_… and an equivalent flag; run a subcommand
// with -h to list them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// exit codes
const (
	exitOK     = 0
	exitFail   = 1
	exitUsage  = 2
	exitConfig = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, lookup: os.LookupEnv})
	stop()
	os.Exit(code)
}

// env is the process's outside world, injected so tests can run commands in-process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	lookup func(string) (string, bool)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: companionhub <command> [flags]

commands:
  serve                 run the hub's HTTP server until interrupted
  worker                run chat turns and schedules' firings from Temporal (servers with COMPANIONHUB_TURN_RUNNER=temporal)
  migrate up            apply pending database migrations
  migrate status        list migrations and whether they are applied
  admin user create     create an account (password read from stdin or prompted)
  admin cleanup-orphans delete stored files no row refers to (--dry-run, --grace 1h)
  admin purge-companions
                        delete companions trashed longer than COMPANIONHUB_COMPANION_RETENTION (--dry-run)
  admin reports         list a published companion's reports (--companion ID)
  admin unpublish       withdraw a published companion (--companion ID, --reason TEXT)
  admin backup          write a consistent copy of the SQLite database while the hub runs (--to FILE)
  admin export-user     write everything an account owns to a zip (--user NAME, --to FILE.zip)
  admin usage           what the providers did for whom, priced (--from DAY, --to DAY, --user NAME, --format table|csv|json)
  admin quota           an account's daily quotas, or set them (--user NAME, --tokens N|default, --pictures …, --speech …)
  healthcheck           exit 0 when a running hub answers /healthz (--url URL): a container's health check
  version               print the version

Run "companionhub <command> -h" for the flags of a command. Every flag has an environment variable
COMPANIONHUB_<NAME>; flags win over variables.
`)
}

// errUsage marks mistakes in how a command was called (exit code 2).
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], e)
	case "worker":
		err = workerCmd(ctx, args[1:], e)
	case "migrate":
		err = migrate(ctx, args[1:], e)
	case "admin":
		err = admin(ctx, args[1:], e)
	case "healthcheck":
		err = healthcheck(ctx, args[1:], e)
	case "version":
		fmt.Fprintln(e.stdout, version())
	case "help", "-h", "--help":
		usage(e.stdout)
	default:
		fmt.Fprintf(e.stderr, "companionhub: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return exitUsage
	}
	var cfgErr *configError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitUsage
	case errors.As(err, &cfgErr):
		fmt.Fprintf(e.stderr, "companionhub: invalid configuration:\n%s\n", cfgErr.indented())
		return exitConfig
	default:
		fmt.Fprintf(e.stderr, "companionhub: %v\n", err)
		return exitFail
	}
}
