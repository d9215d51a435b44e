package providerhttp

import (
	"regexp"
	"strings"
)

// redacted is what a secret is replaced with.
const redacted = "[REDACTED]"

// Redactor removes an adapter's secrets from provider text before it goes into an error's cause
// (and so the log): servers and proxies may quote the credentials they were sent, OpenAI's 401
// partly masked, others not at all. The zero value removes nothing.
type Redactor struct {
	r *strings.Replacer
}

// NewRedactor returns a Redactor for secrets; empty ones are skipped. Where secrets overlap, the
// earlier one is replaced first (pass a whole key before a part of it).
func NewRedactor(secrets ...string) Redactor {
	var pairs []string
	for _, s := range secrets {
		if s != "" {
			pairs = append(pairs, s, redacted)
		}
	}
	if pairs == nil {
		return Redactor{}
	}
	return Redactor{r: strings.NewReplacer(pairs...)}
}

// Redact returns s with every secret replaced by "[REDACTED]".
func (r Redactor) Redact(s string) string {
	if r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// keyLike matches bearer credentials and the key formats of OpenAI-style providers (sk-, pk-,
// rk-, nv-), masked ones included.
var keyLike = regexp.MustCompile(`(?i)(bearer\s+\S+|\b(sk|pk|rk|nv)-[A-Za-z0-9_*.\-]{6,})`)

// RedactTokens returns s with whatever looks like a bearer credential or an API key replaced by
// "[REDACTED]", so that a key other than the adapter's own (a proxy's, a masked one) does not reach
// the log either.
func RedactTokens(s string) string { return keyLike.ReplaceAllString(s, redacted) }
