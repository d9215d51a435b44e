-- +goose Up
CREATE TABLE messages (
    id                  uuid PRIMARY KEY,
    companion_id        uuid NOT NULL REFERENCES companions (id) ON DELETE CASCADE,
    role                text NOT NULL,
    text                text NOT NULL,
    -- The user message an assistant reply answers; its alternatives share it.
    reply_to            uuid REFERENCES messages (id) ON DELETE CASCADE,
    -- The turn that wrote a reply: one reply per turn, which makes saving it idempotent.
    turn_id             uuid,
    selected            boolean NOT NULL DEFAULT true,
    hidden              boolean NOT NULL DEFAULT false,
    scene               jsonb,
    image_key           text,
    image_content_type  text,
    image_bytes         bigint,
    image_width         integer,
    image_height        integer,
    audio_key           text,
    created_at          timestamptz NOT NULL,
    edited_at           timestamptz
);
CREATE UNIQUE INDEX messages_turn_idx ON messages (turn_id) WHERE turn_id IS NOT NULL;
CREATE INDEX messages_history_idx ON messages (companion_id, created_at DESC, id DESC) WHERE selected;
CREATE INDEX messages_reply_to_idx ON messages (reply_to) WHERE reply_to IS NOT NULL;

CREATE TABLE turns (
    id               uuid PRIMARY KEY,
    owner_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    companion_id     uuid NOT NULL REFERENCES companions (id) ON DELETE CASCADE,
    user_message_id  uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    idempotency_key  text,
    deep_think       boolean NOT NULL DEFAULT false,
    want_image       boolean NOT NULL DEFAULT false,
    want_voice       boolean NOT NULL DEFAULT false,
    regenerate       boolean NOT NULL DEFAULT false,
    status           text NOT NULL,
    progress         integer NOT NULL DEFAULT 0,
    error_code       text NOT NULL DEFAULT '',
    error_message    text NOT NULL DEFAULT '',
    reply_id         uuid,
    -- Set by POST /turns/{id}/cancel; whichever process runs the turn stops at its next check.
    cancel_requested boolean NOT NULL DEFAULT false,
    -- The runner running the turn renews this; a turn whose lease ran out lost its runner (a crash,
    -- a restart) and is failed by the next runner that looks.
    lease_until      timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
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
