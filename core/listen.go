package core

import (
	"errors"
	"fmt"
	"net"
)

// Listeners are the sockets a hub serves on: the API's and, when Metrics.Addr is set, the one
// that serves /metrics alone.
type Listeners struct {
	HTTP    net.Listener
	Metrics net.Listener // nil unless cfg.HTTP.Metrics.Addr is set
}

// Listen opens the addresses cfg names. `serve` calls it before New, so a taken port stops start-up
// before any database is created or migrated; the error names the address and its variable.
func Listen(cfg Config) (Listeners, error) {
	var l Listeners
	var err error
	if l.HTTP, err = listen(cfg.HTTP.Addr, EnvPrefix+"HTTP_ADDR"); err != nil {
		return Listeners{}, err
	}
	if a := cfg.HTTP.Metrics.Addr; a != "" {
		if l.Metrics, err = listen(a, EnvPrefix+"METRICS_ADDR"); err != nil {
			_ = l.HTTP.Close()
			return Listeners{}, err
		}
	}
	return l, nil
}

func listen(addr, variable string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (%s): %w", addr, variable, err)
	}
	return ln, nil
}

// Close closes the listeners that are open (Serve closes them itself).
func (l Listeners) Close() error {
	var errs []error
	for _, ln := range []net.Listener{l.HTTP, l.Metrics} {
		if ln != nil {
			errs = append(errs, ln.Close())
		}
	}
	return errors.Join(errs...)
}
