package imagesfake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The models the server knows by default: OpenAI's, each with the rules OpenAI applies to it, and
// CustomModel, which stands for the models of other servers speaking this API.
const (
	DallE2        = "dall-e-2"
	DallE3        = "dall-e-3"
	GPTImage1     = "gpt-image-1"
	GPTImage1Mini = "gpt-image-1-mini"
	GPTImage15    = "gpt-image-1.5"
	// CustomModel is not OpenAI's: like LocalAI's or a proxy's models it draws any size (sides of
	// 64–4096 pixels) and answers url by default, b64_json when asked.
	CustomModel = "local-image-model"
)

// DefaultModels are the models the server accepts unless WithModels says otherwise.
var DefaultModels = []string{DallE2, DallE3, GPTImage1, GPTImage1Mini, GPTImage15, CustomModel}

// rules is what the API accepts of one model.
type rules struct {
	// sizes are the accepted "WxH" values; nil accepts any WxH with sides of 64–4096.
	sizes []string
	// gpt: a GPT image model, which accepts "auto" sizes, refuses response_format, always answers
	// b64_json and reports usage, and whose refusals are moderation_blocked.
	gpt bool
	// maxN is the most images one request may ask for; maxPrompt the longest prompt, in characters.
	maxN, maxPrompt int
	// revises: the answer carries the prompt the model rewrote (DALL·E 3 does).
	revises bool
}

// rulesFor returns the rules of a model name: OpenAI's for its models (snapshots of the GPT image
// models included), the custom ones for any other.
func rulesFor(model string) rules {
	switch {
	case model == DallE2:
		return rules{sizes: []string{"256x256", "512x512", "1024x1024"}, maxN: 10, maxPrompt: 1000}
	case model == DallE3:
		return rules{sizes: []string{"1024x1024", "1792x1024", "1024x1792"}, maxN: 1, maxPrompt: 4000, revises: true}
	case strings.HasPrefix(model, "gpt-image-") || strings.HasPrefix(model, "chatgpt-image-"):
		return rules{sizes: []string{"1024x1024", "1536x1024", "1024x1536", "auto"}, gpt: true, maxN: 10, maxPrompt: 32000}
	default:
		return rules{maxN: 10, maxPrompt: 32000}
	}
}

// size checks a requested size and returns the pixels to draw, or the message of OpenAI's 400
// when the model does not draw it. An absent size is the model's default: 1024x1024 for OpenAI's,
// as for "auto".
func (r rules) size(s string) (w, h int, refusal string) {
	if s == "" || (s == "auto" && r.gpt) {
		return 1024, 1024, ""
	}
	if r.sizes != nil && !slices.Contains(r.sizes, s) {
		return 0, 0, fmt.Sprintf("Invalid value: '%s'. Supported values are: %s.", s, quoteList(r.sizes))
	}
	ws, hs, ok := strings.Cut(s, "x")
	w, errW := strconv.Atoi(ws)
	h, errH := strconv.Atoi(hs)
	if !ok || errW != nil || errH != nil || w < 64 || h < 64 || w > 4096 || h > 4096 {
		return 0, 0, fmt.Sprintf("Invalid value: '%s'. The size must be WIDTHxHEIGHT with sides of 64 to 4096 pixels.", s)
	}
	return w, h, ""
}

// quoteList writes values as OpenAI's messages do: 'a', 'b', and 'c'.
func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = "'" + v + "'"
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + ", and " + q[len(q)-1]
}

// knownParams are the request fields of the images API; OpenAI refuses any other with
// unknown_parameter, so a client sending one (a seed, a negative prompt) fails here as it would
// there.
var knownParams = []string{
	"prompt", "model", "n", "size", "response_format", "quality", "style", "user", "background",
	"moderation", "output_format", "output_compression", "partial_images", "stream", "safety_identifier",
}
