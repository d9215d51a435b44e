package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenAIClientTalksToACompanion: with a chat token, an OpenAI client (the official openai-go)
// finds the companion among the models and talks to it, streamed; the exchange is the companion's
// own conversation, in the API with the scene the reply left; a second client (not streaming)
// carries on the same conversation; a client that goes away mid-reply loses nothing; a chat token
// reads no sessions; a revoked token gets 401 in OpenAI's shape. On PostgreSQL.
func TestOpenAIClientTalksToACompanion(t *testing.T) {
	t.Parallel()
	// Slow enough that a client can leave mid-reply.
	h := startHub(t, with(postgresProfile.env(t), "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "40"))
	c := newChatter(t, h, "")
	res := c.do("POST", "/api/v1/me/tokens", map[string]any{"name": "openai-go", "scope": "chat", "password": password})
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
	var tok struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	res.json(t, &tok)
	h.secret(tok.Token)
	client := func() openai.Client {
		return openai.NewClient(option.WithBaseURL(h.URL+"/v1/"), option.WithAPIKey(tok.Token), option.WithMaxRetries(0))
	}
	first := client()
	ctx := context.Background()

	models, err := first.Models.List(ctx)
	require.NoError(t, err)
	require.Len(t, models.Data, 1)
	model := models.Data[0].ID

	stream := first.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(dressingMessage)}})
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	require.NoError(t, stream.Err())
	streamed := acc.Choices[0].Message.Content
	require.NotEmpty(t, streamed)

	msgs := c.history(t) // newest first
	require.Len(t, msgs, 2)
	require.Equal(t, dressingMessage, msgs[1].Text)
	require.Equal(t, streamed, msgs[0].Text, "what streamed is what the conversation holds")
	res = c.do("GET", "/api/v1/companions/"+c.companion, nil)
	var comp struct {
		Companion struct {
			Scene struct {
				Outfit []string `json:"outfit"`
			} `json:"scene"`
		} `json:"companion"`
	}
	res.json(t, &comp)
	require.Equal(t, sceneOutfit, comp.Companion.Scene.Outfit, "the reply through /v1 changed the scene")

	// A second client, not streaming, carries the same conversation on.
	second := client()
	done, err := second.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: c.companion,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Do you remember what you are wearing?")}})
	require.NoError(t, err)
	require.Len(t, c.history(t), 4)
	require.Equal(t, done.Choices[0].Message.Content, c.history(t)[0].Text)

	// A client that leaves after the first words: the reply is written and saved all the same.
	leave, cancel := context.WithCancel(ctx)
	stream = first.Chat.Completions.NewStreaming(leave, openai.ChatCompletionNewParams{Model: model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Tell me a long story about the rooftop garden.")}})
	words := 0
	for stream.Next() {
		if len(stream.Current().Choices) > 0 && stream.Current().Choices[0].Delta.Content != "" {
			words++
			if words == 2 {
				cancel()
			}
		}
	}
	cancel()
	require.Equal(t, 2, words, "the client left mid-reply")
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		msgs := c.history(t)
		require.Len(ct, msgs, 6)
		require.Equal(ct, "assistant", msgs[0].Role)
		require.Greater(ct, len(msgs[0].Text), 40, "the whole reply")
	}, 30*time.Second, 100*time.Millisecond, "the reply is saved though its client left")

	// A chat token chats, and reads nothing else.
	tokenUser := &chatter{client: h.client(t), companion: c.companion}
	tokenUser.bearer = tok.Token
	res = tokenUser.do("GET", "/api/v1/me/sessions", nil)
	require.Equal(t, http.StatusForbidden, res.StatusCode, "%s", res.body)

	res = c.do("DELETE", "/api/v1/me/tokens/"+tok.ID, nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	_, err = first.Models.List(ctx)
	var apiErr *openai.Error
	require.True(t, errors.As(err, &apiErr), "%v", err)
	require.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	require.Equal(t, "invalid_token", apiErr.Code)
}
