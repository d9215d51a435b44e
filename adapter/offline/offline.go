// Package offline is a companion model that needs no network and no GPU: the embedded profile's
// default (when COMPANIONHUB_LLM_BASE_URL is unset) and a deterministic model for tests. It
// implements llm.Model and passes the same conformance suite as the OpenAI adapter.
//
// Every answer says that it comes from the offline model, so nobody mistakes it for a real one.
// Answers depend only on the request (variation comes from a hash of it, never from the clock or
// randomness): the same request always gets the same answer, in the same pieces.
//
// # Replies
//
// A normal request gets a short in-character reply such as
//
//	(offline model) Hi! I'm Mia. You said: “How was your day?” I can't really think while
//	offline, but I'm listening.
//
// The name comes from the first system message containing "You are NAME" (case-insensitive;
// "You are a barista named NAME" works too; NAME is the capitalised words that follow, up to
// three); without one the model calls itself "your companion". The quote is the last user message,
// shortened. MaxTokens bounds the reply in words; it ends before the first of Stop found. Stream
// hands the reply over word by word (each piece is a word with the whitespace before it) at
// Config.TokensPerSecond; Complete returns it at once.
//
// # JSON mode
//
// With Request.JSON the reply is one JSON object with the scene analyser's keys. If the messages
// contain a state block — consecutive "key: value" lines, keys case-insensitive, each line
// optionally starting with "- " or "* ", with at least two of these keys —
//
//	outfit: red sundress, sandals
//	location: beach boardwalk
//	action: leaning on the railing      (action_summary is accepted too)
//	mood: happy
//	user present: yes                   (optional; user_present and is_user_present too)
//
// the model echoes it back unchanged (a person not said to be present is not) (the last such block in the request wins, so put the current
// state after any instruction list that uses the same keys):
//
//	{"reasoning":"offline model: no change","outfit":"red sundress, sandals",
//	 "location":"beach boardwalk","action_summary":"leaning on the railing","is_user_present":false,
//	 "visual_tags":"","expression":"neutral","lighting":"soft lighting","mood":"happy"}
//
// Without a block it answers {"reasoning":"offline model"} with the same keys empty (and
// is_user_present false). Values are not validated: a consumer validates them as it would a real
// model's. Consumers that expect other keys (memory extraction, picture prompts) get none of theirs
// and must fall back as they do for any unusable model answer.
package offline

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase/llm"
)

var _ llm.Model = (*Model)(nil)

// Config paces the offline model.
type Config struct {
	// TokensPerSecond paces streamed words like a real model's tokens, so the UI's streaming and
	// the pipeline's timeouts see realistic traffic; 0 streams as fast as possible (tests).
	TokensPerSecond float64 `env:"OFFLINE_TOKENS_PER_SECOND" help:"words per second the offline model streams (0: no pacing)"`
}

// DefaultConfig streams 40 words a second, about what a hosted model does.
func DefaultConfig() Config { return Config{TokensPerSecond: 40} }

// Validate checks that TokensPerSecond is a finite, non-negative number.
func (c Config) Validate() error {
	if math.IsNaN(c.TokensPerSecond) || math.IsInf(c.TokensPerSecond, 0) || c.TokensPerSecond < 0 {
		return envflag.Field("TokensPerSecond", "must be a non-negative number (0: no pacing)")
	}
	return nil
}

// Model is the offline llm.Model. It is safe for concurrent use.
type Model struct {
	interval time.Duration // between streamed pieces; 0: none
}

// New returns the offline model. It panics if c is invalid: configuration is validated once at
// start-up, so an invalid one here is a programming error.
func New(c Config) *Model {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	m := &Model{}
	if c.TokensPerSecond > 0 {
		m.interval = time.Duration(float64(time.Second) / c.TokensPerSecond)
	}
	return m
}

var (
	errCancelled = domain.E(domain.KindUnavailable, "llm_cancelled", "the model call was cancelled")
	errTimedOut  = domain.E(domain.KindUnavailable, "llm_timeout", "the model did not answer in time")
)

// ctxError is the error of a call stopped by its context.
func ctxError(ctx context.Context) error { return domain.ContextError(ctx, errCancelled, errTimedOut) }

// Stream hands the reply over piece by piece at the configured pace. A cancelled context stops it
// before the next piece with a KindUnavailable error wrapping ctx.Err().
func (m *Model) Stream(ctx context.Context, req llm.Request, onText func(string) error) (llm.Usage, error) {
	if ctx.Err() != nil {
		return llm.Usage{}, ctxError(ctx)
	}
	pieces := split(answer(req))
	usage := llm.Usage{PromptTokens: promptTokens(req)}
	var tick <-chan time.Time
	if m.interval > 0 {
		t := time.NewTicker(m.interval)
		defer t.Stop()
		tick = t.C
	}
	for i, p := range pieces {
		if i > 0 && tick != nil {
			select {
			case <-ctx.Done():
				return usage, ctxError(ctx)
			case <-tick:
			}
		}
		if ctx.Err() != nil {
			return usage, ctxError(ctx)
		}
		if err := onText(p); err != nil {
			return usage, err
		}
		usage.CompletionTokens++
	}
	return usage, nil
}

// Complete returns the reply at once.
func (m *Model) Complete(ctx context.Context, req llm.Request) (string, llm.Usage, error) {
	if ctx.Err() != nil {
		return "", llm.Usage{}, ctxError(ctx)
	}
	text := answer(req)
	return text, llm.Usage{PromptTokens: promptTokens(req), CompletionTokens: len(split(text))}, nil
}

// split cuts text into words, each with the whitespace before it, so the pieces are never empty
// and join back to text.
func split(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexFunc(text, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			out = append(out, text)
			break
		}
		j := strings.IndexFunc(text[i:], unicode.IsSpace)
		if j < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+j])
		text = text[i+j:]
	}
	return out
}

// promptTokens counts the request's words, the offline model's notion of a token.
func promptTokens(req llm.Request) int {
	n := 0
	for _, msg := range req.Messages {
		n += len(strings.Fields(msg.Content))
	}
	return n
}
