package zaplog_test

import (
	"testing"

	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/usecase/logkey"
)

func TestIsSensitiveKey(t *testing.T) {
	sensitive := append([]string{
		// spellings of logkey.Sensitive
		"PASSWORD", "Token", "api-key", "apiKey", "APIKey", "X-Api-Key", "X-API-KEY", "Authorization",
		"Proxy-Authorization", "Cookie", "Set-Cookie", "cookies", "messageText", "Email", "user.email",
		"emails",
		// rule 2: last word
		"new_password", "passwd", "passphrase", "refresh_token", "accessToken", "X-CSRF-Token",
		"id_token", "client_secret", "webhookSecret", "secrets", "credentials", "database_dsn",
		"reply_text", "text", "content", "prompt", "negative_prompt", "apikey", "x-apikey",
		// rule 3: credential keys
		"access_key", "AWS_SECRET_ACCESS_KEY", "secret_key", "private_key", "privateKey",
		"signing_key", "encryption_key", "auth_key", "session_key", "client_key", "master_key", "hmac_key",
	}, logkey.Sensitive...)
	for _, k := range sensitive {
		if !zaplog.IsSensitiveKey(k) {
			t.Errorf("IsSensitiveKey(%q) = false, want true", k)
		}
	}
	visible := []string{
		// every non-sensitive key in logkey
		logkey.RequestID, logkey.Method, logkey.Route, logkey.Path, logkey.Status, logkey.Duration,
		logkey.Bytes, logkey.ClientIP, logkey.UserAgent, logkey.UserID, logkey.SessionID,
		logkey.UseCase, logkey.Kind, logkey.Reason, logkey.Error, logkey.Panic, logkey.Stack,
		logkey.Rule, logkey.Component, logkey.Addr, logkey.Dialect, logkey.Migrations,
		logkey.Version, logkey.Count, logkey.Command, logkey.TurnID, logkey.Step, logkey.Attempt, logkey.Budget,
		// describe a secret without containing it
		"tokens", "prompt_tokens", "completionTokens", "max_tokens", "token_count", "token_type",
		"token_hash", "email_verified", "password_changed_at", "secret_version", "content_type",
		"Content-Length", "text_length", "cookie_name",
		// keys that are not credentials
		"key", "blob_key", "cache_key", "idempotency_key", "object_key", "image_key", "sort_key",
		"keys", "api", "",
		// near misses
		"tokenizer", "passwordless", "emailer", "contents_dir", "_", "-",
	}
	for _, k := range visible {
		if zaplog.IsSensitiveKey(k) {
			t.Errorf("IsSensitiveKey(%q) = true, want false", k)
		}
	}
}

func TestIsSensitiveKeyHandlesLongKeys(t *testing.T) {
	long := "a_very_long_key_name_that_does_not_fit_the_sixty_four_byte_stack_buffer_refresh_token"
	if !zaplog.IsSensitiveKey(long) {
		t.Errorf("IsSensitiveKey(%q) = false", long)
	}
}
