package openaiembed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/usecase/memory"
)

// wireRequest is the body of POST embeddings. Only fields every server of the API knows are sent,
// and dimensions only when configured (models without shortening refuse it).
type wireRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format"`
	Dimensions     int      `json:"dimensions,omitempty"`
}

// The bound of an answer: what a vector of maxDimensions takes in JSON at its longest (servers
// written in Python print a float32 as the float64 it converts to: up to 24 characters, and a
// comma), per text asked for, and room for the rest.
const (
	maxVectorBytes = maxDimensions * 25
	answerOverhead = 64 << 10
)

// wireAnswer is the part of a successful answer that is read; "object", "model" and "usage" are
// not needed.
type wireAnswer struct {
	Data []struct {
		Embedding []float32 `json:"embedding"`
		Index     *int      `json:"index"`
	} `json:"data"`
}

// request sends one request for texts and returns their vectors in order. Errors are classified
// when the answer says what went wrong (a status, an unreadable body); the others (transport,
// context) are left to fail.
func (e *Embedder) request(ctx context.Context, texts []string) ([]memory.Vector, error) {
	body := wireRequest{Model: e.model, Input: texts, EncodingFormat: "float", Dimensions: e.dimensions}
	hreq, err := providerhttp.NewJSONRequest(ctx, http.MethodPost, e.endpoint, body)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "openaiembed: build the request: %w", err)
	}
	providerhttp.SetBearer(hreq.Header, e.key)
	resp, err := e.hc.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, e.statusError(resp)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil ||
		(mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: the answer is %q, not JSON", resp.Header.Get("Content-Type")))
	}
	limit := int64(answerOverhead + len(texts)*maxVectorBytes)
	raw, err := providerhttp.ReadAll(resp.Body, limit)
	if errors.Is(err, providerhttp.ErrTooLarge) {
		return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: the answer to %d texts is larger than %d KiB", len(texts), limit>>10))
	}
	if err != nil {
		return nil, err
	}
	return vectors(raw, len(texts))
}

// vectors decodes an answer to n texts: the vectors put in order by their index, one per text,
// all of one length, finite and not all zero.
func vectors(raw []byte, n int) ([]memory.Vector, error) {
	var a wireAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: decode the answer: %w", err))
	}
	if len(a.Data) != n {
		return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: %d vectors for %d texts", len(a.Data), n))
	}
	out := make([]memory.Vector, n)
	for i, d := range a.Data {
		switch {
		case d.Index == nil:
			return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: vector %d has no index", i))
		case *d.Index < 0 || *d.Index >= n:
			return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: vector %d has index %d, of %d texts", i, *d.Index, n))
		case out[*d.Index] != nil:
			return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: two vectors have index %d", *d.Index))
		case len(d.Embedding) == 0 || len(d.Embedding) > maxDimensions:
			return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: vector %d has %d numbers", *d.Index, len(d.Embedding)))
		case len(d.Embedding) != len(a.Data[0].Embedding):
			return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: vector %d has %d numbers, vector %d %d",
				*d.Index, len(d.Embedding), *a.Data[0].Index, len(a.Data[0].Embedding)))
		case !usable(d.Embedding):
			return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: vector %d is all zero or not finite", *d.Index))
		}
		out[*d.Index] = d.Embedding
	}
	return out, nil
}

// usable reports whether v has a direction: finite, and not all zero (every cosine with a zero
// vector is undefined).
func usable(v memory.Vector) bool {
	zero := true
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
		zero = zero && x == 0
	}
	return !zero
}
