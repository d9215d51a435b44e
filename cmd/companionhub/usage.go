package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/companionhub/companionhub/domain"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	usageuc "github.com/companionhub/companionhub/usecase/usage"
)

// adminUsage prints what the providers did, by day, person, companion, kind, provider and model,
// with its cost: a table, CSV or JSON.
func adminUsage(ctx context.Context, args []string, e env) error {
	var from, to, user, format string
	c, err := newCommand("admin usage", "Prints what the providers did for whom (tokens, pictures, speech…), priced with COMPANIONHUB_PRICE_TABLE.", e,
		func(fs *flag.FlagSet) {
			fs.StringVar(&from, "from", "", "first day, YYYY-MM-DD (default: the last 30 days with neither; --to's day with only it)")
			fs.StringVar(&to, "to", "", "last day, YYYY-MM-DD, inclusive (default: today, UTC; --from's day with only it)")
			fs.StringVar(&user, "user", "", "only this account (username or e-mail address)")
			fs.StringVar(&format, "format", "table", "table, csv or json")
		})
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	if format != "table" && format != "csv" && format != "json" {
		fmt.Fprintln(e.stderr, "admin usage: --format is table, csv or json")
		return errUsage
	}
	hub, done, err := openHub(ctx, c, e)
	if err != nil {
		return err
	}
	defer done()
	in := usageuc.All{From: from, To: to}
	if user != "" {
		u, err := hub.Accounts.FindUser.Handle(ctx, accountuc.FindUser{Identifier: user})
		if err != nil {
			return describe(err)
		}
		in.UserID = u.ID()
	}
	r, err := hub.Usage.All.Handle(ctx, in)
	if err != nil {
		return describe(err)
	}
	// Who each line's person is: their username ("" for the hub's own work, "(erased)" for one no
	// longer there).
	names := map[string]string{"": ""}
	for _, l := range r.Lines {
		if _, ok := names[l.UserID]; ok {
			continue
		}
		names[l.UserID] = "(erased)"
		if id, err := domain.ParseID(l.UserID); err == nil {
			if u, err := hub.Accounts.GetMe.Handle(ctx, accountuc.GetMe{UserID: id}); err == nil {
				names[l.UserID] = u.Username().String()
			}
		}
	}
	switch format {
	case "json":
		return writeUsageJSON(e.stdout, r, names)
	case "csv":
		return writeUsageCSV(e.stdout, r, names)
	}
	return writeUsageTable(e.stdout, r, names)
}

var usageHeader = []string{"day", "username", "user_id", "companion_id", "kind", "provider", "model", "amount", "cost"}

func usageRow(l usageuc.Line, names map[string]string) []string {
	return []string{string(l.Day), names[l.UserID], l.UserID, l.CompanionID, string(l.Kind), l.Provider, l.Model,
		strconv.FormatInt(l.Amount, 10), strconv.FormatFloat(l.Cost, 'f', -1, 64)}
}

func writeUsageCSV(w io.Writer, r usageuc.Report, names map[string]string) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(usageHeader)
	for _, l := range r.Lines {
		_ = cw.Write(usageRow(l, names))
	}
	cw.Flush()
	return cw.Error()
}

func writeUsageTable(w io.Writer, r usageuc.Report, names map[string]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(usageHeader, "\t")))
	for _, l := range r.Lines {
		fmt.Fprintln(tw, strings.Join(usageRow(l, names), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s to %s: %d line(s)", r.From, r.To, len(r.Lines))
	for _, t := range r.Totals {
		fmt.Fprintf(w, "; %s %d", t.Kind, t.Amount)
	}
	if r.Currency != "" {
		fmt.Fprintf(w, "; cost %s %s", strconv.FormatFloat(r.Cost, 'f', 2, 64), r.Currency)
	}
	fmt.Fprintln(w)
	return nil
}

func writeUsageJSON(w io.Writer, r usageuc.Report, names map[string]string) error {
	type line struct {
		Day         string  `json:"day"`
		Username    string  `json:"username"`
		UserID      string  `json:"user_id"`
		CompanionID string  `json:"companion_id"`
		Kind        string  `json:"kind"`
		Provider    string  `json:"provider"`
		Model       string  `json:"model"`
		Amount      int64   `json:"amount"`
		Cost        float64 `json:"cost"`
	}
	out := struct {
		From     string  `json:"from"`
		To       string  `json:"to"`
		Currency string  `json:"currency"`
		Cost     float64 `json:"cost"`
		Lines    []line  `json:"lines"`
	}{From: string(r.From), To: string(r.To), Currency: r.Currency, Cost: r.Cost, Lines: []line{}}
	for _, l := range r.Lines {
		out.Lines = append(out.Lines, line{Day: string(l.Day), Username: names[l.UserID], UserID: l.UserID, CompanionID: l.CompanionID, Kind: string(l.Kind),
			Provider: l.Provider, Model: l.Model, Amount: l.Amount, Cost: l.Cost})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// limitFlag is a quota flag: a number, "default" (the hub's), or unset (unchanged).
type limitFlag struct {
	set   bool
	value *int64
}

func (f *limitFlag) String() string {
	if !f.set {
		return ""
	}
	if f.value == nil {
		return "default"
	}
	return strconv.FormatInt(*f.value, 10)
}

func (f *limitFlag) Set(s string) error {
	f.set = true
	if s == "default" {
		f.value = nil
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is a number of 0 (no limit) or more, or default", s)
	}
	f.value = &n
	return nil
}

// adminQuota shows a person's daily quotas, or sets the ones named.
func adminQuota(ctx context.Context, args []string, e env) error {
	var user string
	var tokens, pictures, speech limitFlag
	c, err := newCommand("admin quota", "Shows an account's daily quotas, or sets its own (N, 0 for no limit, or default for the hub's).", e,
		func(fs *flag.FlagSet) {
			fs.StringVar(&user, "user", "", "the account's username or e-mail address (required)")
			fs.Var(&tokens, "tokens", "model tokens per UTC day: N, 0 (no limit) or default")
			fs.Var(&pictures, "pictures", "pictures per UTC day: N, 0 (no limit) or default")
			fs.Var(&speech, "speech", "characters spoken per UTC day: N, 0 (no limit) or default")
		})
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	if user == "" {
		fmt.Fprintln(e.stderr, "admin quota: --user is required")
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
	view, err := hub.Usage.Quota.Handle(ctx, usageuc.GetQuota{UserID: u.ID()})
	if err != nil {
		return describe(err)
	}
	if tokens.set || pictures.set || speech.set {
		o := view.Overrides
		for _, f := range []struct {
			flag *limitFlag
			to   **int64
		}{{&tokens, &o.Tokens}, {&pictures, &o.Pictures}, {&speech, &o.Speech}} {
			if f.flag.set {
				*f.to = f.flag.value
			}
		}
		if view, err = hub.Usage.SetQuota.Handle(ctx, usageuc.SetQuota{UserID: u.ID(), Overrides: o}); err != nil {
			return describe(err)
		}
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "QUOTA\tLIMIT\tSET BY\tUSED TODAY\tRESETS AT")
	for _, s := range view.Standings {
		by := "hub"
		if view.Overrides.Of(s.Quota) != nil {
			by = "account"
		}
		limit := strconv.FormatInt(s.Limit, 10)
		if s.Limit == 0 {
			limit = "none"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.Quota, limit, by, s.Used, s.ResetsAt.Format("2006-01-02 15:04 MST"))
	}
	return tw.Flush()
}
