package providerhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/companionhub/companionhub/secret"
)

// NewJSONRequest builds a request that accepts JSON and, when in is not nil, sends in encoded
// as JSON. Its errors are raw (encoding in, or an unusable method or URL), for the adapter to
// classify.
func NewJSONRequest(ctx context.Context, method, url string, in any) (*http.Request, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// SetBearer sets "Authorization: Bearer key" on h when key is set, and nothing otherwise (local
// servers need no key).
func SetBearer(h http.Header, key secret.String) {
	if key.IsSet() {
		h.Set("Authorization", "Bearer "+key.Reveal())
	}
}

// ErrTooLarge is the cause of an answer longer than the adapter reads. A bound keeps a broken
// server or proxy from making an adapter buffer without end.
var ErrTooLarge = errors.New("the answer is longer than the adapter reads")

// ReadAll reads r whole when it holds at most limit bytes. A longer r fails with an error wrapping
// ErrTooLarge, and the first limit bytes, which are enough to quote an error body. An error of the
// read itself is returned as it is, for the adapter to classify.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return data[:limit], fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
	}
	return data, nil
}
