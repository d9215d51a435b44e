package summary

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/llm"
)

// Summarize brings a companion's summary up to date after a reply: when enough of the
// conversation has moved past the horizon (three quarters of the reply's history window) since the
// summary was made, the model folds it into the summary. Char and Person are the names the
// summary tells of.
type Summarize struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Char        string
	Person      string
}

// How much is summarised at a time: a summary is remade once minChunk messages have passed the
// horizon (a model call every few exchanges, not every reply), from at most maxChunk messages or
// chunkTokens tokens of them — the newest; in a conversation that grew long before it had a
// summary, what lies further back is left to the memories.
const (
	minChunk    = 8
	maxChunk    = 60
	chunkTokens = 3000
	pageSize    = 64
	maxPages    = 64 // bounds the walk back over a conversation the horizon does not end in
	// MaxChars bounds a summary's text (about 400 tokens): one that runs on is cut at a sentence.
	MaxChars = 2000
	// perMessageTokens is the framing a chat message costs besides its text (as the reply counts).
	perMessageTokens = 4
)

type summarizeHandler struct{ d Deps }

// Handle reports whether it made a new summary. A model that fails fails it (the caller, a side
// step, loses nothing by it: the next reply tries again); an answer with no text changes nothing.
func (h summarizeHandler) Handle(ctx context.Context, in Summarize) (bool, error) {
	prev, ok, err := h.d.Store.Get(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return false, err
	}
	if ok && prev.Stale {
		prev = Summary{} // it tells of messages that changed: start over
	}
	chunk, err := h.pastHorizon(ctx, in.CompanionID, prev.Through)
	if err != nil || len(chunk) < minChunk {
		return false, err
	}
	temp := 0.3
	raw, _, err := h.d.Model.Complete(ctx, llm.Request{
		Messages: []llm.Message{
			{Role: llm.System, Content: systemPrompt(in)},
			{Role: llm.User, Content: userPrompt(in, prev.Text, chunk)},
		},
		MaxTokens: 500, Temperature: &temp,
	})
	if err != nil {
		return false, err
	}
	text := clean(raw)
	if text == "" {
		return false, nil
	}
	newest := chunk[0]
	return true, h.d.Store.Save(ctx, Summary{OwnerID: in.OwnerID, CompanionID: in.CompanionID, Text: text,
		Through: domain.Cursor{At: newest.CreatedAt, ID: newest.ID}, Messages: prev.Messages + len(chunk),
		UpdatedAt: h.d.Clock.Now()})
}

// pastHorizon returns the messages beyond the horizon that the summary does not tell of yet,
// newest first: it walks the conversation back from its newest message, passes the horizon's
// tokens, then gathers until it meets the summary's last message or the chunk is full.
func (h summarizeHandler) pastHorizon(ctx context.Context, companionID domain.ID, through domain.Cursor) ([]chat.Message, error) {
	horizon := h.d.HistoryTokens * 3 / 4
	var chunk []chat.Message
	seen, gathered := 0, 0
	before := domain.Cursor{}
	for range maxPages {
		page, err := h.d.Conversation.Recent(ctx, companionID, before, pageSize)
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			if !through.IsZero() && !after(m, through) {
				return chunk, nil
			}
			n := h.d.Tokens.Count(m.Text) + perMessageTokens
			if seen < horizon {
				seen += n
				continue
			}
			if len(chunk) == maxChunk || gathered+n > chunkTokens {
				return chunk, nil
			}
			chunk = append(chunk, m)
			gathered += n
		}
		if len(page) < pageSize {
			break
		}
		last := page[len(page)-1]
		before = domain.Cursor{At: last.CreatedAt, ID: last.ID}
	}
	return chunk, nil
}

// after reports whether m comes after the cursor in the conversation's order (created_at, id).
func after(m chat.Message, c domain.Cursor) bool {
	if !m.CreatedAt.Equal(c.At) {
		return m.CreatedAt.After(c.At)
	}
	return m.ID.String() > c.ID.String()
}

func systemPrompt(in Summarize) string {
	return fmt.Sprintf(`You keep the running summary of a long roleplay conversation between %[1]s (the character) and %[2]s (the person).
Fold the new messages into the summary so far. Keep what a good partner would remember: names, places, facts about %[2]s, plans and promises, how the relationship changed, open threads, and where the story stands now. Drop small talk.
Write in the third person and the past tense, in plain prose, at most 200 words. Write only the summary: no title, no list, no commentary.`,
		in.Char, in.Person)
}

func userPrompt(in Summarize, prev string, chunk []chat.Message) string {
	var b strings.Builder
	if prev != "" {
		fmt.Fprintf(&b, "SUMMARY SO FAR\n%s\n\n", prev)
	}
	b.WriteString("NEW MESSAGES (oldest first)\n")
	for i := len(chunk) - 1; i >= 0; i-- {
		m := chunk[i]
		who := in.Person
		switch m.Role {
		case chat.RoleAssistant:
			who = in.Char
		case chat.RoleSystemEvent:
			who = "Event"
		}
		fmt.Fprintf(&b, "%s: %s\n", who, m.Text)
	}
	b.WriteString("\nWrite the updated summary.")
	return b.String()
}

// clean is the model's summary without the wrapping models add (a heading, quotes, blank lines),
// held to MaxChars, cut after the last whole sentence that fits.
func clean(raw string) string {
	s := strings.TrimSpace(raw)
	for _, prefix := range []string{"updated summary:", "summary:"} {
		if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			s = strings.TrimSpace(s[len(prefix):])
		}
	}
	s = strings.TrimSpace(strings.Trim(s, `"`))
	if utf8.RuneCountInString(s) <= MaxChars {
		return s
	}
	cut := string([]rune(s)[:MaxChars])
	if i := strings.LastIndexAny(cut, ".!?"); i > MaxChars/2 {
		return cut[:i+1]
	}
	return strings.TrimSpace(cut) + "…"
}
