package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAdminMaintenance runs the operators' clean-up commands against a live hub's data: orphaned
// files and crash leftovers go, files in use stay; trashed companions past retention are purged
// with their files.
func TestAdminMaintenance(t *testing.T) {
	t.Parallel()
	h := startHub(t, nil)
	dataDir := filepath.Join(h.cmd.Dir, "data")
	env := []string{"COMPANIONHUB_DATA_DIR=" + dataDir}
	c := h.client(t)
	c.bearer = c.login(t, c.register(t).Username)

	res := c.do("POST", "/api/v1/companions", profileDoc)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
	var kept companionResp
	res.json(t, &kept)
	res = c.do("PUT", "/api/v1/companions/"+kept.Companion.ID+"/header-image", string(picture(t, 50, 50)), header("Content-Type", "image/png"))
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	res.json(t, &kept)

	// A file no row refers to, as a crash between storing a file and recording it would leave.
	stray := filepath.Join(dataDir, "blobs", "img", "aaaaaaaaaaaaaaaaaaaaaaaaaa.jpg")
	require.NoError(t, os.WriteFile(stray, []byte("orphaned bytes"), 0o600))
	old := time.Now().Add(-3 * time.Hour) // past the default grace of an hour
	require.NoError(t, os.Chtimes(stray, old, old))
	// What a crash leaves of the directory's own files: a write cut off, the metadata of a file
	// whose deletion was cut off.
	var leftovers []string
	for _, name := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaab.png.18a2b3c4d5e6f708.tmp", "aaaaaaaaaaaaaaaaaaaaaaaaac.png.attrs"} {
		p := filepath.Join(dataDir, "blobs", "img", name)
		require.NoError(t, os.WriteFile(p, []byte("left behind"), 0o600))
		require.NoError(t, os.Chtimes(p, old, old))
		leftovers = append(leftovers, p)
	}

	out, code := runBinary(t, h.cmd.Dir, env, "", "admin", "cleanup-orphans", "--grace=1m")
	require.Equal(t, 1, code, "a grace shorter than uploads take is refused: %s", out)
	require.Contains(t, out, "at least 5m")
	out, code = runBinary(t, h.cmd.Dir, env, "", "admin", "cleanup-orphans", "--dry-run")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "scanned 2 file(s); would delete 1 orphan(s), 14 B")
	require.Contains(t, out, "and 2 leftover(s), 22 B")
	_, err := os.Stat(stray)
	require.NoError(t, err, "a dry run deletes nothing")
	for _, p := range leftovers {
		require.FileExists(t, p, "a dry run deletes nothing")
	}

	out, code = runBinary(t, h.cmd.Dir, env, "", "admin", "cleanup-orphans")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "deleted 1 orphan(s)")
	require.Contains(t, out, "and 2 leftover(s)")
	_, err = os.Stat(stray)
	require.True(t, os.IsNotExist(err))
	for _, p := range leftovers {
		require.NoFileExists(t, p)
	}
	res = c.do("GET", kept.Companion.HeaderImage.URL, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "the file in use survives")

	// Trash the companion; with a retention of a nanosecond, purging removes it and its file.
	res = c.do("DELETE", "/api/v1/companions/"+kept.Companion.ID, nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	out, code = runBinary(t, h.cmd.Dir, append(env, "COMPANIONHUB_COMPANION_RETENTION=1ns"), "", "admin", "purge-companions")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "purged 1 companion(s) and 1 file(s)")
	res = c.do("POST", "/api/v1/companions/"+kept.Companion.ID+"/restore", nil)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	res = c.do("GET", kept.Companion.HeaderImage.URL, nil)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	c.do("GET", "/api/v1/companions?trashed=true", nil).json(t, &list)
	require.Empty(t, list.Items)
}
