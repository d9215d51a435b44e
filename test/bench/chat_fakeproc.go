package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// fakeModelCmd is the package of the fake model's own program, built once when a section asks for
// it in a process of its own.
const fakeModelCmd = "github.com/companionhub/companionhub/test/fakes/openaifake/cmd/openaifake"

// fakeProcess is the fake model (test/fakes/openaifake/cmd/openaifake) run as a process of its
// own, so that its CPU — encoding and flushing every chunk of every stream — is not the bench
// process's: on two cores it is as much as the hub's. Like fakeLLM it answers streamed requests
// with the reply and the others with the analysis, at once.
type fakeProcess struct {
	cmd   *exec.Cmd
	dir   string // holds the binary
	stdin io.WriteCloser
	url   string
	http  *http.Client
	done  chan struct{} // closed when the process has exited
}

// startFakeProcess builds the fake model's program (go build, into a temporary directory) and
// starts it with args, waiting for it to say where it listens.
func startFakeProcess(ctx context.Context, args ...string) (*fakeProcess, error) {
	dir, err := os.MkdirTemp("", "companionhub-bench-openaifake-")
	if err != nil {
		return nil, err
	}
	bin, err := goBuild(ctx, dir, "openaifake", fakeModelCmd)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	p := &fakeProcess{dir: dir, done: make(chan struct{}),
		http: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	p.cmd = exec.Command(bin, append([]string{"-until-stdin-closes"}, args...)...)
	p.cmd.Stderr = os.Stderr
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start the fake model: %w", err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
				urls <- u
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case p.url = <-urls:
		return p, nil
	case <-p.done:
		err = errors.New("the fake model exited before it listened")
	case <-time.After(30 * time.Second):
		err = errors.New("the fake model did not listen within 30 s")
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.close()
	return nil, err
}

// URL is the base URL the hub and the adapter are configured with.
func (p *fakeProcess) URL() string { return p.url }

// connsOpened is how many TCP connections the fake has accepted, or -1 when it cannot say.
func (p *fakeProcess) connsOpened() int64 {
	res, err := p.http.Get(strings.TrimSuffix(p.url, "/v1") + "/_openaifake/conns")
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// cpuTime is the CPU time (user and system) the fake's process has used so far, from
// /proc/<pid>/stat, or 0 where there is no such file.
func (p *fakeProcess) cpuTime() time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command's name, in parentheses, may hold spaces; the fields after it are numbered from
	// state (3): utime is 14, stime 15, in clock ticks (USER_HZ, 100 on Linux everywhere).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * (time.Second / 100)
}

// close ends the process (it exits when its standard input closes; killed if it lingers) and
// removes its binary.
func (p *fakeProcess) close() {
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	_ = os.RemoveAll(p.dir)
}
