package faults_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/openai"
	"github.com/companionhub/companionhub/adapter/openaiembed"
	"github.com/companionhub/companionhub/adapter/openaiimages"
	"github.com/companionhub/companionhub/adapter/openaispeech"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/eventjson"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/test/fakes/embedfake"
	"github.com/companionhub/companionhub/test/fakes/imagesfake"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/test/fakes/speechfake"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/stream"
	"github.com/companionhub/companionhub/usecase/usage"
)

// The secrets a fault must never carry to a client: the providers' key, and the text the fakes put
// in their error bodies.
const (
	apiKey         = "sk-faults-3f9c2a7d41e8b6a0"
	providerDetail = "provider-internal-detail-7d41"
)

// Deadlines of the hub, scaled down from production's minutes so that a hanging provider costs a
// test a second, not minutes: the model's first chunk, a picture, a recording and an embeddings
// request (LLM_FIRST_BYTE_TIMEOUT and the features' *_TIMEOUT settings). The memory recall that
// stands before the reply (RECALL_BUDGET, within four fifths of which its query is embedded) keeps
// room for its searches on a loaded machine.
const (
	firstByteTimeout = time.Second
	imageTimeout     = time.Second
	speechTimeout    = time.Second
	embedTimeout     = 500 * time.Millisecond
	recallBudget     = 3 * time.Second
)

// The models the hub is configured with, as the fakes know them.
const (
	imageModel  = imagesfake.CustomModel // draws the size asked, as a local server's model does
	speechModel = speechfake.TTS1
	embedModel  = embedfake.TextEmbedding3Small
	voiceID     = "alloy"
)

// fakeOptions configure the fakes a hub talks to: the behaviours they fall back to once their
// scripts are used up (success when unset).
type fakeOptions struct {
	llm    []openaifake.Option
	images []imagesfake.Option
	speech []speechfake.Option
	embed  []embedfake.Option
}

// hub is a chat assembled through the hub's own wiring (core.NewChat) on the real SQL store over
// SQLite, its providers the real OpenAI-compatible adapters — opened from their settings by the
// backends' own descriptors, as a deployment opens them — talking HTTP to the faithful fakes of
// the providers' APIs.
//
// It departs from production twice, neither in what meets a fault. The runner, built as core
// builds it, reports each pause it asks for before a retry (its backoff with jitter, raised to a
// provider's Retry-After) and takes none — so a test sees the backoff a retry honoured without
// waiting for it, and no assertion rests on timing. And pictures are asked at 64×96 (as
// chattest.SmallPictures does): re-encoding a reply's 832×1216 picture and its thumbnail costs
// seconds under the race detector, and its pixels are not what a fault is about.
type hub struct {
	chat   *core.Chat
	db     *sqlstore.DB // for the stores the chat does not expose
	llm    *openaifake.Server
	images *imagesfake.Server
	speech *speechfake.Server
	embed  *embedfake.Server
	calls  *callLog
	pauses *pauseLog

	owner, companion domain.ID
}

// catalogs are the core's backends and the OpenAI-compatible ones of the companionhub package that
// these tests configure (the package itself is not linked: it brings Temporal, S3 and Redis).
func catalogs() core.Catalogs {
	cs := core.Builtin()
	cs.Models = cs.Models.With(openai.Backend())
	cs.Images = cs.Images.With(openaiimages.Backend())
	cs.Speech = cs.Speech.With(openaispeech.Backend())
	cs.Embeddings = cs.Embeddings.With(openaiembed.Backend())
	return cs
}

// newHub starts the fakes and a hub over a database of its own, with one person and a companion
// of theirs that has a voice; everything is released when t ends, the hub before the fakes.
func newHub(t *testing.T, f fakeOptions) *hub {
	t.Helper()
	h := &hub{
		llm:    openaifake.New(t, append([]openaifake.Option{openaifake.WithAPIKey(apiKey), openaifake.WithErrorMessage(providerDetail)}, f.llm...)...),
		images: imagesfake.New(t, append([]imagesfake.Option{imagesfake.WithAPIKey(apiKey), imagesfake.WithErrorMessage(providerDetail)}, f.images...)...),
		speech: speechfake.New(t, append([]speechfake.Option{speechfake.WithAPIKey(apiKey), speechfake.WithErrorMessage(providerDetail)}, f.speech...)...),
		embed:  embedfake.New(t, append([]embedfake.Option{embedfake.WithAPIKey(apiKey), embedfake.WithErrorMessage(providerDetail)}, f.embed...)...),
		calls:  &callLog{},
		pauses: &pauseLog{},
	}
	h.db = openDB(t)
	ctx := context.Background()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))

	cs := catalogs()
	cfg := core.DefaultConfig()
	cs.Apply(&cfg)
	cfg.DataDir = t.TempDir()
	cfg.Blobs.URL = "mem://"
	cfg.RateLimits.Chat.Limit = ratelimit.Limit{Count: 1000, Period: time.Minute}
	cfg.Chat.RecallBudget = recallBudget
	key := secret.String(apiKey)
	cfg.LLM.Settings = backend.Settings{Provider: "openai", BaseURL: h.llm.URL(), APIKey: key, Model: openaifake.DefaultModel, Timeout: cfg.LLM.Timeout}
	cfg.Backends.Set("llm", "openai", &openai.Options{FirstByteTimeout: firstByteTimeout})
	cfg.Images.Settings = backend.Settings{Provider: "openai", BaseURL: h.images.URL(), APIKey: key, Model: imageModel, Timeout: imageTimeout}
	cfg.Speech.Settings = backend.Settings{Provider: "openai", BaseURL: h.speech.URL(), APIKey: key, Model: speechModel, Timeout: speechTimeout}
	cfg.Embeddings.Settings = backend.Settings{Provider: "openai", BaseURL: h.embed.URL(), APIKey: key, Model: embedModel, Timeout: embedTimeout}

	images := openaiimages.Backend()
	own := images.Config()
	gen, release, err := images.Open(ctx, cfg.Images.Settings, own, backend.Deps{Log: log})
	require.NoError(t, err)
	if release != nil {
		t.Cleanup(release)
	}

	runner := func(d core.RunnerDeps) (core.Runner, error) {
		// provideRunner's local runner, but for the pause, which is reported and not taken.
		return local.NewRunner(d.Config, local.Deps{Steps: d.Steps.Table(), Leases: d.Turns, Reap: d.Steps.Reap,
			Clock: d.Clock, Log: d.Log, RetryDelay: h.pauses.take}), nil
	}
	c, err := core.NewChat(ctx, cfg, log, core.WithDatabase(h.db), core.WithCatalogs(cs), core.WithRunner(runner),
		core.WithCallObserver(h.calls), core.WithImageGenerator(smallPictures{gen}))
	require.NoError(t, err)
	h.chat = c
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Runner.Run(rctx) }()
	t.Cleanup(func() {
		cancel()
		if err := awaittest.Recv(t, done, "the runner's stop"); err != nil {
			t.Errorf("runner: %v", err)
		}
		c.Close()
	})
	h.owner, h.companion = chattest.NewCompanion(t, h.db, companion.ProfileSpec{Name: "Mika", Age: 24,
		DefaultOutfit: []string{"white blouse"}, Voice: companion.Voice{Enabled: true, VoiceID: voiceID},
		Persona: companion.Persona{Archetype: "Tsundere", Description: "{{char}} runs the café next door to {{user}}."}})
	return h
}

// smallPictures asks its generator for 64×96 pictures, whatever size the feature wants.
type smallPictures struct{ picture.Generator }

func (s smallPictures) Generate(ctx context.Context, req picture.Request, progress func(picture.Progress)) (picture.Result, error) {
	req.Width, req.Height = 64, 96
	return s.Generator.Generate(ctx, req, progress)
}

// migrated is a database migrated once for the whole run, which each hub gets a copy of:
// migrating SQLite costs more than a whole test under the race detector.
var migrated struct {
	once sync.Once
	dir  string
	err  error
}

// openDB returns a migrated SQLite database of t's own, closed when t ends.
func openDB(t *testing.T) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	open := func(path string) (*sqlstore.DB, error) {
		return sqlstore.Open(ctx, sqlstore.Config{URL: secret.String("sqlite:" + path), MaxOpenConns: 4})
	}
	migrated.once.Do(func() {
		if migrated.dir, migrated.err = os.MkdirTemp("", "faults-"); migrated.err != nil {
			return
		}
		db, err := open(filepath.Join(migrated.dir, "hub.db"))
		if err != nil {
			migrated.err = err
			return
		}
		_, migrated.err = db.Migrate(ctx)
		if err := db.Close(); migrated.err == nil {
			migrated.err = err // closing checkpoints the write-ahead log into the file
		}
	})
	require.NoError(t, migrated.err)
	path := filepath.Join(t.TempDir(), "hub.db")
	require.NoError(t, copyFile(filepath.Join(migrated.dir, "hub.db"), path))
	db, err := open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		_ = dst.Close()
		return err
	}
	return dst.Close()
}

// send stores a message and starts its turn.
func (h *hub) send(t *testing.T, text string, o chat.Options) chatuc.Sent {
	t.Helper()
	sent, err := h.chat.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: h.owner, CompanionID: h.companion, Text: text, Options: o})
	require.NoError(t, err)
	return sent
}

// follow collects a turn's events, as its owner's client does, to the terminal one.
func (h *hub) follow(t *testing.T, turnID domain.ID) []chat.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), awaittest.Patience)
	defer cancel()
	sub, err := h.chat.App.Follow.Handle(ctx, chatuc.Follow{OwnerID: h.owner, TurnID: turnID})
	require.NoError(t, err)
	defer sub.Close()
	var out []chat.Event
	for e, err := range stream.Events(ctx, sub) {
		require.NoError(t, err)
		out = append(out, e)
		if e.Type.Terminal() {
			return out
		}
	}
	t.Fatalf("the stream ended without a terminal event after %d events", len(out))
	return nil
}

// history is the conversation, newest first.
func (h *hub) history(t *testing.T) []chatuc.HistoryItem {
	t.Helper()
	page, err := domain.NewPage("", 100)
	require.NoError(t, err)
	got, err := h.chat.App.History.Handle(context.Background(), chatuc.History{OwnerID: h.owner, CompanionID: h.companion, Page: page})
	require.NoError(t, err)
	return got.Items
}

// turn is the turn as the store holds it.
func (h *hub) turn(t *testing.T, id domain.ID) chat.Turn {
	t.Helper()
	turn, err := h.chat.App.GetTurn.Handle(context.Background(), chatuc.GetTurn{OwnerID: h.owner, TurnID: id})
	require.NoError(t, err)
	return turn
}

// streamed are the reply requests the model received (the streamed ones; analyses, extractions
// and scene tags are whole).
func (h *hub) streamed() []openaifake.Request {
	return slices.DeleteFunc(h.llm.Requests(), func(r openaifake.Request) bool { return !r.Stream })
}

// decoded is the payload of every event of type typ among events.
func decoded[P chat.Payload](t *testing.T, events []chat.Event, typ chat.EventType) []P {
	t.Helper()
	var out []P
	for _, e := range events {
		if e.Type != typ {
			continue
		}
		p, err := eventjson.Decode(e.Type, e.Data)
		require.NoError(t, err, "%s %s", e.Type, e.Data)
		v, ok := p.(P)
		require.True(t, ok, "%s decodes to %T", e.Type, p)
		out = append(out, v)
	}
	return out
}

// visibleText is what a client shows of the reply: token texts, dropping what came before each
// reset.
func visibleText(t *testing.T, events []chat.Event) string {
	t.Helper()
	var b strings.Builder
	for _, e := range events {
		switch e.Type {
		case chat.EventReset:
			b.Reset()
		case chat.EventToken:
			var tok struct{ Text string }
			require.NoError(t, json.Unmarshal(e.Data, &tok))
			b.WriteString(tok.Text)
		}
	}
	return b.String()
}

// requireNothingLeaks checks that no event a client receives carries what only the provider or
// the hub's configuration knows: the provider's words, its address, the key.
func requireNothingLeaks(t *testing.T, h *hub, events []chat.Event) {
	t.Helper()
	secrets := []string{providerDetail, apiKey, strings.TrimPrefix(h.llm.RootURL(), "http://"),
		strings.TrimPrefix(h.images.RootURL(), "http://"), strings.TrimPrefix(h.speech.RootURL(), "http://"),
		strings.TrimPrefix(h.embed.RootURL(), "http://"), "127.0.0.1", "Rate limit reached", "server had an error",
		"Welcome to the proxy"}
	for _, e := range events {
		for _, s := range secrets {
			require.NotContains(t, string(e.Data), s, "a %s event carries what the provider or the configuration said", e.Type)
		}
	}
}

// callLog is a usage.CallObserver: it keeps every provider call the hub made, with how it ended —
// what the hub's provider metrics and traces hear.
type callLog struct {
	mu    sync.Mutex
	ended []endedCall
}

type endedCall struct {
	usage.Call
	Err error
}

func (l *callLog) Begin(ctx context.Context, call usage.Call) (context.Context, func(time.Duration, error)) {
	return ctx, func(_ time.Duration, err error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.ended = append(l.ended, endedCall{Call: call, Err: err})
	}
}

// of returns the ended calls of feature ("llm", "pictures", "speech", "embeddings").
func (l *callLog) of(feature string) []endedCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []endedCall
	for _, c := range l.ended {
		if c.Feature == feature {
			out = append(out, c)
		}
	}
	return out
}

// requireFailedCall checks that a provider call failed with an error of kind — which decides its
// retry — and, when reason is set, of that reason.
func requireFailedCall(t *testing.T, c endedCall, kind domain.Kind, reason string) {
	t.Helper()
	require.Error(t, c.Err, "the %s call failed", c.Feature)
	require.Equal(t, kind, domain.KindOf(c.Err), "the failed %s call's kind: %v", c.Feature, c.Err)
	if reason != "" {
		e := domain.AsError(c.Err)
		require.NotNil(t, e)
		require.Equal(t, reason, e.Reason, "the failed %s call: %v", c.Feature, c.Err)
	}
}

// pauseLog keeps the pauses the runner asked for before retries, in order, and has it take none.
type pauseLog struct {
	mu     sync.Mutex
	pauses []time.Duration
}

func (p *pauseLog) take(requested time.Duration) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pauses = append(p.pauses, requested)
	return 0
}

func (p *pauseLog) all() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.pauses)
}

// requireBackoff checks the pauses a step's retries asked for: each what the provider's
// Retry-After said when it said anything, else the step's policy backoff for that retry (with its
// jitter, half to all of it; see local.BackoffDelay).
func requireBackoff(t *testing.T, pauses []time.Duration, step chatuc.StepName, retryAfter time.Duration) {
	t.Helper()
	b := chatuc.Policies[step].Backoff
	for i, got := range pauses {
		if retryAfter > 0 {
			require.Equal(t, retryAfter, got, "retry %d waits what the provider's Retry-After asked", i+1)
			continue
		}
		full := time.Duration(float64(b.Initial) * pow(b.Multiplier, i))
		if b.Max > 0 {
			full = min(full, b.Max)
		}
		require.GreaterOrEqual(t, got, full/2, "retry %d backs off", i+1)
		require.LessOrEqual(t, got, full, "retry %d backs off no more than the policy says", i+1)
	}
}

func pow(x float64, n int) float64 {
	out := 1.0
	for range n {
		out *= x
	}
	return out
}

// oversizedAnswer is the size of every oversized answer: far beyond each adapter's bound (8 MiB
// for a line of the model's stream and for its whole answers, 64 MiB for a picture's answer,
// 20 MiB for a recording, a few hundred KiB for a vector), and more than twice what a client
// that stops at its bound lets the server write — its bound, plus what the kernel's socket
// buffers hold that it never read (tcp_rmem lets a receive buffer grow to 32 MiB).
const oversizedAnswer = 256 << 20

// requireBoundedRead checks, for an oversized fault (size > 0), that each of the n oversized
// answers was cut short by the client: the server got to write less than half of it, so the
// adapter stopped reading at its bound, not at the end.
func requireBoundedRead(t *testing.T, size int64, n int, ended func(int) <-chan struct{}, written func() []int64) {
	t.Helper()
	if size == 0 {
		return
	}
	awaittest.Closed(t, ended(n), "the oversized answers' end")
	got := written()
	require.Len(t, got, n)
	for i, w := range got {
		require.Less(t, w, size/2, "oversized answer %d: the server wrote %d of %d bytes before the client stopped reading", i+1, w, size)
	}
}
