package main

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// serve binds to loopback unless told otherwise: a hub started on a laptop (make run) is not
// reachable from the network. COMPANIONHUB_HTTP_ADDR still chooses any address.
func TestServeListensOnLoopbackByDefault(t *testing.T) {
	t.Parallel()
	addrOf := func(vars map[string]string) string {
		c, err := newCommand("serve", "", env2(vars, "", nil, nil), nil)
		require.NoError(t, err)
		require.NoError(t, c.parse(nil))
		return c.cfg.HTTP.Addr
	}
	host, _, err := net.SplitHostPort(addrOf(nil))
	require.NoError(t, err)
	require.True(t, net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback(), "default host %q is loopback", host)
	require.Equal(t, ":9000", addrOf(map[string]string{"COMPANIONHUB_HTTP_ADDR": ":9000"}))
}

// A taken port (the API's or the metrics') stops serve before it creates or migrates a database,
// and the message names the address and its variable.
func TestServeWithItsPortTakenTouchesNoDatabase(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = taken.Close() })
	for name, vars := range map[string]map[string]string{
		"COMPANIONHUB_HTTP_ADDR":    {"COMPANIONHUB_HTTP_ADDR": taken.Addr().String()},
		"COMPANIONHUB_METRICS_ADDR": {"COMPANIONHUB_HTTP_ADDR": "127.0.0.1:0", "COMPANIONHUB_METRICS_ADDR": taken.Addr().String()},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			vars["COMPANIONHUB_DATA_DIR"] = dir
			_, errOut, code := runCmd(t, vars, "", "serve")
			require.Equal(t, exitFail, code, errOut)
			require.Contains(t, errOut, taken.Addr().String()+" ("+name+")")
			_, err := os.Stat(dir)
			require.ErrorIs(t, err, os.ErrNotExist, "no data directory, no database: %s", errOut)
		})
	}
}
