package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/domain/companion"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// TestModerationCommands: a moderator reads a published companion's reports and takes it out of
// the community, whoever owns it.
func TestModerationCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"COMPANIONHUB_DATA_DIR": dir, "COMPANIONHUB_PASSWORD_HASH_MEMORY_KIB": "64",
		"COMPANIONHUB_PASSWORD_HASH_ITERATIONS": "1"}
	_, errOut, code := runCmd(t, vars, "", "migrate", "up")
	require.Equal(t, exitOK, code, errOut)

	// An author publishes, a reader reports: through the hub a serving process would run.
	ctx := context.Background()
	cfg := companionhub.DefaultConfig()
	cfg.DataDir, cfg.PasswordHash.MemoryKiB, cfg.PasswordHash.Iterations = dir, 64, 1
	hub, err := companionhub.New(ctx, cfg, zap.NewNop())
	require.NoError(t, err)
	user := func(name string) accountuc.Principal {
		u, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: name + "@example.com", Username: name,
			DisplayName: name, Password: "plum-ferry-osmosis-42", ByAdmin: true})
		require.NoError(t, err)
		return accountuc.Principal{UserID: u.ID()}
	}
	author, reader := user("author"), user("reader")
	c, err := hub.Companions.Create.Handle(ctx, companionuc.Create{OwnerID: author.UserID, Profile: companion.ProfileSpec{Name: "Mira", Age: 30}})
	require.NoError(t, err)
	_, err = hub.Community.ConfirmAdult.Handle(ctx, community.ConfirmAdult{UserID: author.UserID, Adult: true})
	require.NoError(t, err)
	_, err = hub.Community.Publish.Handle(ctx, community.Publish{OwnerID: author.UserID, CompanionID: c.ID()})
	require.NoError(t, err)
	_, err = hub.Community.Report.Handle(ctx, community.ReportCompanion{UserID: reader.UserID, CompanionID: c.ID(), Reason: "spam", Details: "ads in the greeting"})
	require.NoError(t, err)
	hub.Close()

	out, errOut, code := runCmd(t, vars, "", "admin", "reports", "--companion", c.ID().String())
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "spam")
	require.Contains(t, out, `"ads in the greeting"`)
	require.Contains(t, out, "1 report(s)")
	out, errOut, code = runCmd(t, vars, "", "admin", "unpublish", "--companion", c.ID().String(), "--reason", "advertising")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "unpublished "+c.ID().String())
	_, errOut, code = runCmd(t, vars, "", "admin", "unpublish", "--companion", c.ID().String())
	require.Equal(t, exitFail, code, "no longer published")
	require.Contains(t, errOut, "no published companion")
	_, _, code = runCmd(t, vars, "", "admin", "unpublish", "--companion", "nonsense")
	require.Equal(t, exitUsage, code)
}
