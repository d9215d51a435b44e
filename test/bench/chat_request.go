package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

const (
	// requestHistory is SPEC §4's long chat.
	requestHistory = 100_000
	// requestSamples turns are measured per companion, alternating between the two, after
	// requestWarmup unmeasured ones each.
	requestSamples = 30
	requestWarmup  = 2
	// requestBatch messages are written per transaction while filling the history.
	requestBatch = 5_000
)

// runChatRequest measures SPEC §4's "building the model request for a chat with 100 000 messages":
// the time from the send (POST …/messages) to the moment the model receives the streamed reply
// request, for a companion with 100 000 stored messages, against the same for a companion with
// none (the baseline). Both include everything before the reply — the send, the scene analysis
// (answered at once), the steps' loads — so their difference is what the long history costs.
func runChatRequest(ctx context.Context, _ options) ([]row, error) {
	fake := newFakeLLM(
		[]openaifake.Option{openaifake.WithReply("Clear skies."), openaifake.WithoutRecording()},
		[]openaifake.Option{openaifake.WithJSONReply(analysisReply), openaifake.WithoutRecording()})
	defer fake.close()
	h, err := startHub(ctx, fake, nil)
	if err != nil {
		return nil, err
	}
	defer h.stop()
	empty, err := h.createCompanion(ctx)
	if err != nil {
		return nil, err
	}
	full, err := h.createCompanion(ctx)
	if err != nil {
		return nil, err
	}
	if err := fillHistory(ctx, h, full, requestHistory); err != nil {
		return nil, fmt.Errorf("fill the history: %w", err)
	}

	var short, long []time.Duration
	for i := range requestWarmup + requestSamples {
		for _, c := range []struct {
			id  string
			out *[]time.Duration
		}{{empty, &short}, {full, &long}} {
			fake.drain()
			run, err := h.runTurn(ctx, c.id, "What did you see through the telescope tonight?")
			if err != nil {
				return nil, err
			}
			_, st, err := turnTimings(fake, run.posted)
			if err != nil {
				return nil, err
			}
			if i >= requestWarmup {
				*c.out = append(*c.out, st.arrived.Sub(run.posted))
			}
		}
	}
	s50, l50 := percentile(short, 50), percentile(long, 50)
	return []row{
		{name: fmt.Sprintf("send → reply request at the model, 0 messages, p50 (p99 %.1f ms)", ms(percentile(short, 99))),
			result: once(s50)},
		{name: fmt.Sprintf("send → reply request at the model, %d messages, p50 (%+.1f ms; p99 %.1f ms)",
			requestHistory, ms(l50-s50), ms(percentile(long, 99))),
			result: once(l50), baseline: "0 messages p50", base: once(s50)},
	}, nil
}

// fillHistory writes n messages to the companion's conversation straight into the hub's database,
// through the SQL chat store: alternating questions and selected replies, a second apart, ending
// an hour ago, so that the turns measured afterwards come last.
func fillHistory(ctx context.Context, h *benchHub, companionID string, n int) error {
	cid, err := domain.ParseID(companionID)
	if err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: secret.String(sqlstore.SQLiteURL(h.cfg.DataDir)), MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	store := sqlstore.NewChatStore(db)
	start := time.Now().Add(-time.Hour - time.Duration(n)*time.Second)
	var question domain.ID
	for done := 0; done < n; {
		batch := min(requestBatch, n-done)
		err := store.InTx(ctx, func(r chatuc.Repos) error {
			for i := done; i < done+batch; i++ {
				at := start.Add(time.Duration(i) * time.Second)
				m := chat.Message{ID: domain.NewID(at), CompanionID: cid, Selected: true, CreatedAt: at}
				if i%2 == 0 {
					m.Role, m.Text, question = chat.RoleUser, "Message "+strconv.Itoa(i)+historyQuestion, m.ID
				} else {
					m.Role, m.Text, m.ReplyTo = chat.RoleAssistant, historyReply, question
				}
				if err := r.Messages().Create(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += batch
	}
	return nil
}

// The stored conversation's texts: a question and a reply of ordinary length (≈ 20 and 60 tokens).
const (
	historyQuestion = ": what did you see through the telescope tonight, and was the harbour quiet when you walked home?"
	historyReply    = "Well... the sky was clear for once. Jupiter sat low over the harbour, and I counted four of its moons " +
		"before the clouds came in from the sea. The walk home was quiet; only the ferry's lights were moving. " +
		"You should come up to the roof next time — I will make tea."
)
