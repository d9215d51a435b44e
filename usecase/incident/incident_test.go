package incident_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/hubtest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/incident"
	"github.com/companionhub/companionhub/usecase/llm"
)

type reports struct {
	mu  sync.Mutex
	got []incident.Report
}

func (r *reports) Report(_ context.Context, rep incident.Report) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rep)
}

func (r *reports) where() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rep := range r.got {
		out = append(out, rep.Where)
	}
	return out
}

// brokenModel fails as a bug would.
type brokenModel struct{ llm.Model }

func (brokenModel) Stream(context.Context, llm.Request, func(string) error) (llm.Usage, error) {
	return llm.Usage{}, domain.Errorf(domain.KindInternal, "decode the model's answer: unexpected EOF")
}

func (brokenModel) Complete(context.Context, llm.Request) (string, llm.Usage, error) {
	return "", llm.Usage{}, domain.Errorf(domain.KindInternal, "decode the model's answer: unexpected EOF")
}

// A step that fails internally is reported as "step.<name>", on the executor the hub runs; an
// error of another kind (a refused request) is not.
func TestStepsAndUseCasesReportInternalFailures(t *testing.T) {
	t.Parallel()
	ctx := correlation.WithRequestID(context.Background(), "req-42")
	rec := &reports{}
	cfg := hubtest.Config(t)
	cfg.Runner.BackoffScale = 0.001
	hub, err := core.New(ctx, cfg, zap.NewNop(), core.WithDatabase(sqlitetest.Open(t)), core.WithModel(brokenModel{}),
		core.WithReporter(rec))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	u, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: "ada@example.com", Username: "ada", DisplayName: "Ada",
		Password: "plum-ferry-osmosis-42", ByAdmin: true})
	require.NoError(t, err)
	_, err = hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: "ada@example.com", Username: "ada2", DisplayName: "Ada",
		Password: "plum-ferry-osmosis-42", ByAdmin: true})
	require.Error(t, err, "a conflict, not a failure")
	c, err := hub.Companions.Create.Handle(ctx, companionuc.Create{OwnerID: u.ID(), Profile: companion.ProfileSpec{Name: "Mira", Age: 28}})
	require.NoError(t, err)
	sent, err := hub.Chat.Send.Handle(ctx, chatuc.Send{OwnerID: u.ID(), CompanionID: c.ID(), Text: "Hello?"})
	require.NoError(t, err)
	sub, err := hub.Chat.Follow.Handle(ctx, chatuc.Follow{OwnerID: u.ID(), TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	defer sub.Close()
	awaittest.Ended(t, sub, "the failed turn")
	// The reply step's observer ran before the step returned, which came before the turn ended.
	require.Contains(t, rec.where(), "step.chat.reply", "the reply step's internal failure is reported")
	for _, w := range rec.where() {
		require.NotEqual(t, "account.register", w, "a refused registration is no incident")
	}
}
