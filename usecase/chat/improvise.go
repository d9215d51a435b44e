package chat

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/memory"
)

// Improvise is a one-off reply to a conversation the caller brings — an OpenAI client that keeps
// its own history — in the companion's persona, present scene and relationship, with the memories
// the last message calls up. Nothing is stored: the companion's conversation, scene and
// relationship stay as they were and nothing is learnt. It runs where it is called (no turn, no
// runner) and counts against the person's chat limit like a message sent.
type Improvise struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	// Conversation is the caller's, oldest first, ending with the person's message.
	Conversation []Line
	Sampling     chat.Sampling
	// OnText receives the reply as it is written (nil: nobody); an error stops it.
	OnText func(string) error
}

// Line is one message of a conversation the caller brings.
type Line struct {
	// FromCompanion: the companion said it; otherwise the person did.
	FromCompanion bool
	Text          string
}

// Improvised is the reply.
type Improvised struct {
	Text  string
	Usage llm.Usage
}

type improviseHandler struct{ d Deps }

func (h improviseHandler) Handle(ctx context.Context, in Improvise) (Improvised, error) {
	last := len(in.Conversation) - 1
	switch {
	case last < 0 || in.Conversation[last].FromCompanion:
		return Improvised{}, domain.Invalid(domain.Violation("messages", "last_not_user",
			"the conversation must end with the person's message"))
	case strings.TrimSpace(in.Conversation[last].Text) == "":
		return Improvised{}, domain.Invalid(domain.Violation("messages", "empty", "the person's message has no text"))
	case utf8.RuneCountInString(in.Conversation[last].Text) > chat.MaxUserText:
		return Improvised{}, domain.Invalid(domain.Violation("messages", "too_long", "the person's message is too long"))
	}
	if err := in.Sampling.Validate(); err != nil {
		return Improvised{}, err
	}
	c, err := h.d.Store.Companions().Get(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return Improvised{}, err
	}
	if c.Deleted() {
		return Improvised{}, ErrCompanionTrashed
	}
	if err := checkLimits(ctx, h.d, in.OwnerID, chat.Options{}, true); err != nil {
		return Improvised{}, err
	}
	ctx = correlation.WithSubject(ctx, correlation.Subject{UserID: in.OwnerID.String(), CompanionID: in.CompanionID.String()})
	person, err := h.d.Store.People().DisplayName(ctx, in.OwnerID)
	if err != nil {
		return Improvised{}, err
	}
	s := h.d.Steps
	facts := sceneFacts{Profile: c.Profile(), Relationship: c.Relationship(), Person: person, Scene: c.Scene(),
		m: newMacros(c.Profile().Name(), person, seed(c.ID().String()), seed(in.Conversation[last].Text))}
	if c.Settings().Memory {
		facts.Memories = s.recallFor(ctx, in.OwnerID, in.CompanionID, in.Conversation[last].Text)
	}
	req := s.reply.prompts.improvised(c.Profile().Spec().Persona, facts, in.Conversation, in.Sampling.Bounded())
	var text strings.Builder
	var filter Filter
	usage, err := s.reply.model.Stream(ctx, req, func(piece string) error {
		out := filter.Write(piece)
		text.WriteString(out)
		if text.Len() > chat.MaxReplyText*4 {
			return errReplyFull
		}
		if out == "" || in.OnText == nil {
			return nil
		}
		return in.OnText(out)
	})
	if err != nil && !errors.Is(err, errReplyFull) {
		return Improvised{}, err
	}
	if rest := filter.Flush(); rest != "" {
		text.WriteString(rest)
		if in.OnText != nil {
			if err := in.OnText(rest); err != nil {
				return Improvised{}, err
			}
		}
	}
	reply := strings.TrimSpace(text.String())
	if reply == "" {
		return Improvised{}, ErrEmptyReply
	}
	return Improvised{Text: reply, Usage: usage}, nil
}

// recallFor is what the companion remembers that the text calls up, within the recall budget; a
// recall that fails or takes too long gives nothing (a reply without memories beats none).
func (s *Steps) recallFor(ctx context.Context, owner, companionID domain.ID, text string) []string {
	rctx, cancel := context.WithTimeout(ctx, s.recall.budget)
	defer cancel()
	mems, err := s.recall.recall.Handle(rctx, memory.Recall{OwnerID: owner, CompanionID: companionID, Query: text, Limit: recallLimit})
	if err != nil {
		return nil
	}
	return mems
}

// improvised is the model request of a one-off reply: the reply's system prompt over the
// companion's present scene, then the caller's conversation — as much of its end as the history
// budget holds.
func (p prompter) improvised(ps companion.Persona, f sceneFacts, lines []Line, sampling chat.Sampling) llm.Request {
	params := replyParams(ps.SpeechStyle, ps.IntimacyPace, ps.ConfidenceLevel, ps.Archetype, false)
	params = params.with(sampling)
	sys := systemPrompt(f, "")
	budget := min(p.limits.ContextTokens-params.MaxTokens-p.tokens.Count(sys)-perMessageTokens, p.limits.HistoryTokens)
	var hist []llm.Message
	for i := len(lines) - 1; i >= 0; i-- {
		n := p.tokens.Count(lines[i].Text) + perMessageTokens
		if i < len(lines)-1 && n > budget { // the person's last message always goes in
			break
		}
		budget -= n
		role := llm.User
		if lines[i].FromCompanion {
			role = llm.Assistant
		}
		hist = append(hist, llm.Message{Role: role, Content: lines[i].Text})
	}
	msgs := []llm.Message{{Role: llm.System, Content: sys}}
	for i := len(hist) - 1; i >= 0; i-- {
		msgs = append(msgs, hist[i])
	}
	temp := params.Temperature
	return llm.Request{Messages: mergeRoles(msgs), MaxTokens: params.MaxTokens, Temperature: &temp, TopP: sampling.TopP,
		Stop: sampling.Stop}
}
