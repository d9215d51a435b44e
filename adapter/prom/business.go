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

// BusinessMetrics counts what people do, from the use cases' outcomes (a decorator.Observer):
// messages by how they came, companions created by how, turns by outcome (TurnEnded), and the
// people active today.
type BusinessMetrics struct {
	messages   *prometheus.CounterVec
	companions *prometheus.CounterVec
	turns      *prometheus.CounterVec
}

var _ decorator.Observer = (*BusinessMetrics)(nil)

// messageSources and companionSources map the use cases that count to their label.
var (
	messageSources = map[string]string{"chat.send": "person", "chat.send_voice_note": "voice_note",
		"chat.write_first": "companion_first"}
	companionSources = map[string]string{"companion.create": "new", "companion.import_card": "card",
		"companion.clone": "clone"} // a community clone is a companion.clone

)

// NewBusinessMetrics registers the business metrics in reg. activeToday, when not nil, counts the
// people who used the hub's providers today; it is asked at most every 30 seconds, when scraped.
func NewBusinessMetrics(reg prometheus.Registerer, activeToday func(context.Context) (int, error)) (*BusinessMetrics, error) {
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
		cs = append(cs, newActiveGauge(activeToday))
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
	if s, ok := messageSources[useCase]; ok {
		m.messages.WithLabelValues(s).Inc()
	}
	if s, ok := companionSources[useCase]; ok {
		m.companions.WithLabelValues(s).Inc()
	}
}

// TurnEnded counts a turn that ended with outcome.
func (m *BusinessMetrics) TurnEnded(_ context.Context, outcome string) {
	m.turns.WithLabelValues(outcome).Inc()
}

// activeGauge is the number of people active today, read from the store at most every fresh.
type activeGauge struct {
	desc  *prometheus.Desc
	count func(context.Context) (int, error)
	fresh time.Duration

	mu   sync.Mutex
	at   time.Time
	last int
}

func newActiveGauge(count func(context.Context) (int, error)) *activeGauge {
	return &activeGauge{count: count, fresh: 30 * time.Second, desc: prometheus.NewDesc("companionhub_active_users",
		"People who used the hub's providers (a reply, a picture, speech…) today, UTC.", nil, nil)}
}

func (g *activeGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *activeGauge) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.at.IsZero() || time.Since(g.at) >= g.fresh {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n, err := g.count(ctx)
		cancel()
		if err != nil {
			ch <- prometheus.NewInvalidMetric(g.desc, err)
			return
		}
		g.at, g.last = time.Now(), n
	}
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(g.last))
}
