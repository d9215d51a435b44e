package faults_test

import (
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestProviderFaults injects every fault of the tables into the provider it belongs to, each in a
// hub of its own, and counts the faulty answers the fakes served.
func TestProviderFaults(t *testing.T) {
	served := &tally{by: map[string]int{}}
	t.Run("providers", func(t *testing.T) {
		t.Run("llm", func(t *testing.T) { t.Parallel(); llmFaults(t, served) })
		t.Run("images", func(t *testing.T) { t.Parallel(); sideFaults(t, served, pictureSide()) })
		t.Run("speech", func(t *testing.T) { t.Parallel(); sideFaults(t, served, voiceSide()) })
		t.Run("embeddings", func(t *testing.T) { t.Parallel(); embeddingFaults(t, served) })
	})
	total, providers, cases := served.summary()
	t.Logf("faults injected: %d across %d providers (%s) in %d cases", total, len(providers), strings.Join(providers, ", "), cases)
}

// tally counts the faulty answers the fakes served, by provider, and the cases that served them.
type tally struct {
	mu    sync.Mutex
	by    map[string]int
	cases int
}

func (c *tally) add(t *testing.T, provider string, faults int) {
	t.Helper()
	require.Positive(t, faults, "the case injected its fault")
	c.mu.Lock()
	defer c.mu.Unlock()
	c.by[provider] += faults
	c.cases++
}

func (c *tally) summary() (total int, providers []string, cases int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, n := range c.by {
		total += n
		providers = append(providers, p)
	}
	sort.Strings(providers)
	return total, providers, c.cases
}
