package companionhub

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	domainpicture "github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/sentryfake"
	"github.com/companionhub/companionhub/test/sqlitetest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/picture"
)

// brokenGenerator fails as a bug would: an internal error, whose text names nothing personal.
type brokenGenerator struct{}

func (brokenGenerator) Generate(context.Context, picture.Request, func(picture.Progress)) (picture.Result, error) {
	return picture.Result{}, domain.Errorf(domain.KindInternal, "decode the backend's answer: unexpected end of JSON input")
}

// With COMPANIONHUB_SENTRY_DSN set, an internal error of a use case reaches Sentry (a local fake
// here), tagged with where it happened, scrubbed of the person: no user, no request, not their
// e-mail address.
func TestInternalErrorsReachSentryScrubbed(t *testing.T) {
	t.Parallel()
	fake := sentryfake.New(t)
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Blobs.URL = "mem://"
	cfg.PasswordHash.MemoryKiB, cfg.PasswordHash.Iterations = 64, 1
	cfg.Sentry.DSN, cfg.Sentry.Environment = secret.String(fake.DSN()), "test"
	hub, err := New(ctx, cfg, zap.NewNop(), core.WithDatabase(sqlitetest.Open(t)), core.WithImageGenerator(brokenGenerator{}))
	require.NoError(t, err)
	u, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: "ada@example.com", Username: "ada", DisplayName: "Ada",
		Password: "plum-ferry-osmosis-42", ByAdmin: true})
	require.NoError(t, err)
	_, err = hub.Pictures.Generate.Handle(ctx, picture.Generate{OwnerID: u.ID(), Params: domainpicture.Params{Prompt: "a lighthouse",
		Width: 512, Height: 512}})
	require.True(t, domain.IsKind(err, domain.KindInternal), "%v", err)
	hub.Close() // flushes the reports

	awaittest.Recv(t, fake.Arrived(), "the report at the fake Sentry")
	events, raw := fake.Events()
	var found bool
	for i, ev := range events {
		tags, _ := ev["tags"].(map[string]any)
		if tags["where"] != "picture.generate" {
			continue
		}
		found = true
		require.Contains(t, ev["message"], "unexpected end of JSON input")
		require.Equal(t, "test", ev["environment"])
		require.NotContains(t, raw[i], "ada@example.com")
		require.NotContains(t, ev, "user")
		require.NotContains(t, ev, "request")
		require.False(t, strings.Contains(raw[i], fake.DSN()), "nor the DSN")
	}
	require.True(t, found, "the failure of picture.generate was reported: %v", events)
}
