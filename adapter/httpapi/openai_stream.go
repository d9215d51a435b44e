package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
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

// stream answers with the reply as it is written, as OpenAI streams: a first chunk with the role,
// one per piece of text, one with finish_reason "stop", the usage when asked for, then
// "data: [DONE]". A turn that fails after the stream began ends it with an error event in
// OpenAI's shape instead. A client that goes away stops only this stream: the reply is written
// and saved regardless.
func (f replyFollower) stream(w http.ResponseWriter, r *http.Request, includeUsage bool) {
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
		return chunk{ID: f.id(), Object: "chat.completion.chunk", Created: f.created, Model: f.model,
			Choices: []chunkChoice{{Delta: d, FinishReason: finish}}}
	}
	empty := ""
	if send(piece(chunkDelta{Role: "assistant", Content: &empty}, nil)) != nil {
		return
	}
	final, err := f.follow(r, func(text string) error { return send(piece(chunkDelta{Content: &text}, nil)) })
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
		u := f.usage(final)
		if send(chunk{ID: f.id(), Object: "chat.completion.chunk", Created: f.created, Model: f.model,
			Choices: []chunkChoice{}, Usage: &u}) != nil {
			return
		}
	}
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	_ = rc.Flush()
}
