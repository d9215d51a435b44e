package zaplog

import (
	"bytes"

	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// Redacted replaces the value of every sensitive field.
const Redacted = secret.Redacted

// The rule behind IsSensitiveKey. Keys are first normalised the way header names, JSON fields and
// Go identifiers are usually spelt — "X-Api-Key", "apiKey", "APIKey" and "api_key" all become
// "api_key" — and then a key is sensitive when
//
//  1. it is one of logkey.Sensitive (password, token, cookie, authorization, api_key, secret,
//     message_text, email); or
//  2. its last word is one of sensitiveWords, or that word plus "s" — so refresh_token,
//     client_secret, set_cookie, proxy_authorization, user_email, reply_text and emails are
//     hidden; except "tokens", which in this code base counts LLM tokens (prompt_tokens,
//     max_tokens) and must stay visible; or
//  3. its last word is "key" and the word before it says the key is a credential (keyQualifiers):
//     api_key, x_api_key, access_key, private_key, signing_key — while blob_key, cache_key,
//     idempotency_key and object_key, which this project logs to trace data, stay visible.
//
// Looking at the last word only is deliberate: token_count, email_verified and password_changed_at
// describe a secret without containing it. Message text is covered by text, content (the field
// name of chat messages in provider APIs) and prompt (image and LLM prompts are built from it).
var (
	sensitiveWords = set("password", "passwd", "passphrase", "secret", "token", "cookie",
		"authorization", "apikey", "credential", "dsn", "email", "text", "content", "prompt")
	keyQualifiers = set("api", "access", "secret", "private", "signing", "encryption", "auth",
		"session", "client", "master", "hmac")
	exactKeys = func() map[string]bool {
		m := map[string]bool{}
		for _, k := range logkey.Sensitive {
			m[string(normalizeKey(nil, k))] = true
		}
		return m
	}()
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// IsSensitiveKey reports whether the value of a field with this key must never be logged (see the
// rule above). It is exported so that other code that writes structured data — audit details, an
// error reporter — can apply the same rule.
func IsSensitiveKey(key string) bool {
	var buf [64]byte
	n := normalizeKey(buf[:0], key)
	if len(n) == 0 {
		return false
	}
	if exactKeys[string(n)] {
		return true
	}
	last, before := n, []byte(nil)
	if i := bytes.LastIndexByte(n, '_'); i >= 0 {
		last, before = n[i+1:], n[:i]
		if j := bytes.LastIndexByte(before, '_'); j >= 0 {
			before = before[j+1:]
		}
	}
	switch {
	case sensitiveWords[string(last)]:
		return true
	case len(last) > 1 && last[len(last)-1] == 's' && string(last) != "tokens" &&
		sensitiveWords[string(last[:len(last)-1])]:
		return true
	case string(last) == "key":
		return keyQualifiers[string(before)]
	}
	return false
}

// normalizeKey appends key to dst in lower snake case: a word boundary before an upper-case
// letter that follows a lower-case letter or digit, or that starts a word after an acronym
// ("APIKey" → api_key); every run of other characters becomes one "_".
func normalizeKey(dst []byte, key string) []byte {
	sep := func() {
		if len(dst) > 0 && dst[len(dst)-1] != '_' {
			dst = append(dst, '_')
		}
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case isUpper(c):
			if i > 0 && (isLower(key[i-1]) || isDigit(key[i-1]) ||
				isUpper(key[i-1]) && i+1 < len(key) && isLower(key[i+1])) {
				sep()
			}
			dst = append(dst, c+'a'-'A')
		case isLower(c) || isDigit(c):
			dst = append(dst, c)
		default:
			sep()
		}
	}
	if len(dst) > 0 && dst[len(dst)-1] == '_' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
