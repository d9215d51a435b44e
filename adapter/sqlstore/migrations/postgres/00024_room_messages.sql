-- A room's conversation: the messages of its people and companions (the author's name kept as it was
-- when they wrote), each companion's scene in the room (NULL: it starts from its profile's starting
-- scene), and turns that answer in a room rather than in a companion's own chat. A room turn answers a
-- room message (room_message_id) instead of a chat message (user_message_id): exactly one is set.

-- +goose Up
CREATE TABLE room_messages (
    id                      uuid PRIMARY KEY,
    room_id                 uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    role                    text NOT NULL CHECK (role IN ('user', 'assistant', 'system_event')),
    author_id               uuid REFERENCES users (id) ON DELETE CASCADE,
    companion_id            uuid REFERENCES companions (id) ON DELETE CASCADE,
    author_name             text NOT NULL,
    text                    text NOT NULL,
    reply_to                uuid REFERENCES room_messages (id) ON DELETE SET NULL,
    turn_id                 uuid,
    scene                   jsonb,
    -- A reply's picture (an entry of the turn's person's gallery: picture_id, no foreign key, as on
    -- messages) and voice; everyone in the room may open them.
    image_key               text,
    image_content_type      text,
    image_bytes             bigint,
    image_width             integer,
    image_height            integer,
    picture_id              uuid,
    audio_key               text,
    idempotency_key         text,
    idempotency_fingerprint text,
    created_at              timestamptz NOT NULL,
    CHECK ((author_id IS NULL) <> (companion_id IS NULL))
);
CREATE INDEX room_messages_history ON room_messages (room_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX room_messages_turn ON room_messages (turn_id) WHERE turn_id IS NOT NULL;
CREATE UNIQUE INDEX room_messages_idempotency ON room_messages (author_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX room_messages_author ON room_messages (author_id) WHERE author_id IS NOT NULL;
CREATE INDEX room_messages_companion ON room_messages (companion_id) WHERE companion_id IS NOT NULL;
CREATE INDEX room_messages_reply_to ON room_messages (reply_to) WHERE reply_to IS NOT NULL;
-- /media: may this person open this file? A room's picture or voice, when they are in its room.
CREATE INDEX room_messages_image ON room_messages (image_key) WHERE image_key IS NOT NULL;
CREATE INDEX room_messages_audio ON room_messages (audio_key) WHERE audio_key IS NOT NULL;

ALTER TABLE room_companions ADD COLUMN scene jsonb;

ALTER TABLE turns ALTER COLUMN user_message_id DROP NOT NULL;
ALTER TABLE turns ADD COLUMN room_id uuid REFERENCES rooms (id) ON DELETE CASCADE;
ALTER TABLE turns ADD COLUMN room_message_id uuid REFERENCES room_messages (id) ON DELETE CASCADE;
-- Added unchecked, then checked without holding the table exclusively while every turn is read.
ALTER TABLE turns ADD CONSTRAINT turns_answers_one CHECK ((user_message_id IS NULL) <> (room_message_id IS NULL)) NOT VALID;
ALTER TABLE turns ADD CONSTRAINT turns_room_message CHECK ((room_id IS NULL) = (room_message_id IS NULL)) NOT VALID;
ALTER TABLE turns VALIDATE CONSTRAINT turns_answers_one;
ALTER TABLE turns VALIDATE CONSTRAINT turns_room_message;
DROP INDEX turns_active_idx;
-- Active: does a companion have an unfinished turn of its own chat? One probe.
CREATE INDEX turns_active_idx ON turns (companion_id) WHERE status NOT IN ('completed', 'failed', 'cancelled') AND room_id IS NULL;
CREATE INDEX turns_room_idx ON turns (room_id, created_at DESC) WHERE room_id IS NOT NULL;
CREATE INDEX turns_room_message_idx ON turns (room_message_id) WHERE room_message_id IS NOT NULL;

-- +goose Down
DELETE FROM turn_streams WHERE turn_id IN (SELECT id FROM turns WHERE room_id IS NOT NULL) OR turn_id IN (SELECT id FROM rooms);
DELETE FROM turns WHERE room_id IS NOT NULL;
DROP INDEX turns_room_message_idx;
DROP INDEX turns_room_idx;
DROP INDEX turns_active_idx;
CREATE INDEX turns_active_idx ON turns (companion_id) WHERE status NOT IN ('completed', 'failed', 'cancelled');
ALTER TABLE turns DROP CONSTRAINT turns_room_message;
ALTER TABLE turns DROP CONSTRAINT turns_answers_one;
ALTER TABLE turns DROP COLUMN room_message_id;
ALTER TABLE turns DROP COLUMN room_id;
ALTER TABLE turns ALTER COLUMN user_message_id SET NOT NULL;
ALTER TABLE room_companions DROP COLUMN scene;
DROP TABLE room_messages;
