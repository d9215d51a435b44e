package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/usecase/community"
)

// The moderators' commands: read the reports about a published companion, and take it out of the
// community whoever owns it.

func companionFlag(id *string) func(fs *flag.FlagSet) {
	return func(fs *flag.FlagSet) { fs.StringVar(id, "companion", "", "the companion's id") }
}

func parseCompanion(cmd, text string) (domain.ID, error) {
	id, err := domain.ParseID(text)
	if err != nil {
		return domain.ID{}, fmt.Errorf("%s: --companion must be a companion id: %w", cmd, errUsage)
	}
	return id, nil
}

// adminReports lists the reports about a companion, newest first.
func adminReports(ctx context.Context, args []string, e env) error {
	var companion string
	c, err := newCommand("admin reports", "Lists the reports about a published companion, newest first.", e,
		companionFlag(&companion))
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	id, err := parseCompanion("admin reports", companion)
	if err != nil {
		return err
	}
	hub, done, err := openHub(ctx, c, e)
	if err != nil {
		return err
	}
	defer done()
	reports, err := hub.Community.Reports.Handle(ctx, community.ListReports{CompanionID: id})
	if err != nil {
		return describe(err)
	}
	for _, r := range reports {
		fmt.Fprintf(e.stdout, "%s  %-26s by %s  %q\n", r.At.UTC().Format("2006-01-02 15:04"), r.Reason, r.ReporterID, r.Details)
	}
	fmt.Fprintf(e.stdout, "%d report(s)\n", len(reports))
	return nil
}

// adminUnpublish takes a companion out of the community, whoever owns it (audited on the owner's
// trail, by an admin, with the reason).
func adminUnpublish(ctx context.Context, args []string, e env) error {
	var companion, reason string
	c, err := newCommand("admin unpublish", "Takes a published companion out of the community, whoever owns it.", e,
		func(fs *flag.FlagSet) {
			companionFlag(&companion)(fs)
			fs.StringVar(&reason, "reason", "", "why, for the owner's audit trail")
		})
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	id, err := parseCompanion("admin unpublish", companion)
	if err != nil {
		return err
	}
	hub, done, err := openHub(ctx, c, e)
	if err != nil {
		return err
	}
	defer done()
	if _, err := hub.Community.Unpublish.Handle(ctx, community.Unpublish{CompanionID: id, ByModerator: true, Reason: reason,
		Meta: audit.Meta{UserAgent: "companionhub admin"}}); err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "unpublished %s\n", id)
	return nil
}
