package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/openai"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/usecase/llm"
)

const (
	// ttftDelay is the fake model's own time to first token: a model busy with the prompt.
	ttftDelay = 20 * time.Millisecond
	// ttftWords at ttftPace make a reply that outlasts the hub's token batching (50 ms by default),
	// as real replies do; a shorter one would be flushed whole at its end and hide the batching.
	ttftWords = 8
	ttftPace  = 100 // tokens per second, SPEC §4's pace
	// ttftSamples turns are measured per case, after ttftWarmup unmeasured ones (connections,
	// caches). Each turn lasts about 100 ms, so a case takes about 5 s.
	ttftSamples = 50
	ttftWarmup  = 3

	// The slow-model case (SPEC §4: "also when the model's non-streamed (JSON) calls are slow"): the
	// stream's first token after slowFirstToken, every non-streamed answer after slowJSON. A turn
	// then lasts about two seconds (the analysis follows the reply), so fewer are measured.
	slowFirstToken = 100 * time.Millisecond
	slowJSON       = 1500 * time.Millisecond
	slowSamples    = 12
	slowWarmup     = 1
)

// ttftCase is one way of measuring the hub's time to first token against a fake model.
type ttftCase struct {
	fake             *fakeLLM
	samples, warmup  int
	firstTokenDelay  time.Duration // what the fake's stream waits before its first token
	jsonDelay        time.Duration // what the fake waits before a non-streamed answer
	tune             func(*companionhub.Config)
	name             string
	baseP50, baseP99 time.Duration
}

// newTTFTFake is the fake model of a case: replies of ttftWords at ttftPace after firstToken,
// analyses (JSON) after jsonDelay.
func newTTFTFake(firstToken, jsonDelay time.Duration) *fakeLLM {
	analyse := []openaifake.Option{openaifake.WithJSONReply(analysisReply), openaifake.WithoutRecording()}
	if jsonDelay > 0 {
		analyse = append(analyse, openaifake.WithBehaviour(openaifake.SlowFirstToken(jsonDelay)))
	}
	return newFakeLLM(
		[]openaifake.Option{openaifake.WithReply(openaifake.Words(ttftWords)), openaifake.WithTokensPerSecond(ttftPace),
			openaifake.WithBehaviour(openaifake.SlowFirstToken(firstToken)), openaifake.WithoutRecording()},
		analyse)
}

// runChatTTFT measures SPEC §4's first target: the hub's overhead on time to first token over the
// model's own, embedded profile. The baseline is the fake model called directly through the same
// OpenAI adapter the hub uses. The hub's is the time from the send (POST …/messages) to the first
// token event read from the turn's SSE stream. Overhead = hub TTFT − adapter TTFT, at the same
// percentile. The hub is measured as configured by default (tokens batched up to 50 ms or 64
// bytes), with batching off (COMPANIONHUB_TOKEN_BATCH_BYTES=1), to show what batching costs, and
// against a slow model — JSON answers after 1.5 s, first token after 100 ms — to show that the
// scene analysis, a non-streamed call, does not stand before the first word.
func runChatTTFT(ctx context.Context, _ options) ([]row, error) {
	fast := newTTFTFake(ttftDelay, 0)
	defer fast.close()
	slow := newTTFTFake(slowFirstToken, slowJSON)
	defer slow.close()
	var rows []row
	cases := []ttftCase{
		{fake: fast, samples: ttftSamples, warmup: ttftWarmup, firstTokenDelay: ttftDelay, name: "default batching"},
		{fake: fast, samples: ttftSamples, warmup: ttftWarmup, firstTokenDelay: ttftDelay, name: "batching off",
			tune: func(c *companionhub.Config) { c.Chat.TokenBatchBytes = 1 }},
		{fake: slow, samples: slowSamples, warmup: slowWarmup, firstTokenDelay: slowFirstToken, jsonDelay: slowJSON,
			name: "slow model, default batching"},
	}
	for i := range cases {
		c := &cases[i]
		if i == 0 || c.fake != cases[i-1].fake {
			base, err := adapterTTFT(ctx, c.fake)
			if err != nil {
				return rows, fmt.Errorf("adapter: %w", err)
			}
			c.baseP50, c.baseP99 = percentile(base, 50), percentile(base, 99)
			rows = append(rows,
				row{name: fmt.Sprintf("adapter → fake model, first token (model waits %s) p50", c.firstTokenDelay), result: once(c.baseP50)},
				row{name: "adapter → fake model, first token p99", result: once(c.baseP99)})
		} else {
			c.baseP50, c.baseP99 = cases[i-1].baseP50, cases[i-1].baseP99
		}
		more, err := measureTTFT(ctx, *c, "P1 embedded")
		rows = append(rows, more...)
		if err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// measureTTFT runs one case on a hub and returns its rows, labelled with profile.
func measureTTFT(ctx context.Context, c ttftCase, profile string) ([]row, error) {
	s, err := hubTTFT(ctx, c.fake, c.tune, c.samples, c.warmup)
	if err != nil {
		return nil, fmt.Errorf("hub, %s: %w", c.name, err)
	}
	json := "answered at once"
	if c.jsonDelay > 0 {
		json = fmt.Sprintf("answered after %s", c.jsonDelay)
	}
	t50, t99 := percentile(s.ttft, 50), percentile(s.ttft, 99)
	return []row{
		{name: fmt.Sprintf("%s: send → first SSE token, %s (analysis %s), p50 (overhead %.1f ms)", profile, c.name, json, ms(t50-c.baseP50)),
			result: once(t50), baseline: "adapter p50", base: once(c.baseP50)},
		{name: fmt.Sprintf("%s: send → first SSE token, %s, p99 (overhead %.1f ms)", profile, c.name, ms(t99-c.baseP99)),
			result: once(t99), baseline: "adapter p99", base: once(c.baseP99)},
		{name: fmt.Sprintf("  of which send → reply request at the model (recall, no analysis), p50 (p99 %.1f ms)", ms(percentile(s.pre, 99))),
			result: once(percentile(s.pre, 50))},
		{name: fmt.Sprintf("  the analysis call (after the reply), request → answer at the model, p50 (p99 %.1f ms)", ms(percentile(s.analysis, 99))),
			result: once(percentile(s.analysis, 50))},
		{name: fmt.Sprintf("  of which model's first token → SSE token event at the client, p50 (p99 %.1f ms)", ms(percentile(s.deliver, 99))),
			result: once(percentile(s.deliver, 50))},
	}, nil
}

// adapterTTFT streams ttftSamples replies from the fake through the OpenAI adapter, configured as
// the hub configures it, and returns the times to the first piece of text.
func adapterTTFT(ctx context.Context, fake *fakeLLM) ([]time.Duration, error) {
	cfg := openai.DefaultConfig()
	cfg.BaseURL, cfg.Model = fake.URL(), openaifake.DefaultModel
	client, err := openai.New(cfg, nil)
	if err != nil {
		return nil, err
	}
	req := llm.Request{Messages: []llm.Message{
		{Role: llm.System, Content: "You are Mira Vale, an astronomer. Stay in character."},
		{Role: llm.User, Content: "Hello! How was the sky tonight?"},
	}, MaxTokens: 300}
	var out []time.Duration
	for i := range ttftWarmup + ttftSamples {
		var first time.Time
		start := time.Now()
		if _, err := client.Stream(ctx, req, func(string) error {
			if first.IsZero() {
				first = time.Now()
			}
			return nil
		}); err != nil {
			return out, err
		}
		if i >= ttftWarmup {
			out = append(out, first.Sub(start))
		}
	}
	return out, nil
}

// ttftSeries are one hub case's measurements, one entry per turn.
type ttftSeries struct {
	ttft     []time.Duration // send → first token event at the client
	pre      []time.Duration // send → reply request at the model
	analysis []time.Duration // the scene analysis call, as the model saw it
	deliver  []time.Duration // the model wrote its first token → the client read the token event
}

func hubTTFT(ctx context.Context, fake *fakeLLM, tune func(*companionhub.Config), samples, warmup int) (ttftSeries, error) {
	var s ttftSeries
	h, err := startHub(ctx, fake, tune)
	if err != nil {
		return s, err
	}
	defer h.stop()
	comp, err := h.createCompanion(ctx)
	if err != nil {
		return s, err
	}
	for i := range warmup + samples {
		fake.drain()
		run, err := h.runTurn(ctx, comp, "Hello! How was the sky tonight?")
		if err != nil {
			return s, err
		}
		call, st, err := turnTimings(fake, run.posted)
		if err != nil {
			return s, err
		}
		if i < warmup {
			continue
		}
		s.ttft = append(s.ttft, run.firstToken.Sub(run.posted))
		s.pre = append(s.pre, st.arrived.Sub(run.posted))
		s.analysis = append(s.analysis, call.answered.Sub(call.arrived))
		s.deliver = append(s.deliver, run.firstToken.Sub(st.firstToken))
	}
	return s, nil
}

// turnTimings returns what the fake saw of the turn sent at posted: its first non-streamed call
// (the scene analysis, after the reply) and its streamed reply request. Timings of earlier turns that
// were recorded late are skipped.
func turnTimings(fake *fakeLLM, posted time.Time) (callTiming, streamTiming, error) {
	for {
		call, ok := fake.nextCall()
		if !ok {
			return callTiming{}, streamTiming{}, errors.New("the model saw no analysis request")
		}
		if call.arrived.Before(posted) {
			continue
		}
		for {
			st, ok := fake.nextStream()
			if !ok {
				return call, streamTiming{}, errors.New("the model saw no reply request")
			}
			if st.arrived.After(posted) {
				return call, st, nil
			}
		}
	}
}
