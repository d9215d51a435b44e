-- An Idempotency-Key answers a retry of the request that used it, never another request: the turn
-- keeps a fingerprint of that request (SHA-256, hex) beside the key, so a different request under
-- the same key is refused. A key older than chat.IdempotencyKeyTTL is released (set to NULL) when
-- it is used again. Turns keyed before this migration have no fingerprint and keep the old rule.

-- +goose Up
ALTER TABLE turns ADD COLUMN idempotency_fingerprint text;

-- +goose Down
ALTER TABLE turns DROP COLUMN idempotency_fingerprint;
