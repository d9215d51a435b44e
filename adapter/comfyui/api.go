package comfyui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/companionhub/companionhub/internal/providerhttp"
)

// The operations, as errors name them.
const (
	opPrompt     = "POST /prompt"
	opHistory    = "GET /history"
	opView       = "GET /view"
	opObjectInfo = "GET /object_info/KSampler"
)

// Bounds on what the adapter reads, so a broken server or proxy cannot make it buffer without
// end. History echoes the whole graph (avatars included, with non-ASCII escaped as \uXXXX), so
// its bound grows with what was sent.
const (
	maxAnswer     = 4 << 20  // /prompt, /object_info, error bodies
	maxImage      = 64 << 20 // a 2048² PNG is at most ~16 MiB
	historyFactor = 3
)

// response is an HTTP answer read whole (up to a bound).
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request and reads its answer, up to limit bytes (more is a bad answer). parent is
// the caller's context and ctx the call's (with the adapter's Timeout); a request that gets no
// answer fails with a mapped error, while an error status is returned as it is, for the caller
// to map.
func (c *Client) do(parent, ctx context.Context, op, method, path string, query url.Values, body []byte, limit int64) (*response, error) {
	u := c.base.JoinPath(path)
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, errUnavailable.Wrap(fmt.Errorf("comfyui: %s: build the request: %w", op, err))
	}
	req.Header = c.header()
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, transportError(parent, ctx, op, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 {
		limit = maxAnswer
	}
	data, err := providerhttp.ReadAll(resp.Body, limit)
	switch {
	case errors.Is(err, providerhttp.ErrTooLarge) && resp.StatusCode >= 300:
		// An error body is only quoted: its start will do.
	case errors.Is(err, providerhttp.ErrTooLarge):
		return nil, errBadResponse.Wrap(fmt.Errorf("comfyui: %s: the answer is larger than %d bytes", op, limit))
	case err != nil:
		return nil, transportError(parent, ctx, op, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// header is what every request carries: the bearer token when a key is set.
func (c *Client) header() http.Header {
	h := http.Header{}
	providerhttp.SetBearer(h, c.apiKey)
	return h
}

// queue posts the graph and returns its prompt id. requested are the names the request chose
// (sampler, model), which make a refusal the caller's fault rather than the configuration's.
func (c *Client) queue(parent, ctx context.Context, body []byte, requested []string) (string, error) {
	resp, err := c.do(parent, ctx, opPrompt, http.MethodPost, "prompt", nil, body, maxAnswer)
	if err != nil {
		return "", err
	}
	if resp.status != http.StatusOK {
		return "", c.statusError(opPrompt, resp, requested)
	}
	var v struct {
		PromptID string `json:"prompt_id"`
	}
	if err := json.Unmarshal(resp.body, &v); err != nil || v.PromptID == "" {
		return "", errBadResponse.Wrap(fmt.Errorf("comfyui: %s: no prompt_id in %s (%v)", opPrompt, excerpt(resp.body), err))
	}
	return v.PromptID, nil
}

// history returns the prompt's history entry, and false while there is none (ComfyUI adds it
// when the prompt has ended, whether it succeeded or failed).
func (c *Client) history(parent, ctx context.Context, promptID string, sent int) (entry, bool, error) {
	limit := int64(historyFactor*sent + maxAnswer)
	resp, err := c.do(parent, ctx, opHistory, http.MethodGet, "history/"+url.PathEscape(promptID), nil, nil, limit)
	if err != nil {
		return entry{}, false, err
	}
	if resp.status != http.StatusOK {
		return entry{}, false, c.statusError(opHistory, resp, nil)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(resp.body, &all); err != nil {
		return entry{}, false, errBadResponse.Wrap(fmt.Errorf("comfyui: %s: %w", opHistory, err))
	}
	raw, ok := all[promptID]
	if !ok {
		return entry{}, false, nil
	}
	var e entry
	if err := json.Unmarshal(raw, &e); err != nil {
		return entry{}, false, errBadResponse.Wrap(fmt.Errorf("comfyui: %s: %w", opHistory, err))
	}
	return e, true, nil
}

// view fetches an output file's bytes.
func (c *Client) view(parent, ctx context.Context, img imageRef) ([]byte, error) {
	q := url.Values{"filename": {img.Filename}, "subfolder": {img.Subfolder}, "type": {img.Type}}
	resp, err := c.do(parent, ctx, opView, http.MethodGet, "view", q, nil, maxImage)
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusOK {
		return nil, c.statusError(opView, resp, nil)
	}
	if len(resp.body) == 0 {
		return nil, errBadResponse.Wrap(fmt.Errorf("comfyui: %s: an empty file", opView))
	}
	return resp.body, nil
}

// forget removes an abandoned prompt from the queue and, if it had started, interrupts it. It is
// best effort — the caller has already given up — and its errors are dropped.
func (c *Client) forget(ctx context.Context, promptID string, started bool) {
	post := func(path string, v any) {
		body, _ := json.Marshal(v)
		_, _ = c.do(ctx, ctx, "POST /"+path, http.MethodPost, path, nil, body, maxAnswer)
	}
	post("queue", map[string]any{"delete": []string{promptID}})
	if started {
		post("interrupt", map[string]any{"prompt_id": promptID})
	}
}

// Samplers lists the sampler names the server's KSampler takes (GET /object_info/KSampler,
// input.required.sampler_name), so a caller can check a name before asking for a picture. Errors
// are mapped as Generate's are.
func (c *Client) Samplers(ctx context.Context) ([]string, error) {
	callCtx, cancel := context.WithTimeoutCause(ctx, c.timeout, errTimeout)
	defer cancel()
	resp, err := c.do(ctx, callCtx, opObjectInfo, http.MethodGet, "object_info/KSampler", nil, nil, maxAnswer)
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusOK {
		return nil, c.statusError(opObjectInfo, resp, nil)
	}
	names, err := samplerNames(resp.body)
	if err != nil {
		return nil, errBadResponse.Wrap(fmt.Errorf("comfyui: %s: %w", opObjectInfo, err))
	}
	return names, nil
}

// samplerNames reads sampler_name's options in both shapes ComfyUI describes a list in: the
// classic [["euler", …], {…}] and the newer ["COMBO", {"options": ["euler", …]}].
func samplerNames(body []byte) ([]string, error) {
	var info map[string]struct {
		Input struct {
			Required map[string][]json.RawMessage `json:"required"`
		} `json:"input"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, err
	}
	spec := info["KSampler"].Input.Required["sampler_name"]
	if len(spec) == 0 {
		return nil, errors.New("no KSampler sampler_name input")
	}
	var names []string
	if json.Unmarshal(spec[0], &names) == nil && len(names) > 0 {
		return names, nil
	}
	var kind string
	if json.Unmarshal(spec[0], &kind) == nil && strings.EqualFold(kind, "COMBO") && len(spec) > 1 {
		var opts struct {
			Options []string `json:"options"`
		}
		if json.Unmarshal(spec[1], &opts) == nil && len(opts.Options) > 0 {
			return opts.Options, nil
		}
	}
	return nil, errors.New("sampler_name lists no names")
}
