package temporalwf

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

func TestMetricsReachPrometheus(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := NewMetrics(reg).Handler().WithTags(map[string]string{"namespace": "default"})
	q := h.WithTags(map[string]string{"task_queue": "chat-turns", "activity-type": "chat.reply"})

	q.Counter("temporal_request").Inc(2)
	q.Counter("temporal_request").Inc(1)
	q.Counter("temporal_request").Inc(-5) // counters never go down
	q.Gauge("temporal_worker_task_slots_available").Update(7)
	q.Timer("temporal_activity_execution_latency").Record(1500 * time.Millisecond)
	// Another use with other tags: missing labels are empty, unknown ones dropped.
	h.WithTags(map[string]string{"other": "x"}).Counter("temporal_request").Inc(4)
	// A name that is not valid for Prometheus is cleaned.
	h.Counter("temporal.odd-name").Inc(1)

	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP temporal_request Temporal SDK metric temporal_request.
# TYPE temporal_request counter
temporal_request{activity_type="",namespace="default",task_queue=""} 4
temporal_request{activity_type="chat.reply",namespace="default",task_queue="chat-turns"} 3
# HELP temporal_worker_task_slots_available Temporal SDK metric temporal_worker_task_slots_available.
# TYPE temporal_worker_task_slots_available gauge
temporal_worker_task_slots_available{activity_type="chat.reply",namespace="default",task_queue="chat-turns"} 7
# HELP temporal_odd_name Temporal SDK metric temporal_odd_name.
# TYPE temporal_odd_name counter
temporal_odd_name{namespace="default"} 1
`), "temporal_request", "temporal_worker_task_slots_available", "temporal_odd_name"))
	n, err := testutil.GatherAndCount(reg, "temporal_activity_execution_latency_seconds")
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestMetricsNamesTakenElsewhereAreDropped(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "temporal_request", Help: "taken"}))
	h := NewMetrics(reg).Handler()
	require.NotPanics(t, func() { h.Counter("temporal_request").Inc(1) })
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP temporal_request taken
# TYPE temporal_request gauge
temporal_request 0
`), "temporal_request"), "the name's owner is untouched, and the registry still gathers")
}
