-- A room's conversation: the messages of its people and companions (the author's name kept as it was
-- when they wrote), each companion's scene in the room (NULL: it starts from its profile's starting
-- scene), and turns that answer in a room rather than in a companion's own chat. A room turn answers a
-- room message (room_message_id) instead of a chat message (user_message_id): exactly one is set.
-- SQLite cannot drop NOT NULL from a column, so turns is rebuilt (nothing references it).

-- +goose Up
CREATE TABLE room_messages (
    id                      TEXT PRIMARY KEY,
    room_id                 TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    role                    TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system_event')),
    -- A person's message: its author. A companion's: the companion and the turn that wrote it.
    author_id               TEXT REFERENCES users (id) ON DELETE CASCADE,
    companion_id            TEXT REFERENCES companions (id) ON DELETE CASCADE,
    author_name             TEXT NOT NULL,
    text                    TEXT NOT NULL,
    reply_to                TEXT REFERENCES room_messages (id) ON DELETE SET NULL,
    turn_id                 TEXT,
    scene                   TEXT,
    -- A reply's picture (an entry of the turn's person's gallery: picture_id, no foreign key, as on
    -- messages) and voice; everyone in the room may open them.
    image_key               TEXT,
    image_content_type      TEXT,
    image_bytes             INTEGER,
    image_width             INTEGER,
    image_height            INTEGER,
    picture_id              TEXT,
    audio_key               TEXT,
    idempotency_key         TEXT,
    idempotency_fingerprint TEXT,
    created_at              TEXT NOT NULL,
    CHECK ((author_id IS NULL) <> (companion_id IS NULL))
) STRICT;
CREATE INDEX room_messages_history ON room_messages (room_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX room_messages_turn ON room_messages (turn_id) WHERE turn_id IS NOT NULL;
CREATE UNIQUE INDEX room_messages_idempotency ON room_messages (author_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX room_messages_author ON room_messages (author_id) WHERE author_id IS NOT NULL;
CREATE INDEX room_messages_companion ON room_messages (companion_id) WHERE companion_id IS NOT NULL;
CREATE INDEX room_messages_reply_to ON room_messages (reply_to) WHERE reply_to IS NOT NULL;
-- /media: may this person open this file? A room's picture or voice, when they are in its room.
CREATE INDEX room_messages_image ON room_messages (image_key) WHERE image_key IS NOT NULL;
CREATE INDEX room_messages_audio ON room_messages (audio_key) WHERE audio_key IS NOT NULL;

ALTER TABLE room_companions ADD COLUMN scene TEXT;

CREATE TABLE turns_new (
    id                      TEXT PRIMARY KEY,
    owner_id                TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    companion_id            TEXT NOT NULL REFERENCES companions (id) ON DELETE CASCADE,
    user_message_id         TEXT REFERENCES messages (id) ON DELETE CASCADE,
    room_id                 TEXT REFERENCES rooms (id) ON DELETE CASCADE,
    room_message_id         TEXT REFERENCES room_messages (id) ON DELETE CASCADE,
    idempotency_key         TEXT,
    deep_think              INTEGER NOT NULL DEFAULT 0,
    want_image              INTEGER NOT NULL DEFAULT 0,
    want_voice              INTEGER NOT NULL DEFAULT 0,
    regenerate              INTEGER NOT NULL DEFAULT 0,
    status                  TEXT NOT NULL,
    progress                INTEGER NOT NULL DEFAULT 0,
    error_code              TEXT NOT NULL DEFAULT '',
    error_message           TEXT NOT NULL DEFAULT '',
    reply_id                TEXT,
    cancel_requested        INTEGER NOT NULL DEFAULT 0,
    lease_until             TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    idempotency_fingerprint TEXT,
    reply_draft             TEXT,
    reply_draft_attempt     INTEGER,
    sampling                TEXT,
    CHECK ((user_message_id IS NULL) <> (room_message_id IS NULL)),
    CHECK ((room_id IS NULL) = (room_message_id IS NULL))
) STRICT;
INSERT INTO turns_new (id, owner_id, companion_id, user_message_id, idempotency_key, deep_think, want_image,
    want_voice, regenerate, status, progress, error_code, error_message, reply_id, cancel_requested, lease_until,
    created_at, updated_at, idempotency_fingerprint, reply_draft, reply_draft_attempt, sampling)
SELECT id, owner_id, companion_id, user_message_id, idempotency_key, deep_think, want_image,
    want_voice, regenerate, status, progress, error_code, error_message, reply_id, cancel_requested, lease_until,
    created_at, updated_at, idempotency_fingerprint, reply_draft, reply_draft_attempt, sampling FROM turns;
DROP TABLE turns;
ALTER TABLE turns_new RENAME TO turns;
CREATE UNIQUE INDEX turns_idempotency_idx ON turns (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX turns_unfinished_idx ON turns (lease_until) WHERE status NOT IN ('completed', 'failed', 'cancelled');
CREATE INDEX turns_companion_idx ON turns (companion_id, created_at DESC);
-- Active: does a companion have an unfinished turn of its own chat? One probe.
CREATE INDEX turns_active_idx ON turns (companion_id) WHERE status NOT IN ('completed', 'failed', 'cancelled') AND room_id IS NULL;
CREATE INDEX turns_user_message_idx ON turns (user_message_id) WHERE user_message_id IS NOT NULL;
CREATE INDEX turns_room_idx ON turns (room_id, created_at DESC) WHERE room_id IS NOT NULL;
CREATE INDEX turns_room_message_idx ON turns (room_message_id) WHERE room_message_id IS NOT NULL;

-- +goose Down
CREATE TABLE turns_old (
    id                      TEXT PRIMARY KEY,
    owner_id                TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    companion_id            TEXT NOT NULL REFERENCES companions (id) ON DELETE CASCADE,
    user_message_id         TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    idempotency_key         TEXT,
    deep_think              INTEGER NOT NULL DEFAULT 0,
    want_image              INTEGER NOT NULL DEFAULT 0,
    want_voice              INTEGER NOT NULL DEFAULT 0,
    regenerate              INTEGER NOT NULL DEFAULT 0,
    status                  TEXT NOT NULL,
    progress                INTEGER NOT NULL DEFAULT 0,
    error_code              TEXT NOT NULL DEFAULT '',
    error_message           TEXT NOT NULL DEFAULT '',
    reply_id                TEXT,
    cancel_requested        INTEGER NOT NULL DEFAULT 0,
    lease_until             TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    idempotency_fingerprint TEXT,
    reply_draft             TEXT,
    reply_draft_attempt     INTEGER,
    sampling                TEXT
) STRICT;
INSERT INTO turns_old (id, owner_id, companion_id, user_message_id, idempotency_key, deep_think, want_image,
    want_voice, regenerate, status, progress, error_code, error_message, reply_id, cancel_requested, lease_until,
    created_at, updated_at, idempotency_fingerprint, reply_draft, reply_draft_attempt, sampling)
SELECT id, owner_id, companion_id, user_message_id, idempotency_key, deep_think, want_image,
    want_voice, regenerate, status, progress, error_code, error_message, reply_id, cancel_requested, lease_until,
    created_at, updated_at, idempotency_fingerprint, reply_draft, reply_draft_attempt, sampling
FROM turns WHERE room_id IS NULL;
DROP TABLE turns;
ALTER TABLE turns_old RENAME TO turns;
CREATE UNIQUE INDEX turns_idempotency_idx ON turns (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX turns_unfinished_idx ON turns (lease_until) WHERE status NOT IN ('completed', 'failed', 'cancelled');
CREATE INDEX turns_companion_idx ON turns (companion_id, created_at DESC);
CREATE INDEX turns_active_idx ON turns (companion_id) WHERE status NOT IN ('completed', 'failed', 'cancelled');
CREATE INDEX turns_user_message_idx ON turns (user_message_id);
ALTER TABLE room_companions DROP COLUMN scene;
DROP TABLE room_messages;
