package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// chunk is OpenAI's chat.completion.chunk.
type (
	chunkDelta struct {
		Role    string  `json:"role,omitempty"`
		Content *string `json:"content,omitempty"`
	}
	chunkChoice struct {
		Index        int        `json:"index"`
		Delta        chunkDelta `json:"delta"`
		FinishReason *string    `json:"finish_reason"`
	}
	chunk struct {
		ID      string           `json:"id"`
		Object  string           `json:"object"`
		Created int64            `json:"created"`
		Model   string           `json:"model"`
		Choices []chunkChoice    `json:"choices"`
		Usage   *completionUsage `json:"usage,omitempty"`
	}
)

// completionMeta is what every chunk and completion of one answer repeats.
type completionMeta struct {
	id      string
	model   string
	created int64
}

// produceFunc writes a reply, giving emit its text as it is written and calling idle when it is
// quiet for a while, and returns it whole with its usage.
type produceFunc func(emit func(string) error, idle func() error) (string, completionUsage, error)

// streamCompletion answers with the reply as produce writes it, as OpenAI streams: a first chunk
// with the role, one per piece of text, one with finish_reason "stop", the usage when asked for,
// then "data: [DONE]"; ": keep-alive" comments while it is quiet (clients skip them, proxies see
// the stream alive). Each write has streamWriteTimeout: a client that stopped reading is let go.
// lazy holds the response back until the first text, so that a reply refused before it began is
// answered with its own status; otherwise a failure after the stream began ends it with an error
// event in OpenAI's shape.
func streamCompletion(w http.ResponseWriter, r *http.Request, m completionMeta, includeUsage, lazy bool, produce produceFunc) {
	rc := http.NewResponseController(w)
	write := func(p []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := w.Write(p); err != nil {
			return err
		}
		return rc.Flush()
	}
	send := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return write(fmt.Appendf(nil, "data: %s\n\n", b))
	}
	piece := func(d chunkDelta, finish *string) chunk {
		return chunk{ID: m.id, Object: "chat.completion.chunk", Created: m.created, Model: m.model,
			Choices: []chunkChoice{{Delta: d, FinishReason: finish}}}
	}
	started := false
	start := func() error {
		if started {
			return nil
		}
		started = true
		h := w.Header()
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
		w.WriteHeader(http.StatusOK)
		empty := ""
		return send(piece(chunkDelta{Role: "assistant", Content: &empty}, nil))
	}
	if !lazy && start() != nil {
		return
	}
	_, usage, err := produce(func(text string) error {
		if err := start(); err != nil {
			return err
		}
		return send(piece(chunkDelta{Content: &text}, nil))
	}, func() error {
		if !started {
			return nil
		}
		return write([]byte(": keep-alive\n\n"))
	})
	if err != nil {
		switch {
		case r.Context().Err() != nil: // the client left: nobody to tell
		case !started:
			writeOpenAIError(w, r, err)
		default:
			status, body := describeError(w, r, err)
			_ = send(openAIErrorOf(status, body))
		}
		return
	}
	stop := "stop"
	if start() != nil || send(piece(chunkDelta{}, &stop)) != nil {
		return
	}
	if includeUsage {
		if send(chunk{ID: m.id, Object: "chat.completion.chunk", Created: m.created, Model: m.model,
			Choices: []chunkChoice{}, Usage: &usage}) != nil {
			return
		}
	}
	_ = write([]byte("data: [DONE]\n\n"))
}

// answerCompletion answers with the reply: streamed when the request asked, else as one
// chat.completion once produce has written it. oneOff says nothing was stored before produce
// began (a one-off reply: its refusals are answered with their own status, and may be retried);
// otherwise the person's message is already in the conversation, and a failure is answered with
// X-Should-Retry: false — OpenAI's clients retry a 5xx or a 409 unless told not to, and a retry
// would send the message again.
func answerCompletion(w http.ResponseWriter, r *http.Request, in completionRequest, m completionMeta, oneOff bool, produce produceFunc) {
	// The reply may take longer than a response may (HTTP_WRITE_TIMEOUT): the reply's own budget
	// bounds it, and each write its own deadline.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	if in.Stream {
		streamCompletion(w, r, m, in.StreamOptions != nil && in.StreamOptions.IncludeUsage, oneOff, produce)
		return
	}
	final, usage, err := produce(func(string) error { return nil }, nil)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if err != nil {
		if !oneOff {
			w.Header().Set("X-Should-Retry", "false")
		}
		writeOpenAIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, completion{ID: m.id, Object: "chat.completion", Created: m.created, Model: m.model,
		Choices: []completionChoice{{Message: completionMessage{Role: "assistant", Content: final}, FinishReason: "stop"}},
		Usage:   usage})
}
