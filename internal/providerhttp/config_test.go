package providerhttp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/secret"
)

var hints = providerhttp.URLHints{Want: "the root", Example: "http://127.0.0.1:1234", Credentials: "put the key in X_API_KEY"}

func TestParseBaseURL(t *testing.T) {
	t.Parallel()
	u, err := providerhttp.ParseBaseURL("https://gpu.example:8443/comfy/", hints)
	require.NoError(t, err)
	assert.Equal(t, "gpu.example:8443", u.Host)
	assert.Equal(t, "/comfy/", u.Path, "the path is the adapter's to check")

	for raw, want := range map[string]string{
		"":                                "BaseURL: is empty; want the root, e.g. http://127.0.0.1:1234",
		"  ":                              "BaseURL: is empty; want the root, e.g. http://127.0.0.1:1234",
		"127.0.0.1:1234":                  "BaseURL: must be an absolute http(s) URL, e.g. http://127.0.0.1:1234",
		"ftp://host":                      "BaseURL: must be an absolute http(s) URL, e.g. http://127.0.0.1:1234",
		"http://":                         "BaseURL: must be an absolute http(s) URL, e.g. http://127.0.0.1:1234",
		"http://a b\x7f":                  "BaseURL: must be an absolute http(s) URL, e.g. http://127.0.0.1:1234",
		"http://user:hunter2@host":        "BaseURL: must not hold credentials; put the key in X_API_KEY",
		"http://host/?key=hunter2":        "BaseURL: must not have a query or fragment",
		"http://host/#hunter2":            "BaseURL: must not have a query or fragment",
		"https://host/v1?api-key=hunter2": "BaseURL: must not have a query or fragment",
	} {
		_, err := providerhttp.ParseBaseURL(raw, hints)
		require.Error(t, err, raw)
		assert.Equal(t, want, err.Error(), raw)
		assert.NotContains(t, err.Error(), "hunter2", "the URL is never quoted")
	}
}

func TestCheckKey(t *testing.T) {
	t.Parallel()
	assert.NoError(t, providerhttp.CheckKey(""))
	assert.NoError(t, providerhttp.CheckKey("sk-abc:def"))
	for _, key := range []secret.String{"sk-abc\n", "a\rb"} {
		err := providerhttp.CheckKey(key)
		require.Error(t, err)
		assert.Equal(t, "APIKey: must be a single line", err.Error())
	}
}

func TestOpenAIRoot(t *testing.T) {
	t.Parallel()
	h := providerhttp.URLHints{Example: "https://api.openai.com/v1", Credentials: "put the key in X_API_KEY"}
	key := secret.String("sk-1")
	for base, want := range map[string]string{
		"":                                "https://api.openai.com/v1",
		"http://localhost:8880":           "http://localhost:8880/v1",
		"http://localhost:8880/":          "http://localhost:8880/v1",
		"https://proxy.example/openai/v1": "https://proxy.example/openai/v1",
	} {
		u, err := providerhttp.OpenAIRoot(base, "https://api.openai.com/v1", key, "audio/speech", h)
		require.NoError(t, err, base)
		require.Equal(t, want, u.String(), base)
	}
	for name, tc := range map[string]struct {
		base  string
		key   secret.String
		field string
	}{
		"the endpoint, not the root": {"http://localhost:8880/v1/audio/speech/", key, "BaseURL"},
		"OpenAI without a key":       {"https://api.openai.com/v1", "", "APIKey"},
		"a key of two lines":         {"http://localhost:8880", "sk\n1", "APIKey"},
		"not a URL":                  {"localhost", key, "BaseURL"},
	} {
		_, err := providerhttp.OpenAIRoot(tc.base, "https://api.openai.com/v1", tc.key, "audio/speech", h)
		require.Error(t, err, name)
		require.Contains(t, err.Error(), tc.field, name)
	}
}
