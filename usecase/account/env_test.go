package account_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/argon2id"
	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/zxcvbn"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// The account use cases run here against real adapters — an SQLite store, argon2id (at a cheap
// cost), zxcvbn and the in-memory limiter — with a clock the test moves.

// countingHasher counts what the login path spends hashes on.
type countingHasher struct {
	accountuc.PasswordHasher
	verifies, burns atomic.Int64
}

func (h *countingHasher) Verify(ctx context.Context, pw string, hash account.PasswordHash) (bool, bool, error) {
	h.verifies.Add(1)
	return h.PasswordHasher.Verify(ctx, pw, hash)
}

func (h *countingHasher) Burn(ctx context.Context, pw string) error {
	h.burns.Add(1)
	return h.PasswordHasher.Burn(ctx, pw)
}

type breachFunc func(ctx context.Context, pw string) (bool, error)

func (f breachFunc) Breached(ctx context.Context, pw string) (bool, error) { return f(ctx, pw) }

type env struct {
	app    *accountuc.App
	store  accountuc.Store
	clock  *clocktest.Clock
	hasher *countingHasher
	deps   accountuc.Deps
}

func cheapHash() argon2id.Config {
	c := argon2id.DefaultConfig()
	c.MemoryKiB, c.Iterations = 64, 1
	return c
}

// generous limits keep rate limiting out of the way of tests about other things.
func generous() ratelimit.Rules {
	r := ratelimit.DefaultRules()
	for _, rule := range []*ratelimit.Rule{&r.Login, &r.Register, &r.Settings} {
		rule.Limit = ratelimit.Limit{Count: 1000, Period: time.Minute}
	}
	return r
}

func newEnv(t *testing.T, mutate ...func(*accountuc.Deps)) *env {
	t.Helper()
	db := sqlitetest.Open(t)

	c := clocktest.New(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	h := &countingHasher{PasswordHasher: argon2id.New(cheapHash())}
	est := zxcvbn.New()
	p := accountuc.DefaultPolicy()
	p.Limits = generous()
	d := accountuc.Deps{Store: sqlstore.NewAccountStore(db), Hasher: h, Strength: est, Common: est,
		Guard: ratelimit.NewGuard(memory.NewRateLimiter(c), nil), Clock: c, Policy: p}
	for _, m := range mutate {
		m(&d)
	}
	app, err := accountuc.NewApp(d)
	require.NoError(t, err)
	return &env{app: app, store: d.Store, clock: c, hasher: h, deps: d}
}

const goodPassword = "plum-ferry-osmosis-42"

var ip = audit.Meta{IP: "203.0.113.10", UserAgent: "test-agent/1.0"}

func (e *env) register(t *testing.T, username string) *account.User {
	t.Helper()
	u, err := e.app.Register.Handle(context.Background(), accountuc.Register{Email: username + "@example.com",
		Username: username, DisplayName: "Name of " + username, Password: goodPassword, Meta: ip})
	require.NoError(t, err)
	return u
}

func (e *env) login(t *testing.T, ident, pw string) (accountuc.LoginResult, error) {
	t.Helper()
	return e.app.Login.Handle(context.Background(), accountuc.Login{Identifier: ident, Password: pw, Meta: ip})
}

func (e *env) mustLogin(t *testing.T, ident string) accountuc.LoginResult {
	t.Helper()
	res, err := e.login(t, ident, goodPassword)
	require.NoError(t, err)
	return res
}

func (e *env) actions(t *testing.T, userID domain.ID) []string {
	t.Helper()
	page, err := e.app.ListAudit.Handle(context.Background(), accountuc.ListAudit{UserID: userID, Page: domain.Page{Limit: 100}})
	require.NoError(t, err)
	var out []string
	for i := len(page.Events) - 1; i >= 0; i-- {
		out = append(out, page.Events[i].Action.String())
	}
	return out
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "error: %v", err)
}
