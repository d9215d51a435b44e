package openaiimages

import (
	"cmp"
	"context"
	"fmt"
	"image"
	"net/http"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/usecase/picture"
)

// wireRequest is the body of POST images/generations. Only fields every server of the API knows
// are sent; the port's steps, CFG scale, sampler, seed and reference pictures have no field in it,
// and the companion's rating is left to the service's own moderation.
type wireRequest struct {
	Model  string `json:"model"`
	Prompt string `json:"prompt"`
	N      int    `json:"n"`
	Size   string `json:"size"`
	// ResponseFormat is "b64_json" where the model accepts it, and absent otherwise.
	ResponseFormat string `json:"response_format,omitempty"`
}

// body is the request for req, at the size its model draws that suits want.
func (g *Generator) body(req picture.Request, want image.Point) wireRequest {
	model := cmp.Or(req.Model, g.model)
	fam := familyOf(model)
	size := fam.size(want)
	w := wireRequest{Model: model, Prompt: g.prompt(req), N: 1, Size: fmt.Sprintf("%dx%d", size.X, size.Y)}
	if fam.responseFormat {
		w.ResponseFormat = "b64_json"
	}
	return w
}

// prompt is the prompt sent: the request's, with its negative prompt as a last paragraph when
// the Generator appends them.
func (g *Generator) prompt(req picture.Request) string {
	neg := strings.TrimSpace(req.NegativePrompt)
	if g.negative != NegativeAppend || neg == "" {
		return req.Prompt
	}
	return strings.TrimRight(req.Prompt, " \n") + "\n\nAvoid: " + neg
}

// render sends the request and returns the picture's bytes, fetched when the answer is a URL.
// Errors are classified when the answer says what went wrong (a status, an unreadable body); the
// others (transport, context) are left to fail.
func (g *Generator) render(ctx context.Context, body wireRequest) ([]byte, error) {
	hreq, err := providerhttp.NewJSONRequest(ctx, http.MethodPost, g.endpoint, body)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "openaiimages: build the request: %w", err)
	}
	providerhttp.SetBearer(hreq.Header, g.key)
	resp, err := g.hc.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, g.statusError(resp)
	}
	a, err := readAnswer(resp)
	if err != nil {
		return nil, err
	}
	if a.B64JSON != "" {
		return decodeBase64(a.B64JSON)
	}
	return g.fetch(ctx, a.URL)
}
