//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/companionhub/companionhub/test/fakes/openaifake"
)

// The sse-idle section measures SPEC §4's P8: the server's memory per idle SSE subscriber, target
// ≤ 32 KiB at 10 000. The hub is the built binary in a process of its own (embedded profile,
// SQLite), so that what is measured is its memory alone, read from /proc — never this process's,
// which holds the client ends. The fake model accepts the replies of a few turns and then says
// nothing for an hour, so the turns run, silent, while 10 000 connections follow their events:
// 1 000 first, then 9 000 more, the hub's memory sampled at rest (no subscriber), at 1 000 and at
// 10 000. Per connection = (after − at rest) / connections; the ratio column compares 10 000's
// figure with 1 000's (1.00x: linear). Idle streams still get the hub's heartbeat comments
// (SSE_HEARTBEAT) and their followers' periodic look at the turn (TURN_FOLLOW_CHECK), as in
// production; nobody reads them on this side, the kernel's socket buffers hold what arrives.
//
// Linux only: it reads /proc/<pid>/status and smaps_rollup.
func init() {
	sections = append(sections, section{name: "sse-idle", unit: "connection", run: runSSEIdle})
}

const (
	sseIdleTurns   = 4 // running turns the connections are spread over, one per companion
	sseIdleFirst   = 1_000
	sseIdleConns   = 10_000
	sseIdleOpeners = 32 // connections being opened at once
	// sseIdleFileLimit is what this process and the hub (which inherits it) may open: each holds
	// one socket per connection, plus the rest.
	sseIdleFileLimit = 25_000
	// sseIdleTarget is P8's target: bytes per idle connection.
	sseIdleTarget = 32 << 10
)

func runSSEIdle(ctx context.Context, _ options) ([]row, error) {
	limit, err := setFileLimit(sseIdleFileLimit)
	if err != nil {
		return nil, err
	}
	if limit < sseIdleConns+1_000 {
		return nil, fmt.Errorf("the open-file limit is %d, below the %d this section needs", limit, sseIdleConns+1_000)
	}
	dir, err := os.MkdirTemp("", "companionhub-bench-sse-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin, err := goBuild(ctx, dir, "companionhub", "./cmd/companionhub")
	if err != nil {
		return nil, err
	}

	fake := newFakeLLM(
		// Recorded (a handful of requests), so the bench knows when every turn waits on the model.
		[]openaifake.Option{openaifake.WithReply(openaifake.Words(10)), openaifake.WithBehaviour(openaifake.SlowFirstToken(time.Hour))},
		[]openaifake.Option{openaifake.WithJSONReply(analysisReply), openaifake.WithoutRecording()})
	defer fake.close() // last: it releases the replies the hub still waits on
	p, err := startHubProcess(ctx, bin, dir, fake.URL())
	if err != nil {
		return nil, err
	}
	defer p.stop()

	h := &benchHub{base: p.base, http: &http.Client{Timeout: 30 * time.Second}}
	if err := h.signUp(ctx); err != nil {
		return nil, fmt.Errorf("sign up: %w%s", err, p.tail())
	}
	paths := make([]string, 0, sseIdleTurns)
	for range sseIdleTurns {
		comp, err := h.createCompanion(ctx)
		if err != nil {
			return nil, fmt.Errorf("create companion: %w", err)
		}
		var sent struct {
			Turn struct {
				EventsURL string `json:"events_url"`
			} `json:"turn"`
		}
		if err := h.do(ctx, "POST", "/api/v1/companions/"+comp+"/messages", map[string]string{"text": "Are you still up?"},
			http.StatusAccepted, &sent); err != nil {
			return nil, err
		}
		paths = append(paths, sent.Turn.EventsURL)
	}
	// Every turn is silent once its reply request reached the model.
	if err := waitFor(ctx, 30*time.Second, func() bool { return len(fake.reply.Requests()) >= sseIdleTurns }); err != nil {
		return nil, fmt.Errorf("the turns' replies did not reach the model: %w%s", err, p.tail())
	}

	base, err := p.settle(ctx)
	if err != nil {
		return nil, err
	}
	rows := []row{{name: fmt.Sprintf("hub at rest, %d silent turns, no subscriber: RSS bytes (%d goroutines)", sseIdleTurns, base.goroutines),
		result: count(int(base.rss))}}

	op := &sseOpener{addr: strings.TrimPrefix(p.base, "http://"), token: h.token, paths: paths}
	defer op.closeAll()
	if err := op.open(ctx, sseIdleFirst); err != nil {
		return rows, fmt.Errorf("open %d connections: %w%s", sseIdleFirst, err, p.tail())
	}
	at1k, err := p.settle(ctx)
	if err != nil {
		return rows, err
	}
	if err := op.open(ctx, sseIdleConns-sseIdleFirst); err != nil {
		return rows, fmt.Errorf("open %d connections: %w%s", sseIdleConns, err, p.tail())
	}
	at10k, err := p.settle(ctx)
	if err != nil {
		return rows, err
	}
	// Every stream must still be open, or the figures would be of fewer connections.
	if lost := op.closed(); lost > 0 {
		return rows, fmt.Errorf("%d of the %d connections were closed by the hub during the measurement", lost, sseIdleConns)
	}

	per := func(after hubMem, n int, field func(hubMem) int64) int {
		return int((field(after) - field(base)) / int64(n))
	}
	pair := func(name string, field func(hubMem) int64, target string) {
		small, large := per(at1k, sseIdleFirst, field), per(at10k, sseIdleConns, field)
		rows = append(rows,
			row{name: fmt.Sprintf("%s, 1 000 connections", name), result: count(small)},
			row{name: fmt.Sprintf("%s, 10 000 connections%s", name, target), result: count(large),
				baseline: "1 000 connections", base: count(small)})
	}
	pair("P8 hub RSS bytes per idle SSE connection", func(m hubMem) int64 { return m.rss },
		fmt.Sprintf(" (target ≤ 32 KiB = %d)", sseIdleTarget))
	if base.anon > 0 {
		pair("hub anonymous memory bytes per connection (smaps_rollup)", func(m hubMem) int64 { return m.anon }, "")
	}
	// Heap in use counts the garbage of the follow checks not yet collected: it moves with the
	// collector's cycle, which RSS (the pages it grew to) does not.
	pair("hub Go heap in use, bytes per connection", func(m hubMem) int64 { return m.heapInuse }, "")
	pair("hub goroutine stacks, bytes per connection", func(m hubMem) int64 { return m.stackInuse }, "")
	// Goroutines per 1 000 connections: a whole number that still shows the fraction.
	g := func(m hubMem) int64 { return m.goroutines * 1_000 }
	pair("hub goroutines per 1 000 connections", g, "")
	return rows, nil
}

// setFileLimit raises this process's open-file limit, soft and hard, to at least need (the hard
// limit only as far as the process may), and returns the soft limit it ends with. Setting it
// explicitly matters: Go raises its own soft limit at start, but gives children the limit it found
// unless the program set one itself.
func setFileLimit(need uint64) (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("read the open-file limit: %w", err)
	}
	want := l
	want.Cur = max(l.Cur, need)
	want.Max = max(l.Max, want.Cur)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		// Not allowed to raise the hard limit: as far as it goes.
		want = syscall.Rlimit{Cur: max(l.Cur, min(need, l.Max)), Max: l.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			return 0, fmt.Errorf("raise the open-file limit: %w", err)
		}
	}
	return want.Cur, nil
}

// hubProcess is a running `companionhub serve`.
type hubProcess struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	exited chan struct{}
	mu     sync.Mutex
	last   []string // the last log lines, for errors
}

// startHubProcess runs the hub on the embedded profile over a fresh data directory in dir, on a
// free loopback port, pointed at the model at llmURL, and waits until it serves.
func startHubProcess(ctx context.Context, bin, dir, llmURL string) (*hubProcess, error) {
	unlimited := "1000000/1m" // the benchmark signs in, creates and sends faster than people do
	env := []string{
		"COMPANIONHUB_HTTP_ADDR=127.0.0.1:0",
		"COMPANIONHUB_DATA_DIR=" + filepath.Join(dir, "data"),
		"COMPANIONHUB_LLM_BASE_URL=" + llmURL,
		"COMPANIONHUB_LLM_MODEL=" + openaifake.DefaultModel,
		// The model stays silent for the whole run: neither limit may end the turns before it ends.
		"COMPANIONHUB_LLM_TIMEOUT=30m",
		"COMPANIONHUB_LLM_FIRST_BYTE_TIMEOUT=0",
		"COMPANIONHUB_PASSWORD_HASH_MEMORY_KIB=1024", // one sign-in; its 19 MiB would only blur the baseline
		"COMPANIONHUB_TURN_SHUTDOWN_GRACE=1s",
		"COMPANIONHUB_RATE_LIMIT_LOGIN=" + unlimited,
		"COMPANIONHUB_RATE_LIMIT_LOGIN_IP=" + unlimited,
		"COMPANIONHUB_RATE_LIMIT_REGISTER=" + unlimited,
		"COMPANIONHUB_RATE_LIMIT_CHAT=" + unlimited,
		"COMPANIONHUB_RATE_LIMIT_COMPANION_CREATE=" + unlimited,
	}
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir
	for _, kv := range os.Environ() { // the bench's own configuration alone, never a developer's
		if !strings.HasPrefix(kv, "COMPANIONHUB_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the hub: %w", err)
	}
	p := &hubProcess{cmd: cmd, exited: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var l struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "serving" {
				offer(addr, l.Addr)
			}
			p.mu.Lock()
			if p.last = append(p.last, sc.Text()); len(p.last) > 10 {
				p.last = p.last[1:]
			}
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(p.exited)
	}()
	select {
	case a := <-addr:
		p.base = "http://" + a
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("the hub exited before it served%s", p.tail())
	case <-time.After(time.Minute):
		p.stop()
		return nil, fmt.Errorf("the hub did not serve within a minute%s", p.tail())
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
}

// tail is the hub's last log lines, for an error message.
func (p *hubProcess) tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.last) == 0 {
		return ""
	}
	return "\nthe hub's last log lines:\n" + strings.Join(p.last, "\n")
}

// stop ends the hub: SIGTERM, then SIGKILL if it has not exited within 15 s.
func (p *hubProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// hubMem is what the hub holds at one moment.
type hubMem struct {
	rss, anon             int64 // bytes: VmRSS; Anonymous of smaps_rollup (0 where absent)
	heapInuse, stackInuse int64 // bytes, from its /metrics
	goroutines            int64
}

// settle waits for the hub to digest what just happened, then samples it every half second for
// 4 s and returns the median of each figure: its garbage collector and scavenger, the follow
// checks and heartbeats keep RSS moving by a little, in both directions.
func (p *hubProcess) settle(ctx context.Context) (hubMem, error) {
	if err := sleep(ctx, 3*time.Second); err != nil {
		return hubMem{}, err
	}
	var samples []hubMem
	for i := range 9 {
		if i > 0 {
			if err := sleep(ctx, 500*time.Millisecond); err != nil {
				return hubMem{}, err
			}
		}
		m, err := p.sample(ctx)
		if err != nil {
			return hubMem{}, err
		}
		samples = append(samples, m)
	}
	median := func(field func(hubMem) int64) int64 {
		vs := make([]int64, len(samples))
		for i, s := range samples {
			vs[i] = field(s)
		}
		slices.Sort(vs)
		return vs[len(vs)/2]
	}
	return hubMem{
		rss:        median(func(m hubMem) int64 { return m.rss }),
		anon:       median(func(m hubMem) int64 { return m.anon }),
		heapInuse:  median(func(m hubMem) int64 { return m.heapInuse }),
		stackInuse: median(func(m hubMem) int64 { return m.stackInuse }),
		goroutines: median(func(m hubMem) int64 { return m.goroutines }),
	}, nil
}

// sample reads the hub's memory from /proc and its Go runtime's figures from /metrics.
func (p *hubProcess) sample(ctx context.Context) (hubMem, error) {
	var m hubMem
	pid := p.cmd.Process.Pid
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	if m.rss = procKB(status, "VmRSS:"); m.rss == 0 {
		return m, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	if rollup, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid)); err == nil {
		m.anon = procKB(rollup, "Anonymous:")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", p.base+"/metrics", nil)
	if err != nil {
		return m, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return m, fmt.Errorf("metrics: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return m, fmt.Errorf("metrics: %w", err)
	}
	for name, v := range map[string]*int64{"go_goroutines": &m.goroutines, "go_memstats_heap_inuse_bytes": &m.heapInuse,
		"go_memstats_stack_inuse_bytes": &m.stackInuse} {
		if *v, err = metric(body, name); err != nil {
			return m, err
		}
	}
	return m, nil
}

// procKB is the value, in bytes, of a /proc file's "Name:   123 kB" line (0 when absent).
func procKB(file []byte, name string) int64 {
	for line := range bytes.Lines(file) {
		if rest, ok := bytes.CutPrefix(line, []byte(name)); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// metric is the value of an unlabelled metric in the Prometheus text exposition.
func metric(body []byte, name string) (int64, error) {
	for line := range bytes.Lines(body) {
		if rest, ok := bytes.CutPrefix(line, []byte(name+" ")); ok {
			f, err := strconv.ParseFloat(string(bytes.TrimSpace(rest)), 64)
			return int64(f), err
		}
	}
	return 0, fmt.Errorf("metrics: no %s", name)
}

// sseOpener opens idle event streams and keeps them: one socket each on this side, no goroutine.
type sseOpener struct {
	addr, token string
	paths       []string // the turns' event URLs, which the connections are spread over
	mu          sync.Mutex
	conns       []net.Conn
}

// open opens n more streams, sseIdleOpeners at a time, each until its response headers and the
// stream's first line (the retry field) have arrived.
func (o *sseOpener) open(ctx context.Context, n int) error {
	o.mu.Lock()
	first := len(o.conns)
	o.mu.Unlock()
	next := make(chan int)
	errs := make(chan error, sseIdleOpeners)
	var wg sync.WaitGroup
	for range sseIdleOpeners {
		wg.Go(func() {
			for i := range next {
				c, err := o.dial(ctx, o.paths[i%len(o.paths)])
				if err != nil {
					offer(errs, fmt.Errorf("connection %d: %w", i+1, err))
					return
				}
				o.mu.Lock()
				o.conns = append(o.conns, c)
				o.mu.Unlock()
			}
		})
	}
	var err error
feed:
	for i := first; i < first+n; i++ {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

func (o *sseOpener) dial(ctx context.Context, path string) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", o.addr)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+o.addr+path, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	req.Header.Set("Accept", "text/event-stream")
	if err := req.Write(c); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, 1024)
	res, err := http.ReadResponse(br, req)
	if err != nil {
		c.Close()
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		c.Close()
		return nil, fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	line, err := bufio.NewReaderSize(res.Body, 64).ReadString('\n')
	if err != nil || line != "retry: 2000\n" {
		c.Close()
		return nil, fmt.Errorf("GET %s: first line %q (%v)", path, line, err)
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// closed is how many of the connections the hub has closed: a read that does not time out at once
// found the end of the stream (or an error). It drains what arrived meanwhile (events replayed,
// heartbeats), sseIdleOpeners connections at a time.
func (o *sseOpener) closed() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	var (
		n    atomic.Int64
		wg   sync.WaitGroup
		next = make(chan net.Conn)
	)
	for range sseIdleOpeners {
		wg.Go(func() {
			buf := make([]byte, 4096)
			for c := range next {
				for {
					_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
					_, err := c.Read(buf)
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						break
					}
					if err != nil {
						n.Add(1)
						break
					}
				}
				_ = c.SetReadDeadline(time.Time{})
			}
		})
	}
	for _, c := range o.conns {
		next <- c
	}
	close(next)
	wg.Wait()
	return int(n.Load())
}

func (o *sseOpener) closeAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range o.conns {
		_ = c.Close()
	}
	o.conns = nil
}

// waitFor polls cond every 50 ms until it holds, for at most d.
func waitFor(ctx context.Context, d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s", d)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
