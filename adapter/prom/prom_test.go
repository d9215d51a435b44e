package prom_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/prom"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/decorator"
)

const latencyName = "companionhub_usecase_duration_seconds"

// names gathers reg and returns the names of its metric families.
func names(t *testing.T, reg prometheus.Gatherer) []string {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var out []string
	for _, mf := range mfs {
		out = append(out, mf.GetName())
	}
	return out
}

// histogram is one latency series as gathered. (Read through the getters rather than with
// client_model's types, which go.mod holds only indirectly.)
type histogram struct {
	count uint64
	sum   float64
	// below maps each bucket's upper bound to the samples at most that many seconds.
	below map[float64]uint64
}

// histograms returns the latency histograms of reg by "use_case/outcome".
func histograms(t *testing.T, reg prometheus.Gatherer) map[string]histogram {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]histogram{}
	for _, mf := range mfs {
		if mf.GetName() != latencyName {
			continue
		}
		require.Equal(t, "HISTOGRAM", mf.GetType().String())
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			require.Len(t, labels, 2, "use_case and outcome, nothing else")
			h := histogram{count: m.GetHistogram().GetSampleCount(), sum: m.GetHistogram().GetSampleSum(), below: map[float64]uint64{}}
			for _, b := range m.GetHistogram().GetBucket() {
				h.below[b.GetUpperBound()] = b.GetCumulativeCount()
			}
			out[labels["use_case"]+"/"+labels["outcome"]] = h
		}
	}
	return out
}

// below returns how many samples of h are at most le seconds; le must be a bucket's bound.
func below(t *testing.T, h histogram, le float64) uint64 {
	t.Helper()
	n, ok := h.below[le]
	require.True(t, ok, "no bucket le=%v", le)
	return n
}

func TestNewRegistryGathersTheRuntimeAndProcess(t *testing.T) {
	t.Parallel()
	reg := prom.NewRegistry()

	got := names(t, reg)

	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "go_gc_duration_seconds",
		"process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds"} {
		assert.Contains(t, got, name)
	}
	assert.NotContains(t, got, latencyName, "use-case metrics are registered by whoever observes")
}

func TestNewRegistryIsNotTheGlobalOne(t *testing.T) {
	t.Parallel()
	// Two hubs in one process each have their own registry: building the second must not
	// collide with the first, and neither touches the default registry.
	a, b := prom.NewRegistry(), prom.NewRegistry()
	require.NotSame(t, a, b)
	require.NotSame(t, prometheus.DefaultRegisterer, a)
	_, err := prom.NewUseCaseMetrics(a)
	require.NoError(t, err)
	_, err = prom.NewUseCaseMetrics(b)
	require.NoError(t, err)
}

func TestNewUseCaseMetricsRegistersOnce(t *testing.T) {
	t.Parallel()
	reg := prom.NewRegistry()

	m, err := prom.NewUseCaseMetrics(reg)
	require.NoError(t, err)
	require.NotNil(t, m)

	again, err := prom.NewUseCaseMetrics(reg)
	var dup prometheus.AlreadyRegisteredError
	require.ErrorAs(t, err, &dup, "a second hub on the same registry is a wiring mistake")
	require.Nil(t, again)
}

func TestObserveRecordsLatencyByUseCaseAndOutcome(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := prom.NewUseCaseMetrics(reg)
	require.NoError(t, err)
	ctx := context.Background()

	m.Observe(ctx, "chat.send", 1500*time.Millisecond, nil)
	m.Observe(ctx, "chat.send", 200*time.Millisecond, nil)
	m.Observe(ctx, "chat.send", 300*time.Microsecond, domain.E(domain.KindRateLimited, "too_many", "slow down"))
	m.Observe(ctx, "chat.send", 3*time.Second, fmt.Errorf("load: %w", domain.E(domain.KindNotFound, "", "gone")))
	m.Observe(ctx, "account.login", 20*time.Millisecond, errors.New("unclassified"))
	m.Observe(ctx, "account.login", 30*time.Second, context.DeadlineExceeded)

	got := histograms(t, reg)

	require.Len(t, got, 5)
	for key, want := range map[string]struct {
		count uint64
		sum   float64
	}{
		"chat.send/ok":              {2, 1.7},
		"chat.send/rate_limited":    {1, 0.0003},
		"chat.send/not_found":       {1, 3},
		"account.login/internal":    {1, 0.02},
		"account.login/unavailable": {1, 30},
	} {
		h, ok := got[key]
		require.True(t, ok, "no histogram %s among %v", key, got)
		assert.Equal(t, want.count, h.count, key)
		assert.InDelta(t, want.sum, h.sum, 1e-9, "%s is in seconds", key)
	}
	// The buckets are in seconds too: a fast rejection and a slow reply land apart.
	assert.Equal(t, uint64(1), below(t, got["chat.send/rate_limited"], .0005))
	assert.Equal(t, uint64(0), below(t, got["chat.send/ok"], .1))
	assert.Equal(t, uint64(1), below(t, got["chat.send/ok"], .25))
	assert.Equal(t, uint64(1), below(t, got["chat.send/ok"], 1))
	assert.Equal(t, uint64(2), below(t, got["chat.send/ok"], 2.5))
	assert.Equal(t, uint64(0), below(t, got["account.login/unavailable"], 10))
	assert.Equal(t, uint64(1), below(t, got["account.login/unavailable"], 30))
}

func TestObserveHearsDecoratedUseCases(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := prom.NewUseCaseMetrics(reg)
	require.NoError(t, err)
	h := decorator.Decorate[struct{}, struct{}]("media.open",
		decorator.Fail[struct{}, struct{}](domain.E(domain.KindNotFound, "media_not_found", "no such media")), m)

	for range 3 {
		_, _ = h.Handle(context.Background(), struct{}{})
	}

	got := histograms(t, reg)
	require.Contains(t, got, "media.open/not_found")
	assert.Equal(t, uint64(3), got["media.open/not_found"].count)
	n, err := testutil.GatherAndCount(reg, latencyName)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "one series: the use case and its outcome")
}
