package llmtest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/llm"
)

func testStreamJoinsToComplete(t *testing.T, m llm.Model) {
	pieces, _, err := stream(t, t.Context(), m, chat())
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(pieces), 2, "the Normal scenario streams the reply in several pieces")
	text, _ := complete(t, m, chat())
	assert.NotEmpty(t, text)
	assert.Equal(t, text, strings.Join(pieces, ""), "the streamed pieces do not join to Complete's text")
}

func testStreamIsRepeatable(t *testing.T, m llm.Model) {
	first, _, err := stream(t, t.Context(), m, chat())
	require.NoError(t, err)
	second, _, err := stream(t, t.Context(), m, chat())
	require.NoError(t, err)
	assert.Equal(t, strings.Join(first, ""), strings.Join(second, ""))
}

func testConcurrentCalls(t *testing.T, m llm.Model) {
	want, _ := complete(t, m, chat())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			pieces, _, err := stream(t, t.Context(), m, chat())
			if assert.NoError(t, err) {
				assert.Equal(t, want, strings.Join(pieces, ""))
			}
			text, _, err := m.Complete(t.Context(), chat())
			if assert.NoError(t, err) {
				assert.Equal(t, want, text)
			}
		})
	}
	wg.Wait()
}

// testOverrides sends the per-call options the port offers (the model name is left alone: only
// the harness knows which names its provider accepts).
func testOverrides(t *testing.T, m llm.Model) {
	temp := 0.7
	req := chat()
	req.MaxTokens, req.Temperature = 400, &temp
	pieces, _, err := stream(t, t.Context(), m, req)
	require.NoError(t, err)
	text, _ := complete(t, m, req)
	assert.NotEmpty(t, text)
	assert.Equal(t, text, strings.Join(pieces, ""))
}

func testOnTextError(t *testing.T, m llm.Model) {
	stop := errors.New("llmtest: the consumer stops here")
	calls := 0
	_, err := m.Stream(t.Context(), chat(), func(string) error {
		calls++
		return stop
	})
	require.ErrorIs(t, err, stop, "the error from onText must be returned as is")
	assert.Equal(t, 1, calls, "onText was called again after it returned an error")
}

// requireCtxFailure checks the error of a call whose context was cancelled.
func requireCtxFailure(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled) || domain.KindOf(err) == domain.KindUnavailable,
		"a cancelled call must fail with the context's error or KindUnavailable, got %v", err)
}

func testCancelledBefore(t *testing.T, m llm.Model) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := m.Stream(ctx, chat(), func(s string) error {
		t.Errorf("onText was called after the context was cancelled: %q", s)
		return nil
	})
	requireCtxFailure(t, err)
	_, _, err = m.Complete(ctx, chat())
	requireCtxFailure(t, err)
}

func testCancelMidway(t *testing.T, m llm.Model) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls, late := 0, 0
	_, err := m.Stream(ctx, chat(), func(string) error {
		if ctx.Err() != nil {
			late++
		}
		calls++
		if calls == 1 {
			cancel()
		}
		return nil
	})
	requireCtxFailure(t, err)
	assert.Equal(t, 1, calls, "the slow stream must stop after the piece during which it was cancelled")
	assert.Zero(t, late, "onText was called after the context was cancelled")
}

func testUsage(t *testing.T, m llm.Model) {
	_, usage, err := stream(t, t.Context(), m, chat())
	require.NoError(t, err)
	assert.Positive(t, usage.PromptTokens, "Stream's prompt tokens")
	assert.Positive(t, usage.CompletionTokens, "Stream's completion tokens")
	_, usage = complete(t, m, chat())
	assert.Positive(t, usage.PromptTokens, "Complete's prompt tokens")
	assert.Positive(t, usage.CompletionTokens, "Complete's completion tokens")
}

func testJSONMode(t *testing.T, m llm.Model) {
	req := chat()
	req.JSON = true
	req.Messages = append(req.Messages, llm.Message{Role: llm.User,
		Content: "Describe the scene as a JSON object with the keys outfit, location, action_summary and mood."})
	text, _ := complete(t, m, req)
	var obj map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(text), &obj), "JSON mode must return one JSON object, got %q", text)

	pieces, _, err := stream(t, t.Context(), m, req)
	require.NoError(t, err)
	joined := strings.Join(pieces, "")
	require.NoError(t, json.Unmarshal([]byte(joined), &obj), "streamed JSON mode must join to one JSON object, got %q", joined)
	assert.Equal(t, text, joined)
}

func testSplitUTF8(t *testing.T, m llm.Model) {
	pieces, _, err := stream(t, t.Context(), m, unicodeChat())
	require.NoError(t, err)
	joined := strings.Join(pieces, "")
	text, _ := complete(t, m, unicodeChat())
	assert.Equal(t, text, joined)
	assert.Greater(t, len(joined), utf8.RuneCountInString(joined), "the reply holds no multi-byte character")
	assert.NotContains(t, joined, "\uFFFD", "a split character was lost")
}
