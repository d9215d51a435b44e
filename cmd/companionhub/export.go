package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/companionhub/companionhub/adapter/httpapi/exportzip"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/userdata"
)

// adminExportUser writes a person's data export (what GET /api/v1/me/export gives them) to a file.
func adminExportUser(ctx context.Context, args []string, e env) error {
	var user, to string
	c, err := newCommand("admin export-user", "Writes everything an account owns to a zip, as the person's own export gives it.", e,
		func(fs *flag.FlagSet) {
			fs.StringVar(&user, "user", "", "the account's username or e-mail address (required)")
			fs.StringVar(&to, "to", "", "the zip to write (must not exist; required)")
		})
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	if user == "" || to == "" {
		fmt.Fprintln(e.stderr, "admin export-user: --user and --to are required")
		return errUsage
	}
	hub, done, err := openHub(ctx, c, e)
	if err != nil {
		return err
	}
	defer done()
	u, err := hub.Accounts.FindUser.Handle(ctx, accountuc.FindUser{Identifier: user})
	if err != nil {
		return describe(err)
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	start := time.Now()
	zw, err := exportzip.New(f, start.UTC())
	var out userdata.Exported
	if err == nil {
		out, err = hub.UserData.Export.Handle(ctx, userdata.Export{UserID: u.ID(), Sink: zw})
	}
	if err == nil {
		err = zw.Close()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		_ = os.Remove(to) // a cut-short export is no export
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "exported %s: %d companion(s), %d message(s), %d memory(ies), %d file(s) to %s in %s\n", u.Username(),
		out.Companions, out.Messages, out.Memories, out.Files, to, time.Since(start).Round(time.Millisecond))
	return nil
}
