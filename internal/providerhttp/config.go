package providerhttp

import (
	"net/url"
	"strings"

	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
)

// URLHints are the words an adapter's base-URL errors use, so that each message says what that
// provider's URL looks like.
type URLHints struct {
	// Want names what the URL is, for an empty one: "the web UI's root".
	Want string
	// Example is a URL that would do: "http://127.0.0.1:7860".
	Example string
	// Credentials says where credentials go instead of the URL: "put the key in LLM_API_KEY".
	Credentials string
}

// ParseBaseURL parses a provider's base URL and checks what every adapter asks of one: not
// empty, an absolute http(s) URL, without credentials (they belong in the API key, which errors
// redact), a query or a fragment (paths are joined to it). What else a provider's root must not
// hold (an endpoint's path) is the adapter's to check on the URL returned.
//
// Its errors are envflag field errors on "BaseURL", and never quote the URL, which could hold
// credentials.
func ParseBaseURL(raw string, h URLHints) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case strings.TrimSpace(raw) == "":
		return nil, envflag.Field("BaseURL", "is empty; want "+h.Want+", e.g. "+h.Example)
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, envflag.Field("BaseURL", "must be an absolute http(s) URL, e.g. "+h.Example)
	case u.User != nil:
		return nil, envflag.Field("BaseURL", "must not hold credentials; "+h.Credentials)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, envflag.Field("BaseURL", "must not have a query or fragment")
	}
	return u, nil
}

// CheckKey checks that an API key can be sent in a header: a key read from a file with a stray
// line break would corrupt it. Its error is an envflag field error on "APIKey".
func CheckKey(key secret.String) error {
	if strings.ContainsAny(key.Reveal(), "\r\n") {
		return envflag.Field("APIKey", "must be a single line")
	}
	return nil
}

// OpenAIRoot checks the base URL of an OpenAI-compatible API and returns its root, what every
// OpenAI-compatible adapter asks of it: base (empty: fallback, OpenAI's own) passes ParseBaseURL;
// it is the root, not the adapter's endpoint under it ("audio/speech"); OpenAI's own host gets
// a key, and the key is one line. A root without a path is "/v1" (https://api.openai.com,
// http://localhost:8880); one with a path is taken as it is (https://proxy.example/openai/v1).
// Errors are envflag field errors on "BaseURL" or "APIKey", and never quote the URL.
func OpenAIRoot(base, fallback string, key secret.String, endpoint string, h URLHints) (*url.URL, error) {
	raw := strings.TrimSpace(base)
	if raw == "" {
		raw = fallback
	}
	u, err := ParseBaseURL(raw, h)
	switch {
	case err != nil:
		return nil, err
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/"+endpoint):
		return nil, envflag.Field("BaseURL", "must be the API root without /"+endpoint+", e.g. https://api.openai.com/v1")
	case strings.EqualFold(u.Hostname(), "api.openai.com") && !key.IsSet():
		return nil, envflag.Field("APIKey", "is empty; OpenAI's API needs a key")
	}
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/v1"
	}
	return u, nil
}
