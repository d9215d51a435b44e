package main

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	companionhub "github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
	usageuc "github.com/companionhub/companionhub/usecase/usage"
)

func runCmd(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, env2(env, stdin, &out, &errb))
	return out.String(), errb.String(), code
}

func env2(vars map[string]string, stdin string, out, errb *bytes.Buffer) env {
	return env{stdin: strings.NewReader(stdin), stdout: out, stderr: errb, lookup: func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}}
}

func TestUsageAndExitCodes(t *testing.T) {
	t.Parallel()
	_, errOut, code := runCmd(t, nil, "")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "usage: companionhub")

	out, _, code := runCmd(t, nil, "", "help")
	require.Equal(t, exitOK, code)
	for _, cmd := range []string{"serve", "worker", "migrate up", "migrate status", "admin user create",
		"admin cleanup-orphans", "admin purge-companions", "version"} {
		require.Contains(t, out, cmd, "the usage lists every command")
	}

	out, _, code = runCmd(t, nil, "", "version")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "companionhub")

	_, errOut, code = runCmd(t, nil, "", "serve", "-h")
	require.Equal(t, exitOK, code)
	require.Contains(t, errOut, "COMPANIONHUB_HTTP_ADDR")
	require.Contains(t, errOut, "-http-addr")

	_, _, code = runCmd(t, nil, "", "serve", "--no-such-flag")
	require.Equal(t, exitUsage, code)
	_, _, code = runCmd(t, nil, "", "migrate")
	require.Equal(t, exitUsage, code)
	_, _, code = runCmd(t, nil, "", "admin", "user", "delete")
	require.Equal(t, exitUsage, code)
}

func TestConfigErrorsNameEveryBadVariable(t *testing.T) {
	t.Parallel()
	_, errOut, code := runCmd(t, map[string]string{
		"COMPANIONHUB_HTTP_ADDR":         "no-port",
		"COMPANIONHUB_SESSION_TTL":       "-1h",
		"COMPANIONHUB_RATE_LIMIT_STORE":  "redis",
		"COMPANIONHUB_AUTO_MIGRATE":      "sometimes",
		"COMPANIONHUB_LOCKOUT_WINDOW":    "forever",
		"COMPANIONHUB_TRUSTED_PROXIES":   "10.0.0.0/8,bogus",
		"COMPANIONHUB_DATABASE_URL_FILE": filepath.Join(t.TempDir(), "missing"),
	}, "", "migrate", "status")
	require.Equal(t, exitConfig, code, errOut)
	for _, v := range []string{"HTTP_ADDR", "SESSION_TTL", "RATE_LIMIT_STORE", "AUTO_MIGRATE", "LOCKOUT_WINDOW",
		"TRUSTED_PROXIES", "DATABASE_URL"} {
		require.Contains(t, errOut, "COMPANIONHUB_"+v+" (--", v)
	}
}

// Turns on Temporal need a stream bus other processes see; the embedded one is refused, naming the
// variable, by serve and by worker alike.
func TestTemporalNeedsASharedStreamBus(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"COMPANIONHUB_DATA_DIR": t.TempDir(), "COMPANIONHUB_TURN_RUNNER": "temporal"}
	_, errOut, code := runCmd(t, vars, "", "serve")
	require.Equal(t, exitConfig, code, errOut)
	require.Contains(t, errOut, "COMPANIONHUB_STREAM_BUS (--stream-bus)")
	delete(vars, "COMPANIONHUB_TURN_RUNNER")
	_, errOut, code = runCmd(t, vars, "", "worker")
	require.Equal(t, exitConfig, code, errOut)
	require.Contains(t, errOut, "COMPANIONHUB_STREAM_BUS (--stream-bus)")
	_, errOut, code = runCmd(t, map[string]string{"COMPANIONHUB_TURN_RUNNER": "elsewhere"}, "", "serve")
	require.Equal(t, exitConfig, code, errOut)
	require.Contains(t, errOut, "COMPANIONHUB_TURN_RUNNER (--turn-runner)")
}

func TestMigrateAndAdminInProcess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"COMPANIONHUB_DATA_DIR": dir, "COMPANIONHUB_PASSWORD_HASH_MEMORY_KIB": "64",
		"COMPANIONHUB_PASSWORD_HASH_ITERATIONS": "1"}
	out, errOut, code := runCmd(t, vars, "", "migrate", "up")
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `applied \d+ migration\(s\) to the sqlite database`, out)
	out, errOut, code = runCmd(t, vars, "plum-ferry-osmosis-42\n", "admin", "user", "create", "--email", "Op@Example.com", "--username", "Operator")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "created user operator")
	_, errOut, code = runCmd(t, vars, "plum-ferry-osmosis-42\n", "admin", "user", "create", "--email", "op@example.com", "--username", "operator2")
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "already registered")
	_, errOut, code = runCmd(t, vars, "", "admin", "user", "create", "--email", "x@example.com", "--username", "xyz")
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "no password on stdin")
	_, errOut, code = runCmd(t, vars, "aaaaaaaaaaaaaaaa\n", "admin", "user", "create", "--email", "y@example.com", "--username", "yyy")
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "password: password is too easy to guess")
	require.Contains(t, errOut, "hint:")
}

// TestREADMEDocumentsEveryVariable keeps the README's configuration table true: every setting has a
// row with its variable and flag, and every row is a setting.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	rowRE := regexp.MustCompile("(?m)^\\| `(COMPANIONHUB_[A-Z0-9_]+)` \\| `--([a-z0-9-]+)` \\|")
	var documented []string
	for _, m := range rowRE.FindAllStringSubmatch(string(readme), -1) {
		documented = append(documented, m[1]+" --"+m[2])
	}
	cfg := companionhub.DefaultConfig()
	b, err := envflag.Bind(flag.NewFlagSet("readme", flag.ContinueOnError), companionhub.EnvPrefix, &cfg, nil)
	require.NoError(t, err)
	var settings []string
	for _, v := range b.Vars() {
		settings = append(settings, v.Name+" --"+v.Flag)
	}
	slices.Sort(documented)
	require.Equal(t, settings, documented)
	for _, fixed := range []string{"HTTP_ADDR", "DATA_DIR", "DATABASE_URL", "PUBLIC_URL", "REDIS_URL", "LOG_LEVEL", "DEV"} {
		require.Contains(t, settings, "COMPANIONHUB_"+fixed+" --"+strings.ToLower(strings.ReplaceAll(fixed, "_", "-")),
			"SPEC §1 fixes this name")
	}
}

// TestDocsNameNothingOutsideTheRepository: a reader of the README and ARCHITECTURE has only the
// repository, so they point at nothing kept elsewhere.
func TestDocsNameNothingOutsideTheRepository(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"README.md", "ARCHITECTURE.md"} {
		b, err := os.ReadFile(filepath.Join("..", "..", doc))
		require.NoError(t, err)
		for _, elsewhere := range []string{"SPEC.md", "STYLE.md", "SPEC §", "../shared", "reference/", "shared documents"} {
			require.NotContains(t, string(b), elsewhere, doc)
		}
	}
}

// admin backup writes a whole, consistent copy of the SQLite database, which opens as the hub's
// database; it never overwrites a file.
func TestAdminBackup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"COMPANIONHUB_DATA_DIR": dir, "COMPANIONHUB_PASSWORD_HASH_MEMORY_KIB": "64",
		"COMPANIONHUB_PASSWORD_HASH_ITERATIONS": "1"}
	_, errOut, code := runCmd(t, vars, "plum-ferry-osmosis-42\n", "admin", "user", "create", "--email", "op@example.com", "--username", "operator")
	require.Equal(t, exitOK, code, errOut)

	copyPath := filepath.Join(t.TempDir(), "hub-backup.db")
	out, errOut, code := runCmd(t, vars, "", "admin", "backup", "--to", copyPath)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "backed up the database to "+copyPath)

	// The copy is a hub database: the account is in it, and the hub opens it.
	restored := map[string]string{"COMPANIONHUB_DATA_DIR": t.TempDir(), "COMPANIONHUB_DATABASE_URL": "sqlite:" + copyPath,
		"COMPANIONHUB_PASSWORD_HASH_MEMORY_KIB": "64", "COMPANIONHUB_PASSWORD_HASH_ITERATIONS": "1"}
	out, errOut, code = runCmd(t, restored, "", "migrate", "status")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, ", 0 pending")
	_, errOut, code = runCmd(t, restored, "plum-ferry-osmosis-42\n", "admin", "user", "create", "--email", "op@example.com", "--username", "operator2")
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "already registered", "the account came with the copy")

	_, errOut, code = runCmd(t, vars, "", "admin", "backup", "--to", copyPath)
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "exists")
	_, _, code = runCmd(t, vars, "", "admin", "backup")
	require.Equal(t, exitUsage, code)
}

// admin export-user writes the person's export: a zip with their account.
func TestAdminExportUser(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"COMPANIONHUB_DATA_DIR": dir, "COMPANIONHUB_PASSWORD_HASH_MEMORY_KIB": "64",
		"COMPANIONHUB_PASSWORD_HASH_ITERATIONS": "1"}
	_, errOut, code := runCmd(t, vars, "plum-ferry-osmosis-42\n", "admin", "user", "create", "--email", "op@example.com", "--username", "operator")
	require.Equal(t, exitOK, code, errOut)
	to := filepath.Join(t.TempDir(), "operator.zip")
	out, errOut, code := runCmd(t, vars, "", "admin", "export-user", "--user", "operator", "--to", to)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "exported operator: 0 companion(s)")
	zr, err := zip.OpenReader(to)
	require.NoError(t, err)
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	require.Contains(t, names, "account.json")
	_, errOut, code = runCmd(t, vars, "", "admin", "export-user", "--user", "nobody", "--to", filepath.Join(t.TempDir(), "x.zip"))
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "no account has that username")
	_, _, code = runCmd(t, vars, "", "admin", "export-user", "--user", "operator", "--to", to)
	require.Equal(t, exitFail, code, "never overwrites")
}

func TestAdminUsageAndQuota(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	prices := filepath.Join(t.TempDir(), "prices.json")
	require.NoError(t, os.WriteFile(prices, []byte(`{"currency": "EUR", "prices": [{"kind": "prompt_tokens", "per_million": 1}]}`), 0o600))
	vars := map[string]string{"COMPANIONHUB_DATA_DIR": dir, "COMPANIONHUB_PASSWORD_HASH_MEMORY_KIB": "64",
		"COMPANIONHUB_PASSWORD_HASH_ITERATIONS": "1", "COMPANIONHUB_QUOTA_DAILY_PICTURES": "20",
		"COMPANIONHUB_PRICE_TABLE": prices}
	_, errOut, code := runCmd(t, vars, "plum-ferry-osmosis-42\n", "admin", "user", "create", "--email", "q@example.com", "--username", "quinn")
	require.Equal(t, exitOK, code, errOut)

	out, errOut, code := runCmd(t, vars, "", "admin", "quota", "--user", "quinn")
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `tokens\s+none\s+hub\s+0`, out)
	require.Regexp(t, `pictures\s+20\s+hub\s+0`, out)
	out, errOut, code = runCmd(t, vars, "", "admin", "quota", "--user", "quinn", "--tokens", "5000", "--pictures", "0")
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `tokens\s+5000\s+account`, out)
	require.Regexp(t, `pictures\s+none\s+account`, out)
	require.Regexp(t, `speech\s+none\s+hub`, out)
	out, errOut, code = runCmd(t, vars, "", "admin", "quota", "--user", "quinn", "--pictures", "default")
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `tokens\s+5000\s+account`, out, "the others are kept")
	require.Regexp(t, `pictures\s+20\s+hub`, out)
	_, errOut, code = runCmd(t, vars, "", "admin", "quota", "--user", "quinn", "--tokens", "-3")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "0 (no limit) or more")
	_, errOut, code = runCmd(t, vars, "", "admin", "quota", "--user", "nobody")
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "no account has that username")

	out, errOut, code = runCmd(t, vars, "", "admin", "usage", "--format", "csv")
	require.Equal(t, exitOK, code, errOut)
	require.Equal(t, "day,username,user_id,companion_id,kind,provider,model,amount,cost\n", out, "nothing was used yet")

	// What a serving hub would have written: quinn's tokens today, and the hub's own.
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: secret.String(sqlstore.SQLiteURL(dir))})
	require.NoError(t, err)
	var quinn string
	require.NoError(t, db.X.GetContext(ctx, &quinn, `SELECT id FROM users WHERE username = 'quinn'`))
	today := usageuc.DayOf(time.Now())
	require.NoError(t, sqlstore.UsageStore(db).Add(ctx, []usageuc.Entry{
		{Key: usageuc.Key{Day: today, UserID: quinn, Kind: usageuc.PromptTokens, Provider: "openai", Model: "gpt"}, Amount: 2_000_000},
		{Key: usageuc.Key{Day: today, Kind: usageuc.CompletionTokens, Provider: "openai", Model: "gpt"}, Amount: 5},
	}))
	require.NoError(t, db.Close())
	out, errOut, code = runCmd(t, vars, "", "admin", "usage", "--format", "csv")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, string(today)+",quinn,"+quinn+",,prompt_tokens,openai,gpt,2000000,2\n", "priced: 2 million at 1 a million")
	require.Contains(t, out, string(today)+",,,,completion_tokens,openai,gpt,5,0\n", "the hub's own work")
	out, errOut, code = runCmd(t, vars, "", "admin", "usage", "--user", "quinn")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "1 line(s); prompt_tokens 2000000; cost 2.00 EUR")
	out, errOut, code = runCmd(t, vars, "", "admin", "quota", "--user", "quinn")
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `tokens\s+5000\s+account\s+2000000`, out, "used today")
	out, errOut, code = runCmd(t, vars, "", "admin", "usage", "--format", "json", "--from", "2026-01-01", "--to", "2026-01-31")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, `"from": "2026-01-01"`)
	_, errOut, code = runCmd(t, vars, "", "admin", "usage", "--from", "January")
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "2006-01-02")
	_, _, code = runCmd(t, vars, "", "admin", "usage", "--format", "xml")
	require.Equal(t, exitUsage, code)
}

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	t.Cleanup(healthy.Close)
	out, errOut, code := runCmd(t, nil, "", "healthcheck", "--url", healthy.URL+"/healthz")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "ok")
	// By default it asks COMPANIONHUB_HTTP_ADDR, a wildcard host as the loopback address.
	port := healthy.Listener.Addr().(*net.TCPAddr).Port
	_, errOut, code = runCmd(t, map[string]string{"COMPANIONHUB_HTTP_ADDR": ":" + strconv.Itoa(port)}, "", "healthcheck")
	require.Equal(t, exitOK, code, errOut)
	_, errOut, code = runCmd(t, nil, "", "healthcheck", "--url", healthy.URL+"/elsewhere")
	require.Equal(t, exitFail, code)
	require.Contains(t, errOut, "404")
	healthy.Close()
	_, _, code = runCmd(t, nil, "", "healthcheck", "--url", healthy.URL+"/healthz")
	require.Equal(t, exitFail, code, "nobody answers")
	_, _, code = runCmd(t, nil, "", "healthcheck", "-h")
	require.Equal(t, exitOK, code, "the image script asks whether the binary has it")
	_, _, code = runCmd(t, nil, "", "healthcheck", "extra")
	require.Equal(t, exitUsage, code)
}
