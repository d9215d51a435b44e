package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"
	"golang.org/x/term"

	companionhub "github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/logkey"
)

const adminHelp = `usage:
  companionhub admin user create --email E --username U [--display-name N] [flags]
  companionhub admin cleanup-orphans [--dry-run] [--grace 1h] [flags]
  companionhub admin purge-companions [--dry-run] [flags]
  companionhub admin reports --companion ID [flags]
  companionhub admin unpublish --companion ID [--reason TEXT] [flags]
  companionhub admin backup --to FILE [flags]
  companionhub admin export-user --user USERNAME --to FILE.zip [flags]
  companionhub admin usage [--from DAY] [--to DAY] [--user USERNAME] [--format table|csv|json] [flags]
  companionhub admin quota --user USERNAME [--tokens N|default] [--pictures N|default] [--speech N|default] [flags]`

func admin(ctx context.Context, args []string, e env) error {
	switch {
	case len(args) >= 2 && args[0] == "user" && args[1] == "create":
		return adminUserCreate(ctx, args[2:], e)
	case len(args) >= 1 && args[0] == "cleanup-orphans":
		return adminCleanupOrphans(ctx, args[1:], e)
	case len(args) >= 1 && args[0] == "purge-companions":
		return adminPurgeCompanions(ctx, args[1:], e)
	case len(args) >= 1 && args[0] == "reports":
		return adminReports(ctx, args[1:], e)
	case len(args) >= 1 && args[0] == "unpublish":
		return adminUnpublish(ctx, args[1:], e)
	case len(args) >= 1 && args[0] == "backup":
		return adminBackup(ctx, args[1:], e)
	case len(args) >= 1 && args[0] == "export-user":
		return adminExportUser(ctx, args[1:], e)
	case len(args) >= 1 && args[0] == "usage":
		return adminUsage(ctx, args[1:], e)
	case len(args) >= 1 && args[0] == "quota":
		return adminQuota(ctx, args[1:], e)
	}
	fmt.Fprintln(e.stderr, adminHelp)
	return errUsage
}

// openHub builds a hub for an admin command: logging only warnings and errors, as befits a tool.
func openHub(ctx context.Context, c *command, e env) (*companionhub.Hub, func(), error) {
	c.cfg.Log.Level = "warn"
	log, err := newLogger(c.cfg, e)
	if err != nil {
		return nil, nil, err
	}
	hub, err := companionhub.New(ctx, c.cfg, log.With(zap.String(logkey.Command, "admin")))
	if err != nil {
		_ = log.Sync()
		return nil, nil, err
	}
	return hub, func() { hub.Close(); _ = log.Sync() }, nil
}

// adminUserCreate creates an account. The password is never a flag (it would show in the process
// list): it is prompted for twice without echo on a terminal, or read as the first line of stdin.
func adminUserCreate(ctx context.Context, args []string, e env) error {
	var email, username, displayName string
	c, err := newCommand("admin user create", "Creates an account with the same rules as registration (no rate limit).", e,
		func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "e-mail address of the new account (required)")
			fs.StringVar(&username, "username", "", "username of the new account (required)")
			fs.StringVar(&displayName, "display-name", "", "display name (default: the username)")
		})
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	if email == "" || username == "" {
		fmt.Fprintln(e.stderr, "admin user create: --email and --username are required")
		return errUsage
	}
	if displayName == "" {
		displayName = username
	}
	password, err := readPassword(e)
	if err != nil {
		return err
	}
	hub, done, err := openHub(ctx, c, e)
	if err != nil {
		return err
	}
	defer done()
	u, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: email, Username: username, DisplayName: displayName,
		Password: password, ByAdmin: true, Meta: audit.Meta{UserAgent: "companionhub admin"}})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "created user %s (id %s)\n", u.Username(), u.ID())
	return nil
}

// describe turns a use-case error into a message for a person at a terminal.
func describe(err error) error {
	de := domain.AsError(err)
	if de == nil || domain.KindOf(err) == domain.KindInternal {
		return err
	}
	var b strings.Builder
	b.WriteString(de.Message)
	for _, f := range domain.Violations(err) {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	for _, h := range de.Hints {
		fmt.Fprintf(&b, "\n  hint: %s", h)
	}
	return errors.New(b.String())
}

func readPassword(e env) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(e.stderr, "repeat password: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(p1) != string(p2) {
			return "", errors.New("the passwords do not match")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on stdin (pipe it in, e.g. from a secret file)")
	}
	return line, nil
}
