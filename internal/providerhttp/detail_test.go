package providerhttp_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/internal/providerhttp"
)

func TestParseDetail(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]providerhttp.Detail{
		// OpenAI's shape, with null and numeric codes.
		`{"error":{"message":"m","type":"t","code":"c","param":"size"}}`: {Message: "m", Type: "t", Code: "c", Param: "size"},
		`{"error":{"message":"m","type":"t","code":null,"param":null}}`:  {Message: "m", Type: "t"},
		`{"error":{"message":"m","code":429}}`:                           {Message: "m", Code: "429"},
		// Ollama's plain string, vLLM's top-level fields.
		`{"error":"model not found"}`:                         {Message: "model not found"},
		`{"message":"m","type":"BadRequestError","code":400}`: {Message: "m", Type: "BadRequestError", Code: "400"},
		// Not the shape: kept raw only.
		`<html>bad gateway</html>`: {},
		`{"type":7}`:               {},
	} {
		want.Raw = body
		assert.Equal(t, want, providerhttp.ParseDetail([]byte(body)), body)
	}

	long := providerhttp.ParseDetail([]byte(strings.Repeat("x", 400)))
	assert.Equal(t, strings.Repeat("x", 300)+"…", long.Raw, "the raw body is cut")
	assert.Equal(t, "a\uFFFDb", providerhttp.ParseDetail([]byte("a\xffb")).Raw, "and made valid UTF-8")
}

func TestDetailString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `type="t" code="c" message="m"`, providerhttp.Detail{Message: "m", Type: "t", Code: "c"}.String())
	assert.Equal(t, `type="t" code="c" param="size" message="m"`,
		providerhttp.Detail{Message: "m", Type: "t", Code: "c", Param: "size"}.String())
	assert.Equal(t, `body "<html>"`, providerhttp.Detail{Raw: "<html>"}.String())
}

func TestDetailMentions(t *testing.T) {
	t.Parallel()
	d := providerhttp.Detail{Type: "invalid_request_error", Code: "Content_Policy_Violation"}
	assert.True(t, d.Mentions("moderation_blocked", "content_policy"))
	assert.False(t, d.Mentions("content_filter"))
	assert.True(t, providerhttp.Detail{Type: "ContentFilter"}.Mentions("contentfilter"), "the type counts too")
	assert.False(t, providerhttp.Detail{Message: "content_filter"}.Mentions("content_filter"), "the message does not")
}
