package temporalwf

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// Metrics exports the Temporal SDK's metrics (requests, polls, task latencies, slots…) into a
// Prometheus registry, so a worker's and a server's Temporal side shows on the same /metrics as the
// rest. Counters stay counters, gauges gauges, and timers become histograms in seconds; names
// keep the SDK's (temporal_…), cleaned for Prometheus.
type Metrics struct {
	reg  prometheus.Registerer
	mu   sync.Mutex
	vecs map[string]*metricVec
}

// metricVec is one exported metric: its collector and the label names it was created with (the
// first use decides them; later uses fill missing labels with "" and drop unknown ones).
type metricVec struct {
	labels  []string
	counter *prometheus.CounterVec
	gauge   *prometheus.GaugeVec
	hist    *prometheus.HistogramVec
}

// NewMetrics returns a handler that registers the SDK's metrics in reg as they first appear.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	return &Metrics{reg: reg, vecs: map[string]*metricVec{}}
}

// Handler is the SDK side of m, for client.Options.MetricsHandler.
func (m *Metrics) Handler() client.MetricsHandler { return tagged{m: m} }

type kind int

const (
	counterKind kind = iota
	gaugeKind
	timerKind
)

// vec returns the collector of name, creating and registering it on first use. A name the
// registry refuses (already taken with another type) yields nil: that metric is dropped.
func (m *Metrics) vec(name string, k kind, tags map[string]string) *metricVec {
	name = promName(name)
	if k == timerKind {
		name += "_seconds"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.vecs[name]; ok {
		return v
	}
	labels := make([]string, 0, len(tags))
	for key := range tags {
		labels = append(labels, promName(key))
	}
	slices.Sort(labels)
	labels = slices.Compact(labels)
	v := &metricVec{labels: labels}
	help := "Temporal SDK metric " + name + "."
	var c prometheus.Collector
	switch k {
	case counterKind:
		v.counter = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		c = v.counter
	case gaugeKind:
		v.gauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
		c = v.gauge
	default:
		v.hist = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help,
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, labels)
		c = v.hist
	}
	if err := m.reg.Register(c); err != nil {
		v = nil
	}
	m.vecs[name] = v
	return v
}

// values are tags in v's label order.
func (v *metricVec) values(tags map[string]string) []string {
	clean := make(map[string]string, len(tags))
	for k, val := range tags {
		clean[promName(k)] = val
	}
	out := make([]string, len(v.labels))
	for i, l := range v.labels {
		out[i] = clean[l]
	}
	return out
}

// tagged is the handler with a set of tags.
type tagged struct {
	m    *Metrics
	tags map[string]string
}

func (t tagged) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(t.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tags)
	return tagged{m: t.m, tags: merged}
}

func (t tagged) Counter(name string) client.MetricsCounter {
	v := t.m.vec(name, counterKind, t.tags)
	if v == nil || v.counter == nil {
		return client.MetricsNopHandler.Counter(name)
	}
	c := v.counter.WithLabelValues(v.values(t.tags)...)
	return counterFunc(func(d int64) {
		if d > 0 {
			c.Add(float64(d))
		}
	})
}

func (t tagged) Gauge(name string) client.MetricsGauge {
	v := t.m.vec(name, gaugeKind, t.tags)
	if v == nil || v.gauge == nil {
		return client.MetricsNopHandler.Gauge(name)
	}
	g := v.gauge.WithLabelValues(v.values(t.tags)...)
	return gaugeFunc(g.Set)
}

func (t tagged) Timer(name string) client.MetricsTimer {
	v := t.m.vec(name, timerKind, t.tags)
	if v == nil || v.hist == nil {
		return client.MetricsNopHandler.Timer(name)
	}
	h := v.hist.WithLabelValues(v.values(t.tags)...)
	return timerFunc(func(d time.Duration) { h.Observe(d.Seconds()) })
}

type (
	counterFunc func(int64)
	gaugeFunc   func(float64)
	timerFunc   func(time.Duration)
)

func (f counterFunc) Inc(d int64)          { f(d) }
func (f gaugeFunc) Update(v float64)       { f(v) }
func (f timerFunc) Record(d time.Duration) { f(d) }

// promName makes name a valid Prometheus metric or label name.
func promName(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r >= '0' && r <= '9' && i > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
