package a1111

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/companionhub/companionhub/internal/providerhttp"
)

// Bounds on what is read of an answer. A picture of 2048² is at most 16 MiB of pixels, a third
// more in base64; anything past maxAnswer is not a picture the adapter asked for.
const (
	maxAnswer = 64 << 20
	maxList   = 4 << 20
	maxDetail = 4 << 10 // of an error body, for the log
)

// statusError is an answer with an error status, kept raw until fail classifies it.
type statusError struct {
	path   string
	code   int
	header http.Header
	body   []byte
}

func (e *statusError) Error() string { return fmt.Sprintf("%s: HTTP %d", e.path, e.code) }

// call sends a request to path under the base URL, with in as its JSON body when not nil, and
// decodes a successful answer of at most limit bytes into out. Its errors are raw — transport
// errors, *statusError, JSON errors, providerhttp.ErrTooLarge — for fail to classify.
func (c *Client) call(ctx context.Context, method, path string, in, out any, limit int64) error {
	req, err := providerhttp.NewJSONRequest(ctx, method, c.base+path, in)
	if err != nil {
		return fmt.Errorf("build %s request: %w", path, err)
	}
	c.auth(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		detail, _ := io.ReadAll(io.LimitReader(resp.Body, maxDetail))
		return &statusError{path: path, code: resp.StatusCode, header: resp.Header, body: detail}
	}
	data, err := providerhttp.ReadAll(resp.Body, limit)
	switch {
	case errors.Is(err, providerhttp.ErrTooLarge):
		return fmt.Errorf("%s: %w", path, err)
	case err != nil:
		return fmt.Errorf("read %s answer: %w", path, err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode %s answer: %w", path, err)
	}
	return nil
}
