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
)

// runChatTTFT measures SPEC §4's first target: the hub's overhead on time to first token over the
// model's own, embedded profile. The baseline is the fake model called directly through the same
// OpenAI adapter the hub uses: its first token comes ttftDelay after the request. The hub's is the
// time from the send (POST …/messages) to the first token event read from the turn's SSE stream —
// which includes the scene analysis, a non-streamed model call made before the reply (answered
// at once here: the rows that follow show its share). Overhead = hub TTFT − adapter TTFT, at the
// same percentile. The hub is measured as configured by default (tokens batched up to 50 ms or 64
// bytes) and with batching off (COMPANIONHUB_TOKEN_BATCH_BYTES=1), to show what batching costs.
func runChatTTFT(ctx context.Context, _ options) ([]row, error) {
	fake := newFakeLLM(
		[]openaifake.Option{openaifake.WithReply(openaifake.Words(ttftWords)), openaifake.WithTokensPerSecond(ttftPace),
			openaifake.WithBehaviour(openaifake.SlowFirstToken(ttftDelay)), openaifake.WithoutRecording()},
		[]openaifake.Option{openaifake.WithJSONReply(analysisReply), openaifake.WithoutRecording()})
	defer fake.close()

	base, err := adapterTTFT(ctx, fake)
	if err != nil {
		return nil, fmt.Errorf("adapter: %w", err)
	}
	b50, b99 := percentile(base, 50), percentile(base, 99)
	rows := []row{
		{name: fmt.Sprintf("adapter → fake model, first token (model waits %s) p50", ttftDelay), result: once(b50)},
		{name: "adapter → fake model, first token p99", result: once(b99)},
	}
	cases := []struct {
		name string
		tune func(*companionhub.Config)
	}{
		{"default batching", nil},
		{"batching off", func(c *companionhub.Config) { c.Chat.TokenBatchBytes = 1 }},
	}
	for _, c := range cases {
		s, err := hubTTFT(ctx, fake, c.tune)
		if err != nil {
			return rows, fmt.Errorf("hub, %s: %w", c.name, err)
		}
		t50, t99 := percentile(s.ttft, 50), percentile(s.ttft, 99)
		rows = append(rows,
			row{name: fmt.Sprintf("hub, send → first SSE token (incl. analysis call, answered at once), %s, p50 (overhead %.1f ms)", c.name, ms(t50-b50)),
				result: once(t50), baseline: "adapter p50", base: once(b50)},
			row{name: fmt.Sprintf("hub, send → first SSE token (incl. analysis call, answered at once), %s, p99 (overhead %.1f ms)", c.name, ms(t99-b99)),
				result: once(t99), baseline: "adapter p99", base: once(b99)},
			row{name: fmt.Sprintf("  of which send → reply request at the model, incl. analysis, p50 (p99 %.1f ms)", ms(percentile(s.pre, 99))),
				result: once(percentile(s.pre, 50))},
			row{name: fmt.Sprintf("  of which the analysis call, request → answer at the model, p50 (p99 %.1f ms)", ms(percentile(s.analysis, 99))),
				result: once(percentile(s.analysis, 50))},
			row{name: fmt.Sprintf("  of which model's first token → SSE token event at the client, p50 (p99 %.1f ms)", ms(percentile(s.deliver, 99))),
				result: once(percentile(s.deliver, 50))},
		)
	}
	return rows, nil
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

func hubTTFT(ctx context.Context, fake *fakeLLM, tune func(*companionhub.Config)) (ttftSeries, error) {
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
	for i := range ttftWarmup + ttftSamples {
		fake.drain()
		run, err := h.runTurn(ctx, comp, "Hello! How was the sky tonight?")
		if err != nil {
			return s, err
		}
		call, st, err := turnTimings(fake, run.posted)
		if err != nil {
			return s, err
		}
		if i < ttftWarmup {
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
// (the analysis before the reply) and its streamed reply request. Timings of earlier turns that
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
