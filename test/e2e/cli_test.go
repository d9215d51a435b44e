package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func runBinary(t *testing.T, dir string, env []string, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return string(out), code
}

// TestBadConfigurationStopsStartUpNamingTheVariables: a bad value is an error naming the variable
// (and its flag), and nothing starts.
func TestBadConfigurationStopsStartUpNamingTheVariables(t *testing.T) {
	t.Parallel()
	out, code := runBinary(t, t.TempDir(), []string{"COMPANIONHUB_HTTP_READ_TIMEOUT=soon", "COMPANIONHUB_LOG_LEVEL=loud",
		"COMPANIONHUB_DATABASE_URL=mysql://x", "COMPANIONHUB_RATE_LIMIT_LOGIN=five"}, "", "serve")
	require.Equal(t, 3, code, out)
	for _, v := range []string{"COMPANIONHUB_HTTP_READ_TIMEOUT (--http-read-timeout)", "COMPANIONHUB_LOG_LEVEL (--log-level)",
		"COMPANIONHUB_DATABASE_URL (--database-url)", "COMPANIONHUB_RATE_LIMIT_LOGIN (--rate-limit-login)"} {
		require.Contains(t, out, v)
	}
	out, code = runBinary(t, t.TempDir(), nil, "", "serve", "--http-addr", "nonsense")
	require.Equal(t, 3, code, out)
	require.Contains(t, out, "COMPANIONHUB_HTTP_ADDR (--http-addr)")

	out, code = runBinary(t, t.TempDir(), nil, "", "frobnicate")
	require.Equal(t, 2, code)
	require.Contains(t, out, "unknown command")
}

// TestDefaultsServeFromAFreshDirectory is `make run` on a fresh clone: no configuration at all but
// the address; SQLite appears in ./data and the hub answers.
func TestDefaultsServeFromAFreshDirectory(t *testing.T) {
	t.Parallel()
	h := startHub(t, nil)
	res := h.client(t).do("GET", "/healthz", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	_, err := os.Stat(filepath.Join(h.cmd.Dir, "data", "companionhub.db"))
	require.NoError(t, err)
}

func TestMigrateCommands(t *testing.T) {
	t.Parallel()
	for _, p := range []profile{sqliteProfile, postgresProfile} {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := []string{"COMPANIONHUB_DATA_DIR=" + filepath.Join(dir, "data")}
			for k, v := range p.env(t) {
				env = append(env, k+"="+v)
			}
			out, code := runBinary(t, dir, env, "", "migrate", "up")
			require.Equal(t, 0, code, out)
			out, code = runBinary(t, dir, env, "", "migrate", "status")
			require.Equal(t, 0, code, out)
			require.Contains(t, out, "00001_accounts.sql")
			require.Contains(t, out, "applied")
			require.Contains(t, out, "0 pending")
			out, code = runBinary(t, dir, env, "", "migrate", "sideways")
			require.Equal(t, 2, code, out)
		})
	}
}

func TestMigrateStatusReportsPendingOnAFreshDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, code := runBinary(t, dir, []string{"COMPANIONHUB_DATA_DIR=" + filepath.Join(dir, "data")}, "", "migrate", "status")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "00001_accounts.sql")
	require.Regexp(t, `sqlite database: (\d+) migration\(s\), [1-9]\d* pending`, out)
}

func TestAdminUserCreate(t *testing.T) {
	t.Parallel()
	h := startHub(t, nil)
	dir := h.cmd.Dir
	env := []string{"COMPANIONHUB_DATA_DIR=" + filepath.Join(dir, "data"), "COMPANIONHUB_PASSWORD_HASH_MEMORY_KIB=1024"}
	name := unique("admin_made")
	out, code := runBinary(t, dir, env, password+"\n", "admin", "user", "create", "--email", name+"@example.com", "--username", name)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "created user "+name)
	require.NotContains(t, out, password)

	h.client(t).login(t, name)

	out, code = runBinary(t, dir, env, "password\n", "admin", "user", "create", "--email", "weak@example.com", "--username", "weakling")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "password")
	out, code = runBinary(t, dir, env, "", "admin", "user", "create", "--username", "x")
	require.Equal(t, 2, code, out)
}
