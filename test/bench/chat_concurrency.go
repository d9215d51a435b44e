package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/companionhub/companionhub"
	"github.com/companionhub/companionhub/adapter/openai"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/usecase/llm"
)

const (
	// concWords tokens at concPace make SPEC §4's reply, whose ideal duration is concIdeal.
	concWords = 500
	concPace  = 100
	concIdeal = 5 * time.Second
	// concSetupWorkers create the companions (one per concurrent turn: a companion answers one
	// message at a time).
	concSetupWorkers = 8
)

// concTurns are the numbers of concurrent turns measured; the last is SPEC §4's.
var concTurns = []int{1, 100, 1000}

// runChatConcurrency measures SPEC §4's second target: N turns at once (N = 1, 100, 1000), each
// streaming a 500-token reply that the model paces at 100 tokens a second, followed over SSE on
// loopback. The result is the wall time from the sends to the last turn's complete event, against
// the ideal 5 s; its turns/s column is throughput. Every stream is checked: its token events must
// add up to the model's reply exactly, its event ids must be contiguous — the counts of lost and
// duplicated words, id gaps and failed turns are in the row's name, and any but zero fails the
// section. The name also gives the first token's delay after the sends, the model connections the
// hub opened, and how many cores the process kept busy (the fake model and the clients run in it
// too). For N > 1 a second row streams the same replies from the fake through the OpenAI adapter
// alone, no hub: what the harness and the SDK cost on this machine, which bounds the hub's ratio;
// a third puts the hub's time over that one's.
//
// On two cores the fake model's own CPU (encoding and flushing half a million chunks for 1 000
// turns) is as much as the hub's, and in this process it is the hub's competition for the cores
// and the garbage collector. So the 100- and 1 000-turn runs are made again, against the fake in a
// process of its own (test/fakes/openaifake/cmd/openaifake, built for the purpose), with their own
// adapter-only baselines; their rows say how busy each process kept the cores.
func runChatConcurrency(ctx context.Context, _ options) ([]row, error) {
	most := concTurns[len(concTurns)-1]
	// Per turn: the client's connection (both ends) and the hub's to the model (both ends, the
	// reply's and now and then an analysis's). A fake model process inherits the limit.
	if err := raiseFileLimit(uint64(8*most + 1024)); err != nil {
		return nil, err
	}
	reply := openaifake.Words(concWords)
	fake := newFakeLLM(
		[]openaifake.Option{openaifake.WithReply(reply), openaifake.WithTokensPerSecond(concPace), openaifake.WithoutRecording()},
		[]openaifake.Option{openaifake.WithJSONReply(analysisReply), openaifake.WithoutRecording()})
	rows, err := concurrentRuns(ctx, fakeInProcess{fake}, concTurns, reply, *chatCPUProfile)
	fake.close()
	if ctx.Err() != nil {
		return rows, errors.Join(err, ctx.Err())
	}

	proc, perr := startFakeProcess(ctx, "-words", strconv.Itoa(concWords), "-tps", strconv.Itoa(concPace),
		"-json-reply", analysisReply)
	if perr != nil {
		return rows, errors.Join(err, fmt.Errorf("fake model in its own process: %w", perr))
	}
	defer proc.close()
	profile := *chatCPUProfile
	if profile != "" {
		profile += ".ownfake"
	}
	more, perr := concurrentRuns(ctx, proc, concOwnProcessTurns, reply, profile)
	if perr != nil {
		perr = fmt.Errorf("fake model in its own process: %w", perr)
	}
	return append(rows, more...), errors.Join(err, perr)
}

// concOwnProcessTurns are the runs made again against the fake model in its own process.
var concOwnProcessTurns = []int{100, 1000}

// concModel is the fake model of a concurrent run: in this process (fakeInProcess) or in its own
// (fakeProcess).
type concModel interface {
	URL() string
	connsOpened() int64
}

// fakeInProcess is the in-process fake as a concModel.
type fakeInProcess struct{ *fakeLLM }

func (f fakeInProcess) connsOpened() int64 { return f.conns.Load() }

// concurrentRuns starts a hub against model, creates a companion per turn of the largest run, and
// measures the runs of turns, each (but a single turn) followed by the adapter alone. The CPU
// profile, when named, is of the largest run.
func concurrentRuns(ctx context.Context, model concModel, turns []int, reply, profile string) ([]row, error) {
	most := turns[len(turns)-1]
	proc, _ := model.(*fakeProcess)
	where := ""
	if proc != nil {
		where = ", fake model in its own process"
	}
	// busy says how busy the processes kept the cores: this one's CPU, and the fake's when it
	// runs apart, over the wall time.
	busy := func(cpu, fakeCPU, wall time.Duration) string {
		s := cores(cpu, wall)
		if proc != nil && wall > 0 {
			s = "bench " + s + fmt.Sprintf(", fake model %.1f", float64(fakeCPU)/float64(wall))
		}
		return s
	}
	fakeCPU := func() time.Duration {
		if proc == nil {
			return 0
		}
		return proc.cpuTime()
	}

	h, err := startHub(ctx, model, func(c *companionhub.Config) {
		c.Runner.Workers, c.Runner.Queue = max(c.Runner.Workers, most), max(c.Runner.Queue, most)
	})
	if err != nil {
		return nil, err
	}
	defer h.stop()
	comps, err := createCompanions(ctx, h, most)
	if err != nil {
		return nil, err
	}

	ideal := func(n int) testing.BenchmarkResult { return testing.BenchmarkResult{N: n, T: concIdeal} }
	var rows []row
	var errs []error
	for _, n := range turns {
		conns := model.connsOpened()
		stop, err := startCPUProfile(n == most, profile)
		if err != nil {
			return rows, err
		}
		cpu, fcpu := cpuTime(), fakeCPU()
		r := concurrentTurns(ctx, h, comps[:n], reply)
		cpu, fcpu = cpuTime()-cpu, fakeCPU()-fcpu
		stop()
		rows = append(rows, row{
			name: fmt.Sprintf("%d turns × %d tok at %d tok/s over SSE%s (first token p50 %.2f s, max %.2f s; "+
				"lost %d, duplicated %d, id gaps %d, failed %d; %d model conns opened; %s)",
				n, concWords, concPace, where, percentile(r.ttft, 50).Seconds(), percentile(r.ttft, 100).Seconds(),
				r.lost, r.duplicated, r.gaps, r.failed, model.connsOpened()-conns, busy(cpu, fcpu, r.wall)),
			result: testing.BenchmarkResult{N: n, T: r.wall}, baseline: "ideal 5 s", base: ideal(n)})
		if r.err != nil {
			errs = append(errs, fmt.Errorf("%d turns: %w", n, r.err))
		}
		if n == 1 {
			continue // one stream alone is the ideal, give or take a timer
		}
		cpu, fcpu = cpuTime(), fakeCPU()
		d := directStreams(ctx, model.URL(), n, reply)
		cpu, fcpu = cpuTime()-cpu, fakeCPU()-fcpu
		rows = append(rows, row{
			name: fmt.Sprintf("%d streams of the same replies, adapter → fake model, no hub%s (failed %d; %s)",
				n, where, d.failed, busy(cpu, fcpu, d.wall)),
			result: testing.BenchmarkResult{N: n, T: d.wall}, baseline: "ideal 5 s", base: ideal(n)})
		if d.err != nil {
			errs = append(errs, fmt.Errorf("%d adapter streams: %w", n, d.err))
		}
		if r.err == nil && d.err == nil {
			rows = append(rows, row{name: fmt.Sprintf("%d turns over SSE%s, against the adapter alone", n, where),
				result:   testing.BenchmarkResult{N: n, T: r.wall},
				baseline: "adapter, no hub", base: testing.BenchmarkResult{N: n, T: d.wall}})
		}
	}
	return rows, errors.Join(errs...)
}

// chatCPUProfile names the file the largest concurrent run's CPU profile is written to.
var chatCPUProfile = flag.String("chat-cpuprofile", "", "write a CPU profile of the largest chat-concurrency run (hub, fake model and clients) to this file, "+
	"and of the largest against the fake model in its own process (hub and clients) to this file + \".ownfake\"")

// startCPUProfile starts a CPU profile into file when on and file is named; stop ends it.
func startCPUProfile(on bool, file string) (stop func(), err error) {
	if !on || file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// cores says how busy this process kept the CPUs: cpu time used over wall. Well under GOMAXPROCS
// means the run waited rather than computed — or that other processes had the machine.
func cores(cpu, wall time.Duration) string {
	if cpu <= 0 || wall <= 0 {
		return "CPU use unknown"
	}
	return fmt.Sprintf("busy %.1f of %d cores", float64(cpu)/float64(wall), runtime.GOMAXPROCS(0))
}

func createCompanions(ctx context.Context, h *benchHub, n int) ([]string, error) {
	ids := make([]string, n)
	errs := make([]error, concSetupWorkers)
	var wg sync.WaitGroup
	for w := range concSetupWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n && errs[w] == nil; i += concSetupWorkers {
				ids[i], errs[w] = h.createCompanion(ctx)
			}
		}()
	}
	wg.Wait()
	return ids, errors.Join(errs...)
}

// concResult is one concurrent run: its wall time and what went wrong, counted.
type concResult struct {
	wall                   time.Duration
	ttft                   []time.Duration // sends → each turn's first token event
	lost, duplicated, gaps int
	failed                 int
	err                    error // the first failure, or a summary of the counts
}

// concurrentTurns sends one message to each companion at once and follows every turn to its end.
func concurrentTurns(ctx context.Context, h *benchHub, comps []string, reply string) concResult {
	runs := make([]*turnRun, len(comps))
	errs := make([]error, len(comps))
	var ready, wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range comps {
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			<-start
			runs[i], errs[i] = h.runTurn(ctx, c, "Tell me about the stars tonight.")
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	wg.Wait()

	var r concResult
	for i, run := range runs {
		if run != nil && run.done.Sub(t0) > r.wall {
			r.wall = run.done.Sub(t0)
		}
		if errs[i] != nil {
			r.failed++
			if r.err == nil {
				r.err = errs[i]
			}
			continue
		}
		r.ttft = append(r.ttft, run.firstToken.Sub(t0))
		lost, dup := compareWords(run.text.String(), concWords)
		r.lost, r.duplicated, r.gaps = r.lost+lost, r.duplicated+dup, r.gaps+run.seqGaps
		if lost+dup == 0 && (run.text.String() != reply || run.complete != reply) && r.err == nil {
			r.err = fmt.Errorf("turn %d: the streamed or saved reply differs from the model's in more than its words", i)
		}
	}
	if r.err == nil && r.lost+r.duplicated+r.gaps > 0 {
		r.err = fmt.Errorf("%d words lost, %d duplicated, %d event id gaps", r.lost, r.duplicated, r.gaps)
	}
	return r
}

// compareWords counts the words of Words(n) missing from text, and the extra words in it
// (repeats, or words the model never sent).
func compareWords(text string, n int) (lost, extra int) {
	seen := make(map[string]int, n)
	for _, w := range strings.Fields(text) {
		seen[w]++
	}
	for i := 1; i <= n; i++ {
		w := "w" + strconv.Itoa(i)
		switch c := seen[w]; {
		case c == 0:
			lost++
		case c > 1:
			extra += c - 1
		}
		delete(seen, w)
	}
	for _, c := range seen {
		extra += c
	}
	return lost, extra
}

// directStreams streams n replies at once from the fake at baseURL through the OpenAI adapter, configured
// as the hub configures it, and checks each against reply.
func directStreams(ctx context.Context, baseURL string, n int, reply string) concResult {
	cfg := openai.DefaultConfig()
	cfg.BaseURL, cfg.Model = baseURL, openaifake.DefaultModel
	client, err := openai.New(cfg, nil)
	if err != nil {
		return concResult{err: err, failed: n}
	}
	req := llm.Request{Messages: []llm.Message{
		{Role: llm.System, Content: "You are Mira Vale, an astronomer. Stay in character."},
		{Role: llm.User, Content: "Tell me about the stars tonight."},
	}, MaxTokens: 1000}
	texts := make([]strings.Builder, n)
	errs := make([]error, n)
	var ready, wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			<-start
			_, errs[i] = client.Stream(ctx, req, func(s string) error {
				texts[i].WriteString(s)
				return nil
			})
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	wg.Wait()
	r := concResult{wall: time.Since(t0)}
	for i := range n {
		if errs[i] == nil && texts[i].String() != reply {
			errs[i] = errors.New("the streamed text differs from the model's reply")
		}
		if errs[i] != nil {
			r.failed++
			if r.err == nil {
				r.err = errs[i]
			}
		}
	}
	return r
}
