package chat

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/summary"
)

// summaryReader answers one summary, or fails.
type summaryReader struct {
	s   summary.Summary
	ok  bool
	err error
}

func (r summaryReader) Get(context.Context, domain.ID, domain.ID) (summary.Summary, bool, error) {
	return r.s, r.ok, r.err
}

func summaryContext(t *testing.T) turnContext {
	t.Helper()
	now := time.Now()
	owner := domain.NewID(now)
	c := companion.New(domain.NewID(now), owner, testProfile(t, nil), now)
	turn, err := chat.NewTurn(domain.NewID(now), owner, c.ID(), domain.NewID(now), chat.Options{}, false, now, time.Minute)
	require.NoError(t, err)
	return turnContext{turn: turn, comp: c, facts: testFacts(t, nil)}
}

// fitted is a history of n messages of ten characters each (runeCounter counts characters), with
// older ones left out.
func fitted(n int) fittedHistory {
	h := fittedHistory{Omitted: true}
	for range n {
		h.Messages = append(h.Messages, llm.Message{Role: llm.User, Content: "0123456789"})
		h.Tokens += 10 + perMessageTokens
	}
	return h
}

func TestTheSummaryJoinsThePromptOnlyWhenItShould(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fresh := summary.Summary{Text: "They met at the café."}
	for name, tc := range map[string]struct {
		reader  SummaryReader
		omitted bool
		want    string
	}{
		"a fresh summary, older messages left out": {summaryReader{s: fresh, ok: true}, true, fresh.Text},
		"the whole conversation fits":              {summaryReader{s: fresh, ok: true}, false, ""},
		"none yet":                                 {summaryReader{}, true, ""},
		"stale":                                    {summaryReader{s: summary.Summary{Text: "Old.", Stale: true}, ok: true}, true, ""},
		"unreadable: the reply goes on without it": {summaryReader{err: errors.New("database down")}, true, ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := prompter{tokens: runeCounter{}, summaries: tc.reader}
			tc2 := summaryContext(t)
			hist := fitted(3)
			hist.Omitted = tc.omitted
			require.NoError(t, p.withSummary(ctx, &tc2, &hist, 1000))
			require.Equal(t, tc.want, tc2.facts.Summary)
		})
	}
}

func TestTheSummaryTakesTheOldestMessagesPlace(t *testing.T) {
	t.Parallel()
	text := "They met at the café and talked about the stars." // 48 characters
	p := prompter{tokens: runeCounter{}, summaries: summaryReader{s: summary.Summary{Text: text}, ok: true}}
	tc := summaryContext(t)
	hist := fitted(25) // 350 of a 400 budget
	require.NoError(t, p.withSummary(context.Background(), &tc, &hist, 400))
	require.Equal(t, text, tc.facts.Summary)
	need := len([]rune(summaryHeading)) + len([]rune(text)) + 2 // 131
	require.LessOrEqual(t, hist.Tokens+need, 400, "history and summary fit the budget")
	require.Len(t, hist.Messages, 19, "the six oldest made room, no more")

	tooLong := prompter{tokens: runeCounter{}, summaries: summaryReader{s: summary.Summary{Text: string(make([]rune, 150))}, ok: true}}
	tc = summaryContext(t)
	hist = fitted(25)
	require.NoError(t, tooLong.withSummary(context.Background(), &tc, &hist, 400))
	require.Empty(t, tc.facts.Summary, "more than half the budget: left out")
	require.Len(t, hist.Messages, 25)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	failing := prompter{tokens: runeCounter{}, summaries: summaryReader{err: context.Canceled}}
	hist = fitted(3)
	require.Error(t, failing.withSummary(cancelled, &tc, &hist, 200), "an ended turn ends")
}
