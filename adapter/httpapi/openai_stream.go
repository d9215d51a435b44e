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

// produceFunc writes a reply, giving emit its text as it is written, and returns it whole with its
// usage.
type produceFunc func(emit func(string) error) (string, completionUsage, error)

// streamCompletion answers with the reply as produce writes it, as OpenAI streams: a first chunk
// with the role, one per piece of text, one with finish_reason "stop", the usage when asked for,
// then "data: [DONE]". A reply that fails after the stream began ends it with an error event in
// OpenAI's shape instead.
func streamCompletion(w http.ResponseWriter, r *http.Request, m completionMeta, includeUsage bool, produce produceFunc) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	send := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return err
		}
		return rc.Flush()
	}
	piece := func(d chunkDelta, finish *string) chunk {
		return chunk{ID: m.id, Object: "chat.completion.chunk", Created: m.created, Model: m.model,
			Choices: []chunkChoice{{Delta: d, FinishReason: finish}}}
	}
	empty := ""
	if send(piece(chunkDelta{Role: "assistant", Content: &empty}, nil)) != nil {
		return
	}
	_, usage, err := produce(func(text string) error { return send(piece(chunkDelta{Content: &text}, nil)) })
	if err != nil {
		if r.Context().Err() == nil {
			status, body := describeError(w, r, err)
			_ = send(openAIErrorOf(status, body))
		}
		return
	}
	stop := "stop"
	if send(piece(chunkDelta{}, &stop)) != nil {
		return
	}
	if includeUsage {
		if send(chunk{ID: m.id, Object: "chat.completion.chunk", Created: m.created, Model: m.model,
			Choices: []chunkChoice{}, Usage: &usage}) != nil {
			return
		}
	}
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	_ = rc.Flush()
}

// answerCompletion answers with the reply: streamed when the request asked, else as one
// chat.completion once produce has written it.
func answerCompletion(w http.ResponseWriter, r *http.Request, in completionRequest, m completionMeta, produce produceFunc) {
	// The reply may take longer than a response may (HTTP_WRITE_TIMEOUT): the reply's own budget
	// bounds it.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	if in.Stream {
		streamCompletion(w, r, m, in.StreamOptions != nil && in.StreamOptions.IncludeUsage, produce)
		return
	}
	final, usage, err := produce(func(string) error { return nil })
	if err != nil {
		writeOpenAIError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, completion{ID: m.id, Object: "chat.completion", Created: m.created, Model: m.model,
		Choices: []completionChoice{{Message: completionMessage{Role: "assistant", Content: final}, FinishReason: "stop"}},
		Usage:   usage})
}
