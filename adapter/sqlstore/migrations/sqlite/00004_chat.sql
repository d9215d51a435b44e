-- +goose Up
CREATE TABLE messages (
    id                  TEXT PRIMARY KEY,
    companion_id        TEXT NOT NULL REFERENCES companions (id) ON DELETE CASCADE,
    role                TEXT NOT NULL,
    text                TEXT NOT NULL,
    -- The user message an assistant reply answers; its alternatives share it.
    reply_to            TEXT REFERENCES messages (id) ON DELETE CASCADE,
    -- The turn that wrote a reply: one reply per turn, which makes saving it idempotent.
    turn_id             TEXT,
    selected            INTEGER NOT NULL DEFAULT 1,
    hidden              INTEGER NOT NULL DEFAULT 0,
    scene               TEXT,
    image_key           TEXT,
    image_content_type  TEXT,
    image_bytes         INTEGER,
    image_width         INTEGER,
    image_height        INTEGER,
    audio_key           TEXT,
    created_at          TEXT NOT NULL,
    edited_at           TEXT
) STRICT;
CREATE UNIQUE INDEX messages_turn_idx ON messages (turn_id) WHERE turn_id IS NOT NULL;
CREATE INDEX messages_history_idx ON messages (companion_id, created_at DESC, id DESC) WHERE selected = 1;
CREATE INDEX messages_reply_to_idx ON messages (reply_to) WHERE reply_to IS NOT NULL;

CREATE TABLE turns (
    id               TEXT PRIMARY KEY,
    owner_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    companion_id     TEXT NOT NULL REFERENCES companions (id) ON DELETE CASCADE,
    user_message_id  TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    idempotency_key  TEXT,
    deep_think       INTEGER NOT NULL DEFAULT 0,
    want_image       INTEGER NOT NULL DEFAULT 0,
    want_voice       INTEGER NOT NULL DEFAULT 0,
    regenerate       INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL,
    progress         INTEGER NOT NULL DEFAULT 0,
    error_code       TEXT NOT NULL DEFAULT '',
    error_message    TEXT NOT NULL DEFAULT '',
    reply_id         TEXT,
    -- Set by POST /turns/{id}/cancel; whichever process runs the turn stops at its next check.
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    -- The runner running the turn renews this; a turn whose lease ran out lost its runner (a crash,
    -- a restart) and is failed by the next runner that looks.
    lease_until      TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX turns_idempotency_idx ON turns (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX turns_unfinished_idx ON turns (lease_until) WHERE status NOT IN ('completed', 'failed', 'cancelled');
CREATE INDEX turns_companion_idx ON turns (companion_id, created_at DESC);
-- Active: does a companion have an unfinished turn? Only those are indexed, so the answer is one probe.
CREATE INDEX turns_active_idx ON turns (companion_id) WHERE status NOT IN ('completed', 'failed', 'cancelled');
-- Deleting a message cascades to the turns that answer it; without this every delete scans all turns.
CREATE INDEX turns_user_message_idx ON turns (user_message_id);

-- +goose Down
DROP TABLE turns;
DROP TABLE messages;
