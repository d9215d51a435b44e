package chat

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/llm"
)

// ErrEmptyReply is a reply that said nothing once stage directions were removed.
var ErrEmptyReply = domain.E(domain.KindUnavailable, "empty_reply", "the model returned an empty reply")

type replyStep struct {
	turns
	prompts    prompter
	model      llm.Model
	batchDelay time.Duration
	batchBytes int
}

// run streams the reply (SPEC §3.3 step 3): filtered of stage directions and scene blocks,
// published in small batches, and returned whole. A retried reply starts its events with reset,
// so followers drop the partial text of the failed attempt.
func (s replyStep) run(ctx context.Context, in ReplyInput) (ReplyOutput, error) {
	attempt := AttemptFrom(ctx)
	tc, err := s.load(ctx, in.TurnID)
	if err != nil {
		return ReplyOutput{}, err
	}
	ctx = forTurn(ctx, tc.turn)
	if err := s.advance(ctx, in.TurnID, chat.StatusResponding, 35); err != nil {
		return ReplyOutput{}, err
	}
	tc.facts.Memories, tc.facts.Plan = in.Memories, in.Plan
	req, err := s.prompts.request(ctx, tc)
	if err != nil {
		return ReplyOutput{}, err
	}
	if attempt > 1 {
		if err := s.publish(ctx, in.TurnID, attempt, chat.Reset{Attempt: attempt}); err != nil {
			return ReplyOutput{}, err
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b := &batcher{publish: s.publish, ctx: ctx, turnID: in.TurnID, attempt: attempt, fail: cancel,
		delay: s.batchDelay, bytes: s.batchBytes}
	defer b.stop()
	var text strings.Builder
	var filter Filter
	guard := guardFor(tc.facts) // in a room: the reply ends where it would speak for someone else
	stopped := false
	_, err = s.model.Stream(ctx, req, func(piece string) error {
		out := filter.Write(piece)
		if guard != nil {
			out, stopped = guard.Write(out)
		}
		text.WriteString(out)
		if text.Len() > chat.MaxReplyText*4 { // runaway output: stop reading, keep what we have
			return errReplyFull
		}
		if err := b.add(out); err != nil || !stopped {
			return err
		}
		return errReplyFull
	})
	if err != nil && !errors.Is(err, errReplyFull) {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return ReplyOutput{}, cause // publishing failed: say why, not "context cancelled"
		}
		return ReplyOutput{}, err
	}
	rest := filter.Flush()
	if guard != nil {
		if stopped {
			rest = ""
		} else {
			rest, _ = guard.Write(rest)
			rest += guard.Flush()
		}
	}
	text.WriteString(rest)
	if err := b.add(rest); err != nil {
		return ReplyOutput{}, err
	}
	if err := b.flush(); err != nil {
		return ReplyOutput{}, err
	}
	reply := domain.Truncate(strings.TrimSpace(text.String()), chat.MaxReplyText)
	if reply == "" {
		return ReplyOutput{}, ErrEmptyReply
	}
	// The reply goes on as the turn's draft, by the turn's id, not as this step's output.
	if err := s.store.Turns().SaveDraft(ctx, in.TurnID, attempt, reply); err != nil {
		return ReplyOutput{}, err
	}
	return ReplyOutput{Chars: utf8.RuneCountInString(reply)}, nil
}

// errReplyFull stops reading a reply that is long enough, or that began to speak for someone else.
var errReplyFull = errors.New("reply ended")
