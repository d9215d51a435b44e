package openaiimages

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/companionhub/companionhub/internal/providerhttp"
)

// The bounds of what the service may send. A GPT image model's largest PNG is some 15 MB, a third
// more in base64; anything far beyond is not a picture worth reading into memory.
const (
	maxAnswerBytes  = 64 << 20 // the JSON answer, base64 picture included
	maxPictureBytes = 48 << 20 // the picture a url answer points at
)

// datum is the one picture of an answer: its bytes in base64, or where to fetch them.
type datum struct {
	B64JSON string `json:"b64_json"`
	URL     string `json:"url"`
}

// readAnswer reads a successful answer: JSON, within maxAnswerBytes, with a picture in data[0].
func readAnswer(resp *http.Response) (datum, error) {
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil ||
		(mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return datum{}, errBadResponse.Wrap(fmt.Errorf("openaiimages: the answer is %q, not JSON", resp.Header.Get("Content-Type")))
	}
	raw, err := readBounded(resp.Body, maxAnswerBytes)
	if err != nil {
		return datum{}, err
	}
	var a struct {
		Data []datum `json:"data"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return datum{}, errBadResponse.Wrap(fmt.Errorf("openaiimages: decode the answer: %w", err))
	}
	if len(a.Data) == 0 || (a.Data[0].B64JSON == "" && a.Data[0].URL == "") {
		return datum{}, errBadResponse.Wrap(errors.New("openaiimages: the answer holds no picture"))
	}
	return a.Data[0], nil
}

// decodeBase64 decodes a b64_json picture. Some compatible servers send a data URL; its prefix
// is skipped.
func decodeBase64(s string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		_, s, _ = strings.Cut(rest, ",")
	}
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errBadResponse.Wrap(fmt.Errorf("openaiimages: decode b64_json: %w", err))
	}
	return data, nil
}

// fetch downloads the picture of a url answer, with a client that reaches the API's own host, and
// other hosts only at public addresses or those allowed (Config.FetchAllow). The key goes only to the
// API's own scheme and host: OpenAI's URLs are pre-signed ones on its storage's host, which must
// not see it, while servers that keep files themselves may want it. A relative URL is resolved
// against the API's scheme and host. Neither the URL nor its signature reaches an error.
func (g *Generator) fetch(ctx context.Context, raw string) ([]byte, error) {
	u, err := g.origin.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errBadResponse.Wrap(errors.New("openaiimages: the answer's url is not an http(s) URL"))
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, errBadResponse.Wrap(errors.New("openaiimages: the answer's url cannot be requested"))
	}
	hreq.Header.Set("Accept", "image/png, image/jpeg, image/webp")
	if sameOrigin(u, g.origin) {
		providerhttp.SetBearer(hreq.Header, g.key)
	}
	resp, err := g.files.Do(hreq)
	if errors.Is(err, providerhttp.ErrNotPublic) {
		return nil, errURLRefused.Wrap(errors.New("openaiimages: the answer's url is on a host that is not public (allow it with FetchAllow)"))
	}
	if err != nil {
		return nil, fmt.Errorf("openaiimages: fetch the picture: %w", providerhttp.WithoutURL(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, rateLimited(providerhttp.RetryAfterMs(resp.Header, time.Now()), fmt.Errorf("openaiimages: fetch the picture: HTTP %d", resp.StatusCode))
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// An expired or missing file: drawing again is the only way to a picture.
		return nil, errUnavailable.Wrap(fmt.Errorf("openaiimages: fetch the picture: HTTP %d", resp.StatusCode))
	}
	return readBounded(resp.Body, maxPictureBytes)
}

// sameOrigin reports whether u has the scheme and host (port included) of origin.
func sameOrigin(u, origin *url.URL) bool {
	return strings.EqualFold(u.Scheme, origin.Scheme) && strings.EqualFold(u.Host, origin.Host)
}

// readBounded reads r whole, failing with errBadResponse when it holds more than limit bytes.
// Errors of the read itself are returned as they are, for fail to classify.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	data, err := providerhttp.ReadAll(r, limit)
	if errors.Is(err, providerhttp.ErrTooLarge) {
		return nil, errBadResponse.Wrap(fmt.Errorf("openaiimages: the answer is larger than %d MiB", limit>>20))
	}
	return data, err
}
