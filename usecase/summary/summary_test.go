package summary_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/summary"
)

var base = time.Date(2026, 6, 7, 8, 0, 0, 0, time.UTC)

type clock struct{}

func (clock) Now() time.Time { return base.Add(time.Hour) }

// words counts a word a token.
type words struct{}

func (words) Count(s string) int { return len(strings.Fields(s)) }

// store keeps summaries in a map, scoped to the owner as the port says.
type store struct{ byCompanion map[domain.ID]summary.Summary }

func (s *store) Get(_ context.Context, owner, companionID domain.ID) (summary.Summary, bool, error) {
	v, ok := s.byCompanion[companionID]
	if !ok || v.OwnerID != owner {
		return summary.Summary{}, false, nil
	}
	return v, true, nil
}

func (s *store) Save(_ context.Context, v summary.Summary) error {
	s.byCompanion[v.CompanionID] = v
	return nil
}

// conversation is a companion's messages, oldest first.
type conversation struct{ msgs []chat.Message }

func (c *conversation) Recent(_ context.Context, _ domain.ID, before domain.Cursor, limit int) ([]chat.Message, error) {
	var out []chat.Message
	for i := len(c.msgs) - 1; i >= 0 && len(out) < limit; i-- {
		m := c.msgs[i]
		if !before.IsZero() && !m.CreatedAt.Before(before.At) {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// say adds n messages of ten words each, a person's and a reply in turn, numbered from the ones
// there are.
func (c *conversation) say(n int) {
	for range n {
		i := len(c.msgs)
		role := chat.RoleUser
		if i%2 == 1 {
			role = chat.RoleAssistant
		}
		at := base.Add(time.Duration(i) * time.Second)
		c.msgs = append(c.msgs, chat.Message{ID: domain.NewID(at), Role: role, CreatedAt: at,
			Text: fmt.Sprintf("m%03d one two three four five six seven eight nine", i)})
	}
}

// model answers summaries and keeps what it was asked.
type model struct {
	asked  []llm.Request
	answer func(req llm.Request) (string, error)
}

func (m *model) Stream(context.Context, llm.Request, func(string) error) (llm.Usage, error) {
	return llm.Usage{}, errors.New("not streamed")
}

func (m *model) Complete(_ context.Context, req llm.Request) (string, llm.Usage, error) {
	m.asked = append(m.asked, req)
	if m.answer != nil {
		s, err := m.answer(req)
		return s, llm.Usage{}, err
	}
	return fmt.Sprintf("Summary %d.", len(m.asked)), llm.Usage{}, nil
}

type fixture struct {
	app   *summary.App
	store *store
	conv  *conversation
	model *model
	owner domain.ID
	comp  domain.ID
}

// newFixture has a history window of 100 tokens: the horizon is 75, seven or eight messages.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: &store{byCompanion: map[domain.ID]summary.Summary{}}, conv: &conversation{}, model: &model{},
		owner: domain.NewID(base), comp: domain.NewID(base.Add(time.Millisecond))}
	app, err := summary.NewApp(summary.Deps{Store: f.store, Conversation: f.conv, Tokens: words{}, Model: f.model,
		Clock: clock{}, HistoryTokens: 100})
	require.NoError(t, err)
	f.app = app
	return f
}

func (f *fixture) summarize(t *testing.T) bool {
	t.Helper()
	made, err := f.app.Summarize.Handle(context.Background(), summary.Summarize{OwnerID: f.owner, CompanionID: f.comp,
		Char: "Mira", Person: "Alex"})
	require.NoError(t, err)
	return made
}

// told lists the message numbers the last request asked to fold in, oldest first.
func (f *fixture) told(t *testing.T) []string {
	t.Helper()
	require.NotEmpty(t, f.model.asked)
	last := f.model.asked[len(f.model.asked)-1].Messages[1].Content
	var out []string
	for _, line := range strings.Split(last, "\n") {
		if _, rest, ok := strings.Cut(line, ": m"); ok {
			out = append(out, "m"+rest[:3])
		}
	}
	return out
}

func TestNothingWhileTheConversationFits(t *testing.T) {
	f := newFixture(t)
	f.conv.say(12) // 14 tokens each: 5 in the horizon, 7 past it — fewer than a chunk
	require.False(t, f.summarize(t))
	require.Empty(t, f.model.asked)
	_, err := f.app.Get.Handle(context.Background(), summary.Get{OwnerID: f.owner, CompanionID: f.comp})
	require.ErrorIs(t, err, summary.ErrNone)
}

func TestSummarisesWhatLeftTheHorizonThenOnlyWhatFollows(t *testing.T) {
	f := newFixture(t)
	f.conv.say(14) // m000–m013: the newest six are within 75 tokens, m000–m007 past it
	require.True(t, f.summarize(t))
	require.Equal(t, []string{"m000", "m001", "m002", "m003", "m004", "m005", "m006", "m007"}, f.told(t))
	sys := f.model.asked[0].Messages[0].Content
	require.Contains(t, sys, "Mira")
	require.Contains(t, sys, "Alex")
	require.NotContains(t, f.model.asked[0].Messages[1].Content, "SUMMARY SO FAR", "the first has none to build on")
	got, err := f.app.Get.Handle(context.Background(), summary.Get{OwnerID: f.owner, CompanionID: f.comp})
	require.NoError(t, err)
	require.Equal(t, "Summary 1.", got.Text)
	require.Equal(t, f.conv.msgs[7].ID, got.Through.ID)
	require.Equal(t, 8, got.Messages)
	require.Equal(t, clock{}.Now(), got.UpdatedAt)

	f.conv.say(4)
	require.False(t, f.summarize(t), "four more past the horizon are not enough for another")
	f.conv.say(4)
	require.True(t, f.summarize(t))
	require.Equal(t, []string{"m008", "m009", "m010", "m011", "m012", "m013", "m014", "m015"}, f.told(t),
		"only what followed the last summary")
	require.Contains(t, f.model.asked[1].Messages[1].Content, "SUMMARY SO FAR\nSummary 1.", "built on the last one")
	got, err = f.app.Get.Handle(context.Background(), summary.Get{OwnerID: f.owner, CompanionID: f.comp})
	require.NoError(t, err)
	require.Equal(t, 16, got.Messages)
	require.Equal(t, f.conv.msgs[15].ID, got.Through.ID)
}

func TestALongConversationStartsFromItsNewestChunk(t *testing.T) {
	f := newFixture(t)
	f.conv.say(600) // far more past the horizon than one chunk holds
	require.True(t, f.summarize(t))
	told := f.told(t)
	require.LessOrEqual(t, len(told)*14, 3000, "one chunk's tokens at most")
	require.Equal(t, "m593", told[len(told)-1], "up to the horizon: the newest six are within it")
	require.True(t, slices.IsSorted(told), "oldest first")
}

func TestAStaleSummaryStartsOver(t *testing.T) {
	f := newFixture(t)
	f.conv.say(14)
	require.True(t, f.summarize(t))
	s := f.store.byCompanion[f.comp]
	s.Stale = true
	f.store.byCompanion[f.comp] = s
	require.True(t, f.summarize(t), "stale: made again though nothing new left the window")
	require.Equal(t, []string{"m000", "m001", "m002", "m003", "m004", "m005", "m006", "m007"}, f.told(t))
	require.NotContains(t, f.model.asked[1].Messages[1].Content, "SUMMARY SO FAR", "the stale one is not built on")
	require.False(t, f.store.byCompanion[f.comp].Stale)
	require.Equal(t, 8, f.store.byCompanion[f.comp].Messages)
}

func TestTheModelsAnswerIsCleanedAndBounded(t *testing.T) {
	for name, tc := range map[string]struct {
		answer, want string
	}{
		"heading and quotes": {answer: "  Summary: \"Mira and Alex met.\"\n", want: "Mira and Alex met."},
		"too long":           {answer: strings.Repeat("They talked. ", 400), want: strings.TrimSpace(strings.Repeat("They talked. ", 153))},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.model.answer = func(llm.Request) (string, error) { return tc.answer, nil }
			f.conv.say(14)
			require.True(t, f.summarize(t))
			got := f.store.byCompanion[f.comp].Text
			require.Equal(t, tc.want, got)
			require.LessOrEqual(t, len([]rune(got)), summary.MaxChars)
		})
	}
}

func TestAnEmptyAnswerOrAFailureKeepsTheLastSummary(t *testing.T) {
	f := newFixture(t)
	f.conv.say(14)
	require.True(t, f.summarize(t))
	f.conv.say(8)
	f.model.answer = func(llm.Request) (string, error) { return "  \n", nil }
	require.False(t, f.summarize(t))
	refused := domain.E(domain.KindUnavailable, "llm_down", "down")
	f.model.answer = func(llm.Request) (string, error) { return "", refused }
	_, err := f.app.Summarize.Handle(context.Background(), summary.Summarize{OwnerID: f.owner, CompanionID: f.comp})
	require.ErrorIs(t, err, refused)
	require.Equal(t, "Summary 1.", f.store.byCompanion[f.comp].Text)
}

func TestAnotherOwnersCompanionHasNone(t *testing.T) {
	f := newFixture(t)
	f.conv.say(14)
	require.True(t, f.summarize(t))
	_, err := f.app.Get.Handle(context.Background(), summary.Get{OwnerID: domain.NewID(base.Add(time.Hour)), CompanionID: f.comp})
	require.Equal(t, domain.KindNotFound, domain.KindOf(err))
}
