package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/apitoken"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// openAIHub is a hub served over HTTP, a person on it with two companions, and an OpenAI client
// holding a chat token of theirs.
type openAIHub struct {
	c      *contract
	url    string
	token  string
	mira   string // the companion's id
	client openai.Client
}

func newOpenAIHub(t *testing.T, configure ...func(*core.Config)) *openAIHub {
	t.Helper()
	c := newContract(t, configure...)
	srv := httptest.NewServer(c.handler)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	u, err := c.hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: "ada@example.com", Username: "ada", DisplayName: "Ada",
		Password: "plum-ferry-osmosis-42", ByAdmin: true})
	require.NoError(t, err)
	mira, err := c.hub.Companions.Create.Handle(ctx, companionuc.Create{OwnerID: u.ID(), Profile: companion.ProfileSpec{Name: "Mira Vale", Age: 28}})
	require.NoError(t, err)
	_, err = c.hub.Companions.Create.Handle(ctx, companionuc.Create{OwnerID: u.ID(), Profile: companion.ProfileSpec{Name: "Jun", Age: 31}})
	require.NoError(t, err)
	tok, err := c.hub.Tokens.Create.Handle(ctx, apitoken.Create{UserID: u.ID(), Name: "Client", Scope: apitoken.ScopeChat,
		Password: "plum-ferry-osmosis-42"})
	require.NoError(t, err)
	return &openAIHub{c: c, url: srv.URL, token: tok.Secret, mira: mira.ID().String(),
		client: openai.NewClient(option.WithBaseURL(srv.URL+"/v1/"), option.WithAPIKey(tok.Secret), option.WithMaxRetries(0))}
}

// history is the companion's conversation as the API gives it, oldest first.
func (h *openAIHub) history(t *testing.T) []struct{ Role, Text string } {
	t.Helper()
	req, err := http.NewRequest("GET", h.url+"/api/v1/companions/"+h.mira+"/messages?limit=50", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+h.token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, 200, res.StatusCode)
	var page struct {
		Items []struct {
			Role string `json:"role"`
			Text string `json:"text"`
		} `json:"items"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&page))
	out := make([]struct{ Role, Text string }, 0, len(page.Items))
	for i := len(page.Items) - 1; i >= 0; i-- { // the API pages newest first
		out = append(out, struct{ Role, Text string }{page.Items[i].Role, page.Items[i].Text})
	}
	return out
}

func TestOpenAIClientsListCompanionsAsModels(t *testing.T) {
	t.Parallel()
	h := newOpenAIHub(t)
	ctx := context.Background()
	page, err := h.client.Models.List(ctx)
	require.NoError(t, err)
	require.Len(t, page.Data, 2)
	ids := map[string]openai.Model{}
	for _, m := range page.Data {
		ids[m.ID] = m
		require.Equal(t, "ada", m.OwnedBy)
		require.NotZero(t, m.Created)
	}
	miraID := "mira-vale-" + strings.ReplaceAll(h.mira, "-", "")[24:]
	require.Contains(t, ids, miraID, "the name's slug and the end of the id")

	for _, name := range []string{miraID, h.mira, "mira-vale"} {
		m, err := h.client.Models.Get(ctx, name)
		require.NoError(t, err, name)
		require.Equal(t, miraID, m.ID)
	}
	_, err = h.client.Models.Get(ctx, "nobody")
	var apiErr *openai.Error
	require.True(t, errors.As(err, &apiErr), "%v", err)
	require.Equal(t, 404, apiErr.StatusCode)
	require.Equal(t, "model_not_found", apiErr.Code)
}

func TestOpenAIChatStreamsAndSavesTheReply(t *testing.T) {
	t.Parallel()
	h := newOpenAIHub(t)
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{Model: "mira-vale", Messages: []openai.ChatCompletionMessageParamUnion{
		openai.SystemMessage("You are a helpful assistant."), // the client's own prompt: the hub's persona stands
		openai.UserMessage("Earlier words the hub does not need."),
		openai.AssistantMessage("An earlier answer."),
		openai.UserMessage("Hello, how was your day?"),
	}, StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}}
	stream := h.client.Chat.Completions.NewStreaming(ctx, params)
	var acc openai.ChatCompletionAccumulator
	chunks := 0
	for stream.Next() {
		acc.AddChunk(stream.Current())
		chunks++
	}
	require.NoError(t, stream.Err())
	require.Greater(t, chunks, 3, "role, text, stop, usage")
	require.Len(t, acc.Choices, 1)
	streamed := acc.Choices[0].Message.Content
	require.NotEmpty(t, streamed)
	require.Equal(t, "stop", acc.Choices[0].FinishReason)
	require.Positive(t, acc.Usage.CompletionTokens)
	require.Equal(t, acc.Usage.PromptTokens+acc.Usage.CompletionTokens, acc.Usage.TotalTokens)

	msgs := h.history(t)
	require.Len(t, msgs, 2, "only the last user message is sent; the client's history is the hub's to keep")
	require.Equal(t, "user", msgs[0].Role)
	require.Equal(t, "Hello, how was your day?", msgs[0].Text)
	require.Equal(t, "assistant", msgs[1].Role)
	require.Equal(t, streamed, msgs[1].Text, "what streamed is what was saved")

	// Not streamed: one chat.completion; a second client sees the same conversation.
	params.Messages = []openai.ChatCompletionMessageParamUnion{openai.UserMessage("And tomorrow?")}
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{}
	res, err := h.client.Chat.Completions.New(ctx, params)
	require.NoError(t, err)
	require.Len(t, res.Choices, 1)
	require.Equal(t, "assistant", string(res.Choices[0].Message.Role))
	msgs = h.history(t)
	require.Len(t, msgs, 4)
	require.Equal(t, res.Choices[0].Message.Content, msgs[3].Text)
	require.Equal(t, "chat.completion", string(res.Object))
}

func TestOpenAIErrorsAreOpenAIs(t *testing.T) {
	t.Parallel()
	h := newOpenAIHub(t)
	ctx := context.Background()
	_, err := h.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "mira-vale",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.AssistantMessage("I speak last.")}})
	var apiErr *openai.Error
	require.True(t, errors.As(err, &apiErr), "%v", err)
	require.Equal(t, 400, apiErr.StatusCode)
	require.Equal(t, "invalid_request_error", apiErr.Type)
	require.Equal(t, "messages", apiErr.Param)

	bad := openai.NewClient(option.WithBaseURL(h.url+"/v1/"), option.WithAPIKey("chp_not-a-token"), option.WithMaxRetries(0))
	_, err = bad.Models.List(ctx)
	require.True(t, errors.As(err, &apiErr), "%v", err)
	require.Equal(t, 401, apiErr.StatusCode)
	require.Equal(t, "authentication_error", apiErr.Type)

	res, err := http.Post(h.url+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":`))
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, 401, res.StatusCode, "no credentials come first: %s", body)
	require.Contains(t, jsonField(t, body, "message"), "Authorization: Bearer")
	require.JSONEq(t, `{"error":{"message":"`+jsonField(t, body, "message")+`","type":"authentication_error","param":null,"code":"no_api_key"}}`, string(body))
}

func jsonField(t *testing.T, body []byte, key string) string {
	t.Helper()
	var e struct {
		Error map[string]any `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "%s", body)
	s, _ := e.Error[key].(string)
	return s
}

// max_tokens, temperature, top_p and stop reach the model, within the hub's limits; values no
// model should be asked are refused, each naming its field.
func TestOpenAISamplingReachesTheModel(t *testing.T) {
	t.Parallel()
	h := newOpenAIHub(t)
	ctx := context.Background()
	res, err := h.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "mira-vale",
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello!")},
		MaxTokens:   openai.Int(50000), // more than the hub lets a client ask: bounded
		Temperature: openai.Float(0.3), TopP: openai.Float(0.8),
		Stop: openai.ChatCompletionNewParamsStopUnion{OfStringArray: []string{" Hi!", "###"}}})
	require.NoError(t, err)
	got := h.c.model.replyTo("Hello!")
	require.Equal(t, chat.MaxSampledTokens, got.MaxTokens)
	require.Equal(t, 0.3, *got.Temperature)
	require.Equal(t, 0.8, *got.TopP)
	require.Equal(t, []string{" Hi!", "###"}, got.Stop)
	require.Equal(t, "[Offline model]", res.Choices[0].Message.Content, "the model stopped where asked")

	_, err = h.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "mira-vale",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Short, please.")}, MaxCompletionTokens: openai.Int(3)})
	require.NoError(t, err)
	require.Equal(t, 3, h.c.model.replyTo("Short, please.").MaxTokens, "max_completion_tokens, the newer name")
	require.Nil(t, h.c.model.replyTo("Short, please.").TopP, "nothing asked: the model's own")

	_, err = h.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "mira-vale",
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hot!")},
		Temperature: openai.Float(2.5)})
	var apiErr *openai.Error
	require.True(t, errors.As(err, &apiErr), "%v", err)
	require.Equal(t, 400, apiErr.StatusCode)
	require.Equal(t, "temperature", apiErr.Param)
	require.Len(t, h.history(t), 4, "a refused request sends nothing")
}

// With "history": "client" the client's own conversation makes a one-off reply, in the companion's
// persona: the model reads the client's messages (not its system prompt), and nothing is stored.
func TestOpenAIClientHistoryIsAOneOffReply(t *testing.T) {
	t.Parallel()
	h := newOpenAIHub(t)
	ctx := context.Background()
	conversation := []openai.ChatCompletionMessageParamUnion{
		openai.SystemMessage("You are a pirate."),
		openai.UserMessage("My cat is called Biscuit."),
		openai.AssistantMessage("What a lovely name for a cat."),
		openai.UserMessage("What is my cat called?"),
	}
	res, err := h.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "mira-vale", Messages: conversation},
		option.WithJSONSet("history", "client"))
	require.NoError(t, err)
	require.NotEmpty(t, res.Choices[0].Message.Content)
	require.Positive(t, res.Usage.PromptTokens, "the model's own count")
	got := h.c.model.replyTo("What is my cat called?")
	require.NotEmpty(t, got.Messages)
	var seen []string
	for _, m := range got.Messages {
		seen = append(seen, string(m.Role)+": "+m.Content)
	}
	require.Contains(t, seen, "user: My cat is called Biscuit.")
	require.Contains(t, seen, "assistant: What a lovely name for a cat.")
	require.Contains(t, got.Messages[0].Content, "Mira Vale", "the companion's persona")
	require.NotContains(t, strings.Join(seen, "\n"), "pirate", "the client's system prompt gives way to the companion's")
	require.Empty(t, h.history(t), "nothing is stored")

	// The header works too, streamed.
	stream := h.client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "mira-vale", Messages: conversation},
		option.WithHeader("X-CompanionHub-History", "client"))
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	require.NoError(t, stream.Err())
	require.NotEmpty(t, acc.Choices[0].Message.Content)
	require.Empty(t, h.history(t))
}

// A client retrying with the same Idempotency-Key gets the same reply, and the companion answers once.
func TestOpenAIRetriesWithAnIdempotencyKeyAnswerOnce(t *testing.T) {
	t.Parallel()
	h := newOpenAIHub(t)
	ctx := context.Background()
	params := openai.ChatCompletionNewParams{Model: "mira-vale", Messages: []openai.ChatCompletionMessageParamUnion{
		openai.UserMessage("Only once, please.")}}
	first, err := h.client.Chat.Completions.New(ctx, params, option.WithHeader("Idempotency-Key", "retry-1"))
	require.NoError(t, err)
	again, err := h.client.Chat.Completions.New(ctx, params, option.WithHeader("Idempotency-Key", "retry-1"))
	require.NoError(t, err)
	require.Equal(t, first.ID, again.ID, "the same turn")
	require.Equal(t, first.Choices[0].Message.Content, again.Choices[0].Message.Content)
	require.Len(t, h.history(t), 2, "one message, one reply")
}

// A reply refused before it began is answered with its own status, streamed or not: over the
// chat limit, 429 with Retry-After — never a 200 whose stream then fails. A failure once the
// message is in the conversation says not to retry (a retry would send it again).
func TestOpenAIRefusalsKeepTheirStatus(t *testing.T) {
	t.Parallel()
	h := newOpenAIHub(t, func(cfg *core.Config) {
		cfg.RateLimits.Chat.Limit = ratelimit.Limit{Count: 1, Period: time.Hour}
	})
	ctx := context.Background()
	conversation := []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello!")}
	_, err := h.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "mira-vale", Messages: conversation},
		option.WithJSONSet("history", "client"))
	require.NoError(t, err, "the first of the hour")
	for _, history := range []string{"client", "hub"} {
		req, err := http.NewRequest("POST", h.url+"/v1/chat/completions", strings.NewReader(
			`{"model":"mira-vale","stream":true,"history":"`+history+`","messages":[{"role":"user","content":"Again!"}]}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s: %s", history, body)
		require.NotEmpty(t, res.Header.Get("Retry-After"))
		require.Equal(t, "rate_limit_error", jsonField(t, body, "type"))
	}
}

// A stream whose reply is slow to start stays alive with comments clients skip.
func TestOpenAIStreamsKeepAliveWhileQuiet(t *testing.T) {
	t.Parallel()
	h := newOpenAIHub(t, func(cfg *core.Config) { cfg.HTTP.SSEHeartbeat = 20 * time.Millisecond })
	h.c.model.shut() // the model holds its first word
	req, err := http.NewRequest("POST", h.url+"/v1/chat/completions", strings.NewReader(
		`{"model":"mira-vale","stream":true,"messages":[{"role":"user","content":"Take your time."}]}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	lines := bufio.NewScanner(res.Body)
	for lines.Scan() && lines.Text() != ": keep-alive" {
	}
	require.Equal(t, ": keep-alive", lines.Text(), "a comment while the model is quiet")
	h.c.model.release()
	var last string
	for lines.Scan() {
		if lines.Text() != "" {
			last = lines.Text()
		}
	}
	require.Equal(t, "data: [DONE]", last, "and the reply after it")
}

// Whatever refuses a request under /v1 — an unknown path, a wrong method — answers in OpenAI's shape.
func TestEverythingUnderV1AnswersInOpenAIsShape(t *testing.T) {
	t.Parallel()
	h := newOpenAIHub(t)
	for _, tc := range []struct{ method, path string }{{"GET", "/v1/embeddings"}, {"DELETE", "/v1/models"}} {
		req, err := http.NewRequest(tc.method, h.url+tc.path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+h.token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.GreaterOrEqual(t, res.StatusCode, 400, "%s %s", tc.method, tc.path)
		require.NotEmpty(t, jsonField(t, body, "type"), "%s %s: %s", tc.method, tc.path, body)
	}
}

// A reply that fails once the message is in the conversation is answered with X-Should-Retry:
// false — OpenAI's clients would otherwise retry, and send the message again.
func TestOpenAIFailuresAfterTheSendAreNotRetried(t *testing.T) {
	t.Parallel()
	h := newOpenAIHub(t, func(cfg *core.Config) { cfg.Runner.BackoffScale = 0.001 })
	h.c.model.mu.Lock()
	h.c.model.fail = domain.E(domain.KindInvalid, "model_refused", "the model refused the request")
	h.c.model.mu.Unlock()
	req, err := http.NewRequest("POST", h.url+"/v1/chat/completions", strings.NewReader(
		`{"model":"mira-vale","messages":[{"role":"user","content":"Hello?"}]}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.GreaterOrEqual(t, res.StatusCode, 500, "%s", body)
	require.Equal(t, "false", res.Header.Get("X-Should-Retry"))
	require.Equal(t, "reply_failed", jsonField(t, body, "code"))
	require.Len(t, h.history(t), 1, "the message was sent, once")
}
