package providerhttp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/internal/providerhttp"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	var zero providerhttp.Redactor
	assert.Equal(t, "as it was", zero.Redact("as it was"), "the zero value removes nothing")
	assert.Equal(t, "key", providerhttp.NewRedactor("", "").Redact("key"), "empty secrets are skipped")

	r := providerhttp.NewRedactor("user:hunter2", "hunter2")
	assert.Equal(t, "auth [REDACTED] failed, [REDACTED] twice: [REDACTED]",
		r.Redact("auth user:hunter2 failed, user:hunter2 twice: hunter2"), "the whole key first, then its part")
}

func TestRedactTokens(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Incorrect API key provided: sk-proj-abc***xyz": "Incorrect API key provided: [REDACTED]",
		"header was Bearer abc.def":                     "header was [REDACTED]",
		"keys nv-123456 and RK-abcdefgh":                "keys [REDACTED] and [REDACTED]",
		"a task-abcdefgh and sk-12 stay":                "a task-abcdefgh and sk-12 stay",
	} {
		assert.Equal(t, want, providerhttp.RedactTokens(in), in)
	}
}
