// Package chattest assembles the chat use cases for tests through the hub's own wiring
// (core.NewChat): the SQL chat store, an in-process stream bus, the in-process runner and the
// features as the embedded profile has them, with the offline model unless the test brings its own.
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
	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/adapter/placeholder"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/llm"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/stream"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Options change the assembly; the zero value is the embedded profile with an unpaced offline model.
type Options struct {
	Model llm.Model
	Bus   stream.Bus
	Clock usecase.Clock
	// Limiter backs the chat rate limit (nil: in memory, 1000 a minute so tests are not limited).
	Limiter  ratelimit.Limiter
	ChatRule *ratelimit.Limit
	// FollowCheck is how long a follower waits in silence before it looks at the turn (0: the
	// configured default).
	FollowCheck time.Duration
	Runner      local.Config
	// BackoffScale scales the runner's retry pauses (0: a thousandth, so retries are quick).
	BackoffScale float64
	Log          *zap.Logger
	// Images and Speech are the backends of pictures and voice (nil: the features are off).
	Images picture.Generator
	Speech voice.Synthesizer
	// Transcriber hears voice notes (nil: they are not configured).
	Transcriber voice.Transcriber
	// Blobs is where files are stored (nil: a memory store of the hub's own that the test cannot see).
	Blobs mediauc.BlobStore
	// NoReap keeps the runner from reaping abandoned turns, for tests that reap by hand.
	NoReap bool
	// HistoryTokens is the reply's history window (0: the configured default).
	HistoryTokens int
	// DailyTokens, DailyPictures and DailySpeech are every person's daily quotas (0: no limit).
	DailyTokens, DailyPictures, DailySpeech int64
}

// Env is the assembled chat.
type Env struct {
	App    *chatuc.App
	Steps  *chatuc.Steps
	Runner core.Runner
	Store  chatuc.Store
	Bus    stream.Bus
	Usage  *usage.App
}

// New assembles the chat over db through the hub's own wiring (core.NewChat, with the embedded
// profile's configuration and the options as ports) and runs the runner until tb ends.
func New(tb testing.TB, db *sqlstore.DB, o Options) *Env {
	tb.Helper()
	if o.Model == nil {
		o.Model = offline.New(offline.Config{TokensPerSecond: 0})
	}
	if o.Log == nil {
		o.Log = zaptest.NewLogger(tb, zaptest.Level(zap.WarnLevel))
	}
	cfg := core.DefaultConfig()
	cfg.DataDir = tb.TempDir()
	cfg.Blobs.URL = "mem://"
	cfg.RateLimits.Chat.Limit = ratelimit.Limit{Count: 1000, Period: time.Minute}
	if o.ChatRule != nil {
		cfg.RateLimits.Chat.Limit = *o.ChatRule
	}
	if o.FollowCheck > 0 {
		cfg.Chat.FollowCheck = o.FollowCheck
	}
	if o.HistoryTokens > 0 {
		cfg.Chat.HistoryTokens = o.HistoryTokens
	}
	cfg.Usage.DailyTokens, cfg.Usage.DailyPictures, cfg.Usage.DailySpeech = o.DailyTokens, o.DailyPictures, o.DailySpeech
	// What is recalled is what these tests look at: a loaded machine must not cut the recall off
	// at the production budget (recall_budget_test holds the budget itself).
	cfg.Chat.RecallBudget = 5 * time.Second
	cfg.Runner = o.Runner
	cfg.Runner.NoReap = o.NoReap
	cfg.Runner.BackoffScale = o.BackoffScale
	if cfg.Runner.BackoffScale == 0 {
		cfg.Runner.BackoffScale = 0.001
	}
	opts := []core.Option{core.WithDatabase(db), core.WithModel(o.Model)}
	if o.Bus != nil {
		opts = append(opts, core.WithStreamBus(o.Bus))
	}
	if o.Clock != nil {
		opts = append(opts, core.WithClock(o.Clock))
	}
	if o.Limiter != nil {
		opts = append(opts, core.WithRateLimiter(o.Limiter))
	}
	cfg.Images.Provider = "" // the offline defaults are not backends the tests asked for
	cfg.Speech.Provider = ""
	if o.Images != nil {
		opts = append(opts, core.WithImageGenerator(o.Images))
	}
	if o.Speech != nil {
		opts = append(opts, core.WithSynthesizer(o.Speech))
	}
	if o.Transcriber != nil {
		opts = append(opts, core.WithTranscriber(o.Transcriber))
	}
	if o.Blobs != nil {
		opts = append(opts, core.WithBlobStore(o.Blobs))
	}
	c, err := core.NewChat(context.Background(), cfg, o.Log, opts...)
	if err != nil {
		tb.Fatalf("chattest: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Runner.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := awaittest.Recv(tb, done, "chattest: the runner's stop"); err != nil {
			tb.Errorf("chattest: runner: %v", err)
		}
		c.Close()
	})
	return &Env{App: c.App, Steps: c.Steps, Runner: c.Runner, Store: c.Store, Bus: c.Bus, Usage: c.Usage}
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

// SmallPictures is the offline placeholder backend drawing every picture at 64×96, whatever size
// is asked: for tests of what a turn does with a picture, where its pixels do not matter, so that
// re-encoding it and its thumbnail (slow under the race detector) costs them nothing.
func SmallPictures() picture.Generator { return smallPictures{placeholder.New()} }

type smallPictures struct{ g picture.Generator }

func (s smallPictures) Generate(ctx context.Context, req picture.Request, progress func(picture.Progress)) (picture.Result, error) {
	req.Width, req.Height = 64, 96
	return s.g.Generate(ctx, req, progress)
}
