package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck asks a running hub whether it is alive — GET its /healthz — for container health
// checks, where no curl is at hand: exit 0 when it answers 2xx, 1 otherwise. It reads no
// configuration but COMPANIONHUB_HTTP_ADDR and opens nothing.
func healthcheck(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	target := fs.String("url", "", "URL to ask (default: http://<COMPANIONHUB_HTTP_ADDR, wildcard host as 127.0.0.1>/healthz)")
	timeout := fs.Duration("timeout", 3*time.Second, "time allowed for the answer")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "healthcheck: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	url := *target
	if url == "" {
		addr, ok := e.lookup("COMPANIONHUB_HTTP_ADDR")
		if !ok || addr == "" {
			addr = "127.0.0.1:8080"
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("healthcheck: COMPANIONHUB_HTTP_ADDR %q: %w", addr, err)
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		url = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("healthcheck: GET %s: %s %s", url, res.Status, body)
	}
	fmt.Fprintf(e.stdout, "%s\n", body)
	return nil
}
