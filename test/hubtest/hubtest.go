// Package hubtest is the configuration tests build a hub from (core.New): the embedded profile in
// the test's own directory, files in memory, and password hashes cheap enough to make many
// accounts quickly.
package hubtest

import (
	"testing"

	"github.com/companionhub/companionhub/core"
)

// Config is core.DefaultConfig for a test.
func Config(t testing.TB) core.Config {
	t.Helper()
	cfg := core.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Blobs.URL = "mem://"
	cfg.PasswordHash.MemoryKiB, cfg.PasswordHash.Iterations = 64, 1
	return cfg
}
