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
