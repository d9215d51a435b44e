// Package chattest assembles the chat use cases for tests the way the hub's embedded profile does:
// the SQL chat store, an in-process stream bus, the in-process runner and the no-op side adapters,
// with the offline model unless the test brings its own.
package chattest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/adapter/noop"
	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/tokenizer"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Options change the assembly; the zero value is the embedded profile with an unpaced offline model.
type Options struct {
	Model llm.Model
	Bus   stream.Bus
	Clock usecase.Clock
	// Limiter backs the chat rate limit (nil: in memory, 1000 a minute so tests are not limited).
	Limiter  ratelimit.Limiter
	ChatRule *ratelimit.Rule
	Limits   chatuc.Limits
	Runner   local.Config
	// RetryDelay maps the runner's retry pauses (nil: a millisecond each, so retries are quick).
	RetryDelay func(time.Duration) time.Duration
	Pictures   chatuc.PictureMaker
	Voices     chatuc.VoiceMaker
	Memory     chatuc.MemoryExtractor
	Recall     chatuc.Recaller
	Log        *zap.Logger
	// NoReap keeps the runner from reaping abandoned turns, for tests that reap by hand.
	NoReap bool
}

// Env is the assembled chat.
type Env struct {
	App    *chatuc.App
	Steps  *chatuc.Steps
	Runner *local.Runner
	Store  chatuc.Store
	Bus    stream.Bus
}

// New assembles the chat over db and runs the runner until tb ends.
func New(tb testing.TB, db *sqlstore.DB, o Options) *Env {
	tb.Helper()
	if o.Clock == nil {
		o.Clock = usecase.SystemClock{}
	}
	if o.Model == nil {
		o.Model = offline.New(offline.Config{TokensPerSecond: 0})
	}
	if o.Bus == nil {
		b := memory.NewStreamBus(o.Clock)
		tb.Cleanup(func() { _ = b.Close() })
		o.Bus = b
	}
	if o.Limiter == nil {
		o.Limiter = memory.NewRateLimiter(o.Clock)
	}
	rule := chatuc.DefaultSettings().ChatRule
	rule.Limit = ratelimit.Limit{Count: 1000, Period: time.Minute}
	if o.ChatRule != nil {
		rule = *o.ChatRule
	}
	if o.RetryDelay == nil {
		o.RetryDelay = func(time.Duration) time.Duration { return time.Millisecond }
	}
	if o.Pictures == nil {
		o.Pictures = noop.Pictures{}
	}
	if o.Voices == nil {
		o.Voices = noop.Voices{}
	}
	if o.Memory == nil {
		o.Memory = noop.Extractor{}
	}
	if o.Recall == nil {
		o.Recall = noop.Recaller{}
	}
	if o.Log == nil {
		o.Log = zaptest.NewLogger(tb, zaptest.Level(zap.WarnLevel))
	}
	store := sqlstore.NewChatStore(db)
	steps, err := chatuc.NewSteps(chatuc.StepsDeps{Store: store, Bus: o.Bus, Model: o.Model, Tokens: tokenizer.New(),
		Recall: o.Recall, Memory: o.Memory, Pictures: o.Pictures, Voices: o.Voices, Clock: o.Clock, Log: o.Log, Limits: o.Limits})
	if err != nil {
		tb.Fatalf("chattest: steps: %v", err)
	}
	reap := func(ctx context.Context, holding func(domain.ID) bool) error {
		_, err := steps.Reap(ctx, 0, holding)
		return err
	}
	if o.NoReap {
		reap = nil
	}
	runner := local.NewRunner(o.Runner, local.Deps{Steps: steps.Table(), Leases: store.Turns(), Clock: o.Clock, Log: o.Log,
		RetryDelay: o.RetryDelay, Reap: reap})
	settings := chatuc.DefaultSettings()
	settings.ChatRule = rule
	app, err := chatuc.NewApp(chatuc.Deps{Store: store, Bus: o.Bus, Runner: runner, Steps: steps,
		Guard: ratelimit.NewGuard(o.Limiter, nil), Clock: o.Clock, Log: o.Log, Settings: settings})
	if err != nil {
		tb.Fatalf("chattest: app: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("chattest: runner: %v", err)
		}
	})
	return &Env{App: app, Steps: steps, Runner: runner, Store: store, Bus: o.Bus}
}

var people atomic.Int64

// NewCompanion stores a person called Alex and a companion of theirs made from spec (a default
// companion when spec has no name), and returns their ids.
func NewCompanion(tb testing.TB, db *sqlstore.DB, spec companion.ProfileSpec) (owner, companionID domain.ID) {
	tb.Helper()
	ctx := context.Background()
	n := people.Add(1)
	must := func(err error) {
		if err != nil {
			tb.Fatalf("chattest: %v", err)
		}
	}
	email, err := account.NewEmail(fmt.Sprintf("alex%d@example.com", n))
	must(err)
	name, err := account.NewUsername(fmt.Sprintf("alex_%d", n))
	must(err)
	dn, err := account.NewDisplayName("Alex")
	must(err)
	hash, err := account.NewPasswordHash("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
	must(err)
	now := time.Now()
	u, err := account.NewUser(domain.NewID(now), email, name, dn, hash, now)
	must(err)
	must(sqlstore.NewAccountStore(db).Users().Create(ctx, u))
	if spec.Name == "" {
		spec = companion.ProfileSpec{Name: "Mika", Age: 24, DefaultOutfit: []string{"white blouse", "black skirt"},
			Persona: companion.Persona{Archetype: "Tsundere", Description: "{{char}} runs the café next door to {{user}}."}}
	}
	p, err := companion.NewProfile(spec)
	must(err)
	c := companion.New(domain.NewID(now), u.ID(), p, now)
	must(sqlstore.NewCompanionStore(db).Companions().Create(ctx, c))
	return u.ID(), c.ID()
}
