// Package prom exports the hub's own metrics to Prometheus: the registry every component registers
// into, and the use-case observer that times every use case by outcome.
package prom

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/decorator"
)

// NewRegistry returns a registry with the Go runtime and process collectors. Components register
// into it rather than into the global default registry, so two hubs in one process (tests,
// embedders) never collide.
func NewRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// UseCaseMetrics observes every use case: a latency histogram by use case and outcome ("ok" or the
// error kind).
type UseCaseMetrics struct {
	latency *prometheus.HistogramVec
}

var _ decorator.Observer = (*UseCaseMetrics)(nil)

// NewUseCaseMetrics registers the use-case metrics in reg.
func NewUseCaseMetrics(reg prometheus.Registerer) (*UseCaseMetrics, error) {
	m := &UseCaseMetrics{latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "companionhub", Subsystem: "usecase", Name: "duration_seconds",
		Help:    "Use-case latency by use case and outcome (ok or the error kind).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"use_case", "outcome"})}
	if err := reg.Register(m.latency); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *UseCaseMetrics) Observe(_ context.Context, useCase string, took time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = domain.KindOf(err).String()
	}
	m.latency.WithLabelValues(useCase, outcome).Observe(took.Seconds())
}
