package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/companionhub/companionhub/adapter/httpapi/modelid"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/eventjson"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// completionRequest is what OpenAI clients send to /v1/chat/completions. Fields the hub does not
// use (frequency_penalty, logit_bias, seed, tools, …) are ignored, as OpenAI-compatible servers do.
type completionRequest struct {
	Model         string          `json:"model"`
	Messages      []clientMessage `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	N *int `json:"n"`
	// Sampling, passed to the model within the hub's limits.
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	Stop                json.RawMessage `json:"stop"`
	// History "client" answers from the client's own messages, once, storing nothing.
	History string `json:"history"`
}

// sampling is what the request asks of the reply's generation; max_completion_tokens (the newer
// name) wins over max_tokens; stop is a string or a list of them.
func (in completionRequest) sampling() (chat.Sampling, error) {
	s := chat.Sampling{Temperature: in.Temperature, TopP: in.TopP}
	switch {
	case in.MaxCompletionTokens != nil:
		s.MaxTokens = *in.MaxCompletionTokens
	case in.MaxTokens != nil:
		s.MaxTokens = *in.MaxTokens
	}
	if len(in.Stop) > 0 && string(in.Stop) != "null" {
		var one string
		if err := json.Unmarshal(in.Stop, &one); err == nil {
			s.Stop = []string{one}
		} else if err := json.Unmarshal(in.Stop, &s.Stop); err != nil {
			return s, domain.Invalid(domain.Violation("stop", "type", "stop is a string or a list of strings"))
		}
	}
	if s.MaxTokens < 0 || (in.MaxTokens != nil && *in.MaxTokens == 0) || (in.MaxCompletionTokens != nil && *in.MaxCompletionTokens == 0) {
		return s, domain.Invalid(domain.Violation("max_tokens", "out_of_range", "max_tokens must be positive"))
	}
	return s, s.Validate()
}

// clientMessage is one message of the request: its content a string or an array of parts, of
// which the text ones are read.
type clientMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// text is the message's text: its string, or its text parts joined by blank lines.
func (m clientMessage) text() (string, error) {
	var s string
	if err := json.Unmarshal(m.Content, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return "", errors.New("content must be a string or an array of content parts")
	}
	var texts []string
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n\n"), nil
}

// decodeCompletion reads a completion request and the text it sends: that of its last message,
// which must be the user's.
func decodeCompletion(r *http.Request) (completionRequest, string, error) {
	var in completionRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return in, "", domain.E(domain.KindInvalid, reasonBodyTooLarge, "the request body is too large")
		}
		if errors.Is(err, io.EOF) {
			err = errors.New("empty body")
		}
		return in, "", domain.E(domain.KindInvalid, "invalid_json", fmt.Sprintf("the body is not a chat completion request: %v", err))
	}
	var bad []domain.FieldViolation
	if strings.TrimSpace(in.Model) == "" {
		bad = append(bad, domain.Violation("model", "required", "model names the companion to talk to (GET /v1/models)"))
	}
	if in.N != nil && *in.N != 1 {
		bad = append(bad, domain.Violation("n", "unsupported", "a companion gives one reply at a time: n must be 1"))
	}
	text := ""
	switch last := len(in.Messages) - 1; {
	case last < 0:
		bad = append(bad, domain.Violation("messages", "required", "messages must end with the user's message"))
	case in.Messages[last].Role != "user":
		bad = append(bad, domain.Violation("messages", "last_not_user",
			"the last message must be the user's: it is what the companion answers"))
	default:
		t, err := in.Messages[last].text()
		if err != nil {
			bad = append(bad, domain.Violation("messages", "invalid", err.Error()))
		} else if strings.TrimSpace(t) == "" {
			bad = append(bad, domain.Violation("messages", "empty", "the user's message has no text"))
		}
		text = t
	}
	if _, err := in.sampling(); err != nil {
		bad = append(bad, domain.Violations(err)...)
	}
	if len(bad) > 0 {
		return in, "", domain.Invalid(bad...)
	}
	return in, text, nil
}

// completionChoice, completion and usage are OpenAI's chat.completion.
type (
	completionMessage struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	completionChoice struct {
		Index        int               `json:"index"`
		Message      completionMessage `json:"message"`
		FinishReason string            `json:"finish_reason"`
	}
	completionUsage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	}
	completion struct {
		ID      string             `json:"id"`
		Object  string             `json:"object"`
		Created int64              `json:"created"`
		Model   string             `json:"model"`
		Choices []completionChoice `json:"choices"`
		Usage   completionUsage    `json:"usage"`
	}
)

// chatCompletions sends the request's last user message to the companion its model names, as a
// message of the companion's own conversation — the hub's history, scene, memories and
// relationship make the reply, which is saved whatever becomes of this request — and answers
// with the reply, streamed (chat.completion.chunk events, then [DONE]) or whole.
func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) {
	in, text, err := decodeCompletion(r)
	if err != nil {
		writeOpenAIError(w, r, err)
		return
	}
	owner := principalFrom(r.Context()).UserID
	c, err := s.companionOfModel(r.Context(), owner, in.Model)
	if err != nil {
		writeOpenAIError(w, r, err)
		return
	}
	sampling, _ := in.sampling() // checked by decodeCompletion
	m := completionMeta{model: modelid.Of(c), created: time.Now().Unix()}
	if in.clientHistory(r) {
		m.id = "chatcmpl-" + domain.NewID(time.Now()).String()
		answerCompletion(w, r, in, m, true, s.improvise(r, owner, c.ID(), in, sampling))
		return
	}
	send := chatuc.Send{OwnerID: owner, CompanionID: c.ID(), Text: text, Options: chat.Options{Sampling: sampling},
		Unset: chatuc.Unset{DeepThink: true, Image: true, Voice: true}, IdempotencyKey: r.Header.Get("Idempotency-Key")}
	// The answer may take longer than a response may (HTTP_WRITE_TIMEOUT): waiting for the previous
	// turn, then the reply; the turns' own budgets bound them, and each write its own deadline.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	sent, err := s.chat.Send.Handle(r.Context(), send)
	if errors.Is(err, chatuc.ErrTurnInProgress) && s.awaitTurnEnd(r.Context(), owner, c.ID()) == nil {
		// The previous answer ended once its reply was saved; its turn may still be drawing or
		// remembering. A client sends one message after another: this one waits its turn.
		sent, err = s.chat.Send.Handle(r.Context(), send)
	}
	if err != nil {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		writeOpenAIError(w, r, err)
		return
	}
	reply := replyFollower{s: s, owner: owner, turn: sent.Turn.ID(), prompt: s.tokenCount(text)}
	m.id = "chatcmpl-" + sent.Turn.ID().String()
	answerCompletion(w, r, in, m, false, func(emit func(string) error, idle func() error) (string, completionUsage, error) {
		final, err := reply.follow(r, emit, idle)
		return final, reply.usage(final), err
	})
}

// clientHistory reports whether the client asked to be answered from its own conversation
// ("history": "client", or the X-CompanionHub-History header) instead of the companion's.
func (in completionRequest) clientHistory(r *http.Request) bool {
	return strings.EqualFold(in.History, "client") || strings.EqualFold(r.Header.Get("X-CompanionHub-History"), "client")
}

// improvise writes a one-off reply to the client's own conversation: its user and assistant
// messages (its system prompt gives way to the companion's); nothing is stored.
func (s *Server) improvise(r *http.Request, owner, companionID domain.ID, in completionRequest, sampling chat.Sampling) produceFunc {
	return func(emit func(string) error, _ func() error) (string, completionUsage, error) {
		var lines []chatuc.Line
		for _, msg := range in.Messages {
			if msg.Role != "user" && msg.Role != "assistant" {
				continue
			}
			t, err := msg.text()
			if err != nil {
				return "", completionUsage{}, domain.Invalid(domain.Violation("messages", "invalid", err.Error()))
			}
			lines = append(lines, chatuc.Line{FromCompanion: msg.Role == "assistant", Text: t})
		}
		out, err := s.chat.Improvise.Handle(r.Context(), chatuc.Improvise{OwnerID: owner, CompanionID: companionID,
			Conversation: lines, Sampling: sampling, OnText: emit})
		if err != nil {
			return "", completionUsage{}, err
		}
		u := completionUsage{PromptTokens: out.Usage.PromptTokens, CompletionTokens: out.Usage.CompletionTokens}
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
		return out.Text, u, nil
	}
}

// turnWait bounds how long a message waits for the companion's previous turn to end.
const turnWait = 5 * time.Minute

// awaitTurnEnd waits, up to turnWait, until the companion's turn under way (if any) has ended.
func (s *Server) awaitTurnEnd(ctx context.Context, owner, companionID domain.ID) error {
	ctx, cancel := context.WithTimeout(ctx, turnWait)
	defer cancel()
	t, err := s.chat.CurrentTurn.Handle(ctx, chatuc.CurrentTurn{OwnerID: owner, CompanionID: companionID})
	if errors.Is(err, chat.ErrTurnNotFound) {
		return nil // ended already
	}
	if err != nil {
		return err
	}
	sub, err := s.chat.Follow.Handle(ctx, chatuc.Follow{OwnerID: owner, TurnID: t.ID()})
	if errors.Is(err, chatuc.ErrNoMoreEvents) {
		return nil
	}
	if err != nil {
		return err
	}
	defer sub.Close()
	for {
		ev, err := sub.Next(ctx)
		if err != nil {
			return err
		}
		if ev.Type.Terminal() {
			return nil
		}
	}
}

// tokenCount is the hub's estimate of text's tokens (0 without a counter).
func (s *Server) tokenCount(text string) int {
	if s.tokenizer == nil {
		return 0
	}
	return s.tokenizer.Count(text)
}

// replyFollower follows a turn's events to its reply, for one /v1 request.
type replyFollower struct {
	s      *Server
	owner  domain.ID
	turn   domain.ID
	prompt int // the estimated tokens of the message sent
}

func (f replyFollower) usage(final string) completionUsage {
	n := f.s.tokenCount(final)
	return completionUsage{PromptTokens: f.prompt, CompletionTokens: n, TotalTokens: f.prompt + n}
}

// replyFailed is the error of a turn that ended without a reply.
func replyFailed(fail chat.Failure) error {
	return domain.E(domain.KindUnavailable, "reply_failed", "the companion could not reply: "+fail.Message)
}

// follow reads the turn's events until its reply is saved and returns it — the saved text, read
// back — without waiting for what follows the save (memories, a picture, voice): the client
// receives none of it. emit, when set, is given the reply's text as it is written: only text
// that extends what it was given before — after a reply starts over (a reset: another worker
// writes it again) nothing is given that would contradict what was, and the saved reply's rest
// is given at its end when it can be. idle, when set, is called whenever the turn is quiet for
// the heartbeat interval (a stream's keep-alive).
func (f replyFollower) follow(r *http.Request, emit func(string) error, idle func() error) (string, error) {
	ctx := r.Context()
	sub, err := f.s.chat.Follow.Handle(ctx, chatuc.Follow{OwnerID: f.owner, TurnID: f.turn})
	if err != nil {
		return "", err
	}
	defer sub.Close()
	var given, current strings.Builder
	diverged := false
	give := func() error {
		if emit == nil || diverged {
			return nil
		}
		cur, was := current.String(), given.String()
		if len(cur) <= len(was) {
			diverged = !strings.HasPrefix(was, cur)
			return nil
		}
		if !strings.HasPrefix(cur, was) {
			diverged = true
			return nil
		}
		given.WriteString(cur[len(was):])
		return emit(cur[len(was):])
	}
	done := func(messageID domain.ID) (string, error) {
		final, err := f.saved(ctx, messageID)
		if err != nil {
			return "", err
		}
		current.Reset()
		current.WriteString(final)
		return final, give()
	}
	for {
		wait, stop := context.WithTimeout(ctx, f.s.cfg.SSEHeartbeat)
		ev, err := sub.Next(wait)
		stop()
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return "", ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			if idle != nil {
				if err := idle(); err != nil {
					return "", err
				}
			}
			continue
		default:
			return "", err
		}
		p, err := eventjson.Decode(ev.Type, ev.Data)
		if err != nil {
			return "", err
		}
		switch v := p.(type) {
		case chat.Token:
			current.WriteString(v.Text)
			if err := give(); err != nil {
				return "", err
			}
		case chat.Reset:
			current.Reset()
		case chat.StateChange: // published once the reply is saved
			return done(v.MessageID)
		case chat.Completion: // a turn that ended before it was followed
			if v.TextOmitted {
				return done(v.MessageID)
			}
			current.Reset()
			current.WriteString(v.Text)
			return v.Text, give()
		case chat.Failure:
			return "", replyFailed(v)
		}
	}
}

// saved is the text of the saved reply id.
func (f replyFollower) saved(ctx context.Context, id domain.ID) (string, error) {
	alts, err := f.s.chat.Alternatives.Handle(ctx, chatuc.ListAlternatives{OwnerID: f.owner, MessageID: id})
	if err != nil {
		return "", err
	}
	for _, m := range alts {
		if m.ID == id {
			return m.Text, nil
		}
	}
	return "", replyFailed(chat.Failure{Code: "deleted", Message: "the reply was deleted"})
}
