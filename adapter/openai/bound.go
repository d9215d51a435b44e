package openai

import (
	"errors"
	"io"
	"net/http"

	"github.com/openai/openai-go/v3/option"
)

// maxAnswer bounds what is read of a whole answer and of an error's body. The SDK reads those
// whole, whatever their size, so a server that answers without end (a runaway model, a broken
// proxy) would otherwise have the hub hold all of it in memory; what the hub asks for whole (an
// analysis, an extraction, a plan, a summary) is a few kilobytes. A stream's body is read here,
// a line at a time, under maxEventLine.
const maxAnswer = 8 << 20

var errAnswerTooLarge = errors.New("openai: the answer is longer than 8 MiB")

// boundAnswers caps the body the SDK reads: a whole answer's, or when streaming only an error's
// (a successful stream is handed over unread). Beyond the cap reading fails with
// errAnswerTooLarge, which fail reports as llm_bad_response.
func boundAnswers(stream bool) option.RequestOption {
	return option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		resp, err := next(req)
		if resp != nil && resp.Body != nil && (!stream || resp.StatusCode >= 400) {
			resp.Body = &boundedBody{rc: resp.Body, left: maxAnswer}
		}
		return resp, err
	})
}

// boundedBody reads at most left bytes of rc; one more is errAnswerTooLarge.
type boundedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errAnswerTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }
