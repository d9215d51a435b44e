package prom_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/prom"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/usage"
)

func TestProviderMetricsCountCallsByOutcome(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := prom.NewProviderMetrics(reg)
	require.NoError(t, err)
	call := func(c usage.Call, err error) {
		_, end := m.Begin(context.Background(), c)
		end(150*time.Millisecond, err)
	}
	call(usage.Call{Feature: "llm", Provider: "openai", Operation: "stream"}, nil)
	call(usage.Call{Feature: "llm", Provider: "openai", Operation: "stream"}, domain.E(domain.KindRateLimited, "busy", "busy"))
	call(usage.Call{Feature: "pictures", Provider: "a1111", Operation: "generate"}, nil)
	call(usage.Call{Feature: "pictures", Provider: "a1111", Operation: "generate"}, errors.New("a bug"))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP companionhub_provider_calls_total Provider calls by feature (llm, pictures, speech, transcription, embeddings), provider and outcome (ok or the error kind).
# TYPE companionhub_provider_calls_total counter
companionhub_provider_calls_total{feature="llm",outcome="ok",provider="openai"} 1
companionhub_provider_calls_total{feature="llm",outcome="rate_limited",provider="openai"} 1
companionhub_provider_calls_total{feature="pictures",outcome="internal",provider="a1111"} 1
companionhub_provider_calls_total{feature="pictures",outcome="ok",provider="a1111"} 1
# HELP companionhub_pictures_total Pictures drawn, by image provider.
# TYPE companionhub_pictures_total counter
companionhub_pictures_total{provider="a1111"} 1
`), "companionhub_provider_calls_total", "companionhub_pictures_total"))
	require.Equal(t, 2, testutil.CollectAndCount(reg, "companionhub_provider_duration_seconds"), "one series per feature and provider")
}

func TestBusinessMetricsCountWhatPeopleDo(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	var asked atomic.Int64
	m, err := prom.NewBusinessMetrics(reg, func(context.Context) (int, error) { asked.Add(1); return 7, nil }, nil)
	require.NoError(t, err)
	ctx := context.Background()
	for _, uc := range []string{"companion.create", "companion.import_card", "companion.clone", "companion.get", "chat.history"} {
		m.Observe(ctx, uc, time.Millisecond, nil)
	}
	m.Observe(ctx, "companion.create", time.Millisecond, domain.E(domain.KindInvalid, "x", "x")) // refused: none made
	for _, s := range []string{"person", "person", "companion_first", "voice_note"} {
		m.MessageSent(ctx, s)
	}
	m.TurnEnded(ctx, "completed")
	m.TurnEnded(ctx, "completed")
	m.TurnEnded(ctx, "failed")
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP companionhub_active_users People who used the hub's providers (a reply, a picture, speech…) today, UTC.
# TYPE companionhub_active_users gauge
companionhub_active_users 7
# HELP companionhub_companions_created_total Companions created, by how: new, card, clone (of a published one).
# TYPE companionhub_companions_created_total counter
companionhub_companions_created_total{how="card"} 1
companionhub_companions_created_total{how="clone"} 1
companionhub_companions_created_total{how="new"} 1
# HELP companionhub_messages_total Messages that started a turn, by source: person, voice_note, companion_first (a schedule).
# TYPE companionhub_messages_total counter
companionhub_messages_total{source="companion_first"} 1
companionhub_messages_total{source="person"} 2
companionhub_messages_total{source="voice_note"} 1
# HELP companionhub_turns_total Turns ended, by outcome (completed, failed, cancelled, interrupted), counted where they ended.
# TYPE companionhub_turns_total counter
companionhub_turns_total{outcome="completed"} 2
companionhub_turns_total{outcome="failed"} 1
`)))
	_, err = reg.Gather()
	require.NoError(t, err)
	require.Equal(t, int64(1), asked.Load(), "the store is asked at most every 30 seconds, however often it is scraped")

	failing := prometheus.NewRegistry()
	var told []error
	_, err = prom.NewBusinessMetrics(failing, func(context.Context) (int, error) { return 0, errors.New("database down") },
		func(err error) { told = append(told, err) })
	require.NoError(t, err)
	_, err = failing.Gather()
	require.NoError(t, err, "a scrape while the database is down has every other metric")
	require.Zero(t, testutil.CollectAndCount(failing, "companionhub_active_users"), "no count is no gauge, not a 0")
	require.Len(t, told, 1)
	require.ErrorContains(t, told[0], "database down")
}
