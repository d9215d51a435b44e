package containers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"
)

// probe is a wait strategy that is satisfied only when check succeeds against the container's port
// from this process: a real login, a real PING. A listening socket proves little (Docker's proxy
// accepts connections before the server inside is up).
//
// It also finds out how this process reaches the published port. testcontainers guesses: inside a
// container (/.dockerenv) it assumes the daemon is elsewhere and dials the bridge or default-route
// gateway, which is wrong where the engine runs in the same sandbox as the tests — as on this
// project's development machines. So the probe tries testcontainers' host and the loopback address
// and keeps whichever answers; TESTCONTAINERS_HOST_OVERRIDE still wins when set.
//
// A pointer type: testcontainers inspects strategies with reflect.Value.IsNil, which panics on structs.
type probe struct {
	name    string
	port    string
	timeout time.Duration
	check   func(ctx context.Context, addr string) error

	// addr is the host:port that passed check; read it after the container has started.
	addr string
}

var _ interface {
	wait.Strategy
	wait.StrategyTimeout
} = (*probe)(nil)

func (p *probe) Timeout() *time.Duration { return &p.timeout }

func (p *probe) String() string { return p.name + " answering on " + p.port }

func (p *probe) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		addr, err := reachableAddr(ctx, target, p.port)
		if err == nil {
			if err = p.check(ctx, addr); err == nil {
				p.addr = addr
				return nil
			}
		}
		// A server that exited (a bad setting, a broken image) will not become ready: say so now.
		if st, serr := target.State(ctx); serr == nil && !st.Running {
			return fmt.Errorf("%s exited with code %d before it was ready: %w", p.name, st.ExitCode, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w", p.name, errors.Join(ctx.Err(), err))
		case <-tick.C:
		}
	}
}

// reachableAddr returns the first host:port of the published port that accepts a TCP connection.
func reachableAddr(ctx context.Context, target wait.StrategyTarget, port string) (string, error) {
	mapped, err := target.MappedPort(ctx, port)
	if err != nil {
		return "", err
	}
	host, err := target.Host(ctx)
	if err != nil {
		return "", err
	}
	hosts := []string{host}
	if _, override := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); !override && host != "127.0.0.1" && host != "localhost" {
		hosts = append(hosts, "127.0.0.1")
	}
	type result struct {
		addr string
		err  error
	}
	results := make(chan result, len(hosts))
	for _, h := range hosts {
		go func() {
			addr := net.JoinHostPort(h, mapped.Port())
			d := net.Dialer{Timeout: time.Second}
			c, err := d.DialContext(ctx, "tcp", addr)
			if err == nil {
				_ = c.Close()
			}
			results <- result{addr, err}
		}()
	}
	var errs []error
	for range hosts {
		r := <-results
		if r.err == nil {
			return r.addr, nil
		}
		errs = append(errs, r.err)
	}
	return "", errors.Join(errs...)
}
