package prom

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/usage"
)

// ProviderMetrics observes every provider call (usage.CallObserver): calls by feature, provider
// and outcome ("ok" or the error kind), their latency, and the pictures drawn by provider.
type ProviderMetrics struct {
	calls    *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	pictures *prometheus.CounterVec
}

var _ usage.CallObserver = (*ProviderMetrics)(nil)

// NewProviderMetrics registers the provider metrics in reg.
func NewProviderMetrics(reg prometheus.Registerer) (*ProviderMetrics, error) {
	m := &ProviderMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "companionhub", Subsystem: "provider", Name: "calls_total",
			Help: "Provider calls by feature (llm, pictures, speech, transcription, embeddings), provider and outcome (ok or the error kind).",
		}, []string{"feature", "provider", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "companionhub", Subsystem: "provider", Name: "duration_seconds",
			Help:    "Provider call latency by feature and provider (a streamed reply: until its last word).",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300},
		}, []string{"feature", "provider"}),
		pictures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "companionhub", Name: "pictures_total",
			Help: "Pictures drawn, by image provider.",
		}, []string{"provider"}),
	}
	for _, c := range []prometheus.Collector{m.calls, m.latency, m.pictures} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *ProviderMetrics) Begin(ctx context.Context, call usage.Call) (context.Context, func(time.Duration, error)) {
	return ctx, func(took time.Duration, err error) {
		outcome := "ok"
		if err != nil {
			outcome = domain.KindOf(err).String()
		}
		m.calls.WithLabelValues(call.Feature, call.Provider, outcome).Inc()
		m.latency.WithLabelValues(call.Feature, call.Provider).Observe(took.Seconds())
		if call.Feature == "pictures" && err == nil {
			m.pictures.WithLabelValues(call.Provider).Inc()
		}
	}
}

// BusinessMetrics counts what people do: messages by how they came (MessageSent), companions
// created by how (from the use cases' outcomes: a decorator.Observer), turns by outcome
// (TurnEnded), and the people active today.
type BusinessMetrics struct {
	messages   *prometheus.CounterVec
	companions *prometheus.CounterVec
	turns      *prometheus.CounterVec
}

var _ decorator.Observer = (*BusinessMetrics)(nil)

// companionSources map the use cases that create companions to their label.
var (
	companionSources = map[string]string{"companion.create": "new", "companion.import_card": "card",
		"companion.clone": "clone"} // a community clone is a companion.clone

)

// NewBusinessMetrics registers the business metrics in reg. activeToday, when not nil, counts the
// people who used the hub's providers today; it is asked at most every 30 seconds, when scraped. A
// count that fails is told to failed (nil: nobody) and leaves the gauge at its last value (or
// out, before the first): a scrape while the database is down still has every other metric.
func NewBusinessMetrics(reg prometheus.Registerer, activeToday func(context.Context) (int, error),
	failed func(error)) (*BusinessMetrics, error) {
	m := &BusinessMetrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "companionhub", Name: "messages_total",
			Help: "Messages that started a turn, by source: person, voice_note, companion_first (a schedule).",
		}, []string{"source"}),
		companions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "companionhub", Name: "companions_created_total",
			Help: "Companions created, by how: new, card, clone (of a published one).",
		}, []string{"how"}),
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "companionhub", Name: "turns_total",
			Help: "Turns ended, by outcome (completed, failed, cancelled, interrupted), counted where they ended.",
		}, []string{"outcome"}),
	}
	cs := []prometheus.Collector{m.messages, m.companions, m.turns}
	if activeToday != nil {
		cs = append(cs, newActiveGauge(activeToday, failed))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *BusinessMetrics) Observe(_ context.Context, useCase string, _ time.Duration, err error) {
	if err != nil {
		return
	}
	if s, ok := companionSources[useCase]; ok {
		m.companions.WithLabelValues(s).Inc()
	}
}

// MessageSent counts a message that started a turn, by source (person, voice_note, companion_first).
func (m *BusinessMetrics) MessageSent(_ context.Context, source string) {
	m.messages.WithLabelValues(source).Inc()
}

// TurnEnded counts a turn that ended with outcome.
func (m *BusinessMetrics) TurnEnded(_ context.Context, outcome string) {
	m.turns.WithLabelValues(outcome).Inc()
}

// activeGauge is the number of people active today, read from the store at most every fresh.
type activeGauge struct {
	desc   *prometheus.Desc
	count  func(context.Context) (int, error)
	failed func(error)
	fresh  time.Duration

	mu    sync.Mutex
	asked time.Time // the last count, successful or not
	known bool      // last holds a count
	last  int
}

func newActiveGauge(count func(context.Context) (int, error), failed func(error)) *activeGauge {
	return &activeGauge{count: count, failed: failed, fresh: 30 * time.Second, desc: prometheus.NewDesc("companionhub_active_users",
		"People who used the hub's providers (a reply, a picture, speech…) today, UTC.", nil, nil)}
}

func (g *activeGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *activeGauge) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.asked.IsZero() || time.Since(g.asked) >= g.fresh {
		g.asked = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n, err := g.count(ctx)
		cancel()
		if err == nil {
			g.last, g.known = n, true
		} else if g.failed != nil {
			g.failed(err)
		}
	}
	if g.known {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(g.last))
	}
}
