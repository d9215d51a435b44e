package openai

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/companionhub/companionhub/usecase/llm"
)

// Stream sends the request with "stream": true and stream_options.include_usage, and hands each
// piece of content to onText as it arrives. Usage is what the provider's final usage chunk says
// (zero when it sends none).
//
// The reply is complete once a chunk carries a finish_reason; a stream that ends or breaks before
// that returns llm.ErrStreamCut. A break after it (a lost usage chunk or [DONE]) is not an error:
// the text is whole. finish_reason "content_filter" and refusal deltas are KindInvalid.
//
// The SDK sends the request and maps error statuses, but the body is read here (events, chunk):
// its stream decoder costs several times more per chunk, which matters at a thousand streams.
func (c *Client) Stream(ctx context.Context, req llm.Request, onText func(string) error) (llm.Usage, error) {
	p, err := c.params(req)
	if err != nil {
		return llm.Usage{}, err
	}
	p.StreamOptions = oai.ChatCompletionStreamOptionsParam{IncludeUsage: oai.Bool(true)}
	callCtx, started, cancel := c.deadlines(ctx, true)
	defer cancel()

	// What the SDK's NewStreaming does, but a successful response is handed over unread. On
	// failure the SDK has closed the body (an error status's is kept in memory for fail).
	var resp *http.Response
	_, err = c.svc.New(callCtx, p, option.WithResponseBodyInto(&resp), option.WithJSONSet("stream", true),
		boundAnswers(true))
	if err != nil {
		return llm.Usage{}, c.fail(ctx, callCtx, resp, err, true)
	}
	defer func() { _ = resp.Body.Close() }()

	var (
		usage     llm.Usage
		text      runeBuffer
		finish    string
		received  bool
		ch        chunk
		streamErr error
	)
	emit := func(s string) error {
		if s == "" {
			return nil
		}
		// A cancelled call delivers nothing more, even what was already read.
		if callCtx.Err() != nil {
			return c.fail(ctx, callCtx, resp, callCtx.Err(), true)
		}
		return onText(s)
	}
	sse := newEvents(resp.Body)
	for {
		data, err := sse.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				streamErr = err
			}
			break
		}
		if len(bytes.TrimSpace(data)) == 0 {
			continue // an empty event says nothing; some proxies send them to keep the line open
		}
		if bytes.HasPrefix(data, []byte("[DONE]")) {
			break
		}
		if err := decodeChunk(data, &ch); err != nil {
			streamErr = err
			break
		}
		if !received {
			received = true
			started()
		}
		if ch.Usage.ok {
			usage = llm.Usage{PromptTokens: int(ch.Usage.PromptTokens), CompletionTokens: int(ch.Usage.CompletionTokens)}
		}
		for i := range ch.Choices {
			choice := &ch.Choices[i]
			if choice.Index != 0 {
				continue // n is never set, so other choices are not ours to show
			}
			if choice.Delta.Refusal != "" {
				return usage, errRefused.Wrap(errors.New("openai: the model sent a refusal"))
			}
			if err := emit(text.push(string(choice.Delta.Content))); err != nil {
				return usage, err
			}
			if choice.FinishReason != "" && finish == "" {
				finish = string(choice.FinishReason)
				// Whatever is left is a character the provider never finished.
				if err := emit(text.flush()); err != nil {
					return usage, err
				}
			}
		}
	}
	if finish == "" {
		if streamErr != nil {
			return usage, c.fail(ctx, callCtx, resp, streamErr, true)
		}
		if callCtx.Err() != nil {
			return usage, c.fail(ctx, callCtx, resp, callCtx.Err(), true)
		}
		return usage, llm.ErrStreamCut.Wrap(errors.New("openai: the stream ended without a finish_reason"))
	}
	if finish == "content_filter" {
		return usage, errRefused.Wrap(errors.New("openai: finish_reason content_filter"))
	}
	return usage, nil
}

// Complete sends the request without streaming and returns the whole reply.
func (c *Client) Complete(ctx context.Context, req llm.Request) (string, llm.Usage, error) {
	p, err := c.params(req)
	if err != nil {
		return "", llm.Usage{}, err
	}
	callCtx, _, cancel := c.deadlines(ctx, false)
	defer cancel()

	var resp *http.Response
	res, err := c.svc.New(callCtx, p, option.WithResponseInto(&resp), boundAnswers(false))
	if err != nil {
		return "", llm.Usage{}, c.fail(ctx, callCtx, resp, err, false)
	}
	usage := llm.Usage{PromptTokens: int(res.Usage.PromptTokens), CompletionTokens: int(res.Usage.CompletionTokens)}
	if len(res.Choices) == 0 {
		return "", usage, errBadResponse.Wrap(errors.New("openai: the completion has no choices"))
	}
	choice := res.Choices[0]
	if choice.FinishReason == "content_filter" || choice.Message.Refusal != "" {
		return "", usage, errRefused.Wrap(errors.New("openai: finish_reason " + choice.FinishReason + " or a refusal"))
	}
	return strings.ToValidUTF8(choice.Message.Content, "\uFFFD"), usage, nil
}

// runeBuffer holds back a trailing partial UTF-8 character until the rest of it arrives, and
// replaces bytes that can never form one, so every piece handed on is valid UTF-8.
type runeBuffer struct {
	pending []byte
}

// push returns the complete characters of what was held plus s.
func (b *runeBuffer) push(s string) string {
	if len(b.pending) == 0 && utf8.ValidString(s) {
		return s // the usual case: a valid string cannot end inside a character
	}
	b.pending = append(b.pending, s...)
	n := completePrefix(b.pending)
	out := strings.ToValidUTF8(string(b.pending[:n]), "\uFFFD")
	b.pending = append(b.pending[:0], b.pending[n:]...)
	return out
}

// flush returns what is held, an unfinished character becoming U+FFFD.
func (b *runeBuffer) flush() string {
	out := strings.ToValidUTF8(string(b.pending), "\uFFFD")
	b.pending = b.pending[:0]
	return out
}

// completePrefix returns the length of p without a trailing incomplete (but so far valid)
// character.
func completePrefix(p []byte) int {
	for i := len(p) - 1; i >= 0 && i > len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return i
			}
			break
		}
	}
	return len(p)
}
