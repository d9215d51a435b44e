package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
)

// The Temporal profile's sections (SPEC §4): P1 — the hub's overhead on time to first token when
// turns run as workflows on a worker, against the embedded profile's target of 25 ms; P7 — the
// history a turn leaves in Temporal for a short and a long reply, which must be the same (tokens
// never pass through Temporal). Both run a real Temporal dev server and PostgreSQL, the worker in
// this process.
func init() {
	sections = append(sections, section{name: "chat-temporal", unit: "turn", run: runChatTemporal})
}

func runChatTemporal(ctx context.Context, opts options) ([]row, error) {
	profile, err := temporalProfile(ctx, opts)
	if err != nil {
		return nil, err
	}
	var rows []row
	for _, c := range []ttftCase{
		{samples: ttftSamples, warmup: ttftWarmup, firstTokenDelay: ttftDelay, name: "default batching"},
		{samples: slowSamples, warmup: slowWarmup, firstTokenDelay: slowFirstToken, jsonDelay: slowJSON,
			name: "slow model, default batching"},
	} {
		more, err := temporalTTFT(ctx, profile, c)
		rows = append(rows, more...)
		if err != nil {
			return rows, err
		}
	}

	short, err := historyOf(ctx, profile, 50)
	if err != nil {
		return rows, fmt.Errorf("P7, 50 tokens: %w", err)
	}
	long, err := historyOf(ctx, profile, 2000)
	if err != nil {
		return rows, fmt.Errorf("P7, 2000 tokens: %w", err)
	}
	// The "ratio" column compares the long reply's history with the short one's: 1.00x is the target.
	rows = append(rows,
		row{name: fmt.Sprintf("P7 history events per turn, 50-token reply (%d events, %d bytes)", short.events, short.bytes),
			result: count(short.events)},
		row{name: fmt.Sprintf("P7 history events per turn, 2000-token reply (%d events, %d bytes)", long.events, long.bytes),
			result: count(long.events), baseline: "50-token reply", base: count(short.events)},
		// The reply's text travels by the turn's id (its draft), so the bytes do not grow either.
		row{name: "P7 history bytes per turn, 50-token reply", result: count(short.bytes)},
		row{name: "P7 history bytes per turn, 2000-token reply (target: the 50-token reply's, 1.00x)",
			result: count(long.bytes), baseline: "50-token reply", base: count(short.bytes)},
	)
	return rows, nil
}

// temporalTTFT measures one case of P1 on Temporal (target: overhead ≤ 25 ms p50), against its own
// fake model and a hub of its own.
func temporalTTFT(ctx context.Context, profile func() (func(*companionhub.Config), error), c ttftCase) ([]row, error) {
	c.fake = newTTFTFake(c.firstTokenDelay, c.jsonDelay)
	defer c.fake.close()
	base, err := adapterTTFT(ctx, c.fake)
	if err != nil {
		return nil, fmt.Errorf("adapter: %w", err)
	}
	c.baseP50, c.baseP99 = percentile(base, 50), percentile(base, 99)
	rows := []row{{name: fmt.Sprintf("adapter → fake model, first token (model waits %s) p50", c.firstTokenDelay), result: once(c.baseP50)}}
	if c.tune, err = profile(); err != nil {
		return rows, err
	}
	more, err := measureTTFT(ctx, c, "P1 Temporal (target ≤ 25 ms)")
	return append(rows, more...), err
}

// count shows n in the ns/op column: the table's only numeric column for a quantity.
func count(n int) testing.BenchmarkResult { return once(time.Duration(n)) }

// temporalProfile starts PostgreSQL (or uses -postgres-url) and a Temporal dev server, and returns
// a function that prepares one hub's configuration change on them: a fresh migrated database,
// turns on Temporal on a task queue of the hub's own.
func temporalProfile(ctx context.Context, opts options) (func() (func(*companionhub.Config), error), error) {
	addr, err := containers.StartTemporal(ctx)
	if err != nil {
		return nil, fmt.Errorf("temporal: %w (run `make temporal-cli` first)", err)
	}
	newDB := func() (string, error) {
		if opts.postgresURL != "" {
			return opts.postgresURL, nil
		}
		dsn, _, err := containers.CreateDatabase(ctx, "bench_chat", migrateDB)
		return dsn, err
	}
	return func() (func(*companionhub.Config), error) {
		dsn, err := newDB()
		if err != nil {
			return nil, err
		}
		queue := fmt.Sprintf("bench-%d", time.Now().UnixNano())
		return func(c *companionhub.Config) {
			c.Database.URL = secret.String(dsn)
			c.TurnRunner = "temporal"
			c.Temporal.Address = addr
			c.Temporal.TaskQueue = queue
		}, nil
	}, nil
}

type historySize struct{ events, bytes int }

// historyOf runs one turn whose reply is words long on the Temporal profile and measures the
// history Temporal keeps of it.
func historyOf(ctx context.Context, profile func() (func(*companionhub.Config), error), words int) (historySize, error) {
	tune, err := profile()
	if err != nil {
		return historySize{}, err
	}
	fake := newFakeLLM(
		[]openaifake.Option{openaifake.WithReply(openaifake.Words(words)), openaifake.WithoutRecording()},
		[]openaifake.Option{openaifake.WithJSONReply(analysisReply), openaifake.WithoutRecording()})
	defer fake.close()
	h, err := startHub(ctx, fake, tune)
	if err != nil {
		return historySize{}, err
	}
	defer h.stop()
	comp, err := h.createCompanion(ctx)
	if err != nil {
		return historySize{}, err
	}
	run, err := h.runTurn(ctx, comp, "Tell me everything about the sky tonight.")
	if err != nil {
		return historySize{}, err
	}
	id, err := domain.ParseID(run.turnID)
	if err != nil {
		return historySize{}, err
	}
	c, err := temporalwf.Dial(ctx, h.cfg.Temporal, zap.NewNop(), nil)
	if err != nil {
		return historySize{}, err
	}
	defer c.Close()
	r := temporalwf.NewRunner(c, h.cfg.Temporal)
	if _, err := r.Wait(ctx, id); err != nil {
		return historySize{}, err
	}
	hist, err := r.History(ctx, id)
	if err != nil {
		return historySize{}, err
	}
	size := historySize{events: len(hist.Events)}
	for _, ev := range hist.Events {
		size.bytes += proto.Size(ev)
	}
	return size, nil
}
