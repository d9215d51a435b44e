package prom_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/prom"
)

// hashQueue is a password hasher's queue as the test sets it.
type hashQueue struct {
	running, waiting atomic.Int64
	reads            atomic.Int64
}

func (q *hashQueue) stats() (running, waiting int) {
	q.reads.Add(1)
	return int(q.running.Load()), int(q.waiting.Load())
}

func hashQueueText(running, waiting string) string {
	return `
# HELP companionhub_password_hash_running Password hashes being computed.
# TYPE companionhub_password_hash_running gauge
companionhub_password_hash_running ` + running + `
# HELP companionhub_password_hash_waiting Password hashes waiting for a hashing slot.
# TYPE companionhub_password_hash_waiting gauge
companionhub_password_hash_waiting ` + waiting + `
`
}

func TestRegisterHashQueueReadsTheQueueWhenScraped(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	q := &hashQueue{}
	q.running.Store(2)
	q.waiting.Store(5)

	require.NoError(t, prom.RegisterHashQueue(reg, q.stats))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(hashQueueText("2", "5")),
		"companionhub_password_hash_running", "companionhub_password_hash_waiting"))

	// A login flood: the gauges follow the queue, not what it was at registration.
	q.running.Store(4)
	q.waiting.Store(37)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(hashQueueText("4", "37")),
		"companionhub_password_hash_running", "companionhub_password_hash_waiting"))

	q.running.Store(0)
	q.waiting.Store(0)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(hashQueueText("0", "0")),
		"companionhub_password_hash_running", "companionhub_password_hash_waiting"))
}

func TestRegisterHashQueueReadsNothingUntilScraped(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	q := &hashQueue{}

	require.NoError(t, prom.RegisterHashQueue(reg, q.stats))
	// The stats lock the hasher's queue: reading them costs nothing while nobody scrapes.
	assert.Zero(t, q.reads.Load())

	_, err := reg.Gather()
	require.NoError(t, err)
	assert.Positive(t, q.reads.Load())
}

func TestRegisterHashQueueTwiceFails(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	q := &hashQueue{}
	require.NoError(t, prom.RegisterHashQueue(reg, q.stats))

	err := prom.RegisterHashQueue(reg, q.stats)

	var dup prometheus.AlreadyRegisteredError
	require.ErrorAs(t, err, &dup)
	// The first registration still answers, once.
	q.waiting.Store(3)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(hashQueueText("0", "3")),
		"companionhub_password_hash_running", "companionhub_password_hash_waiting"))
}

func TestRegisterHashQueueBesideTheOtherMetrics(t *testing.T) {
	t.Parallel()
	// The hub registers everything into one registry: none of the names may collide.
	reg := prom.NewRegistry()
	_, err := prom.NewUseCaseMetrics(reg)
	require.NoError(t, err)

	require.NoError(t, prom.RegisterHashQueue(reg, (&hashQueue{}).stats))

	n, err := testutil.GatherAndCount(reg, "companionhub_password_hash_running", "companionhub_password_hash_waiting")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}
