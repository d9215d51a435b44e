-- The gallery (SPEC §3.4): one row per generated picture, with its image and thumbnail (files
-- indexed in media) and what it was rendered from. A picture outlives the companion and the chat
-- message it came from (their ids become NULL); it goes with its owner, and with its files' rows —
-- the companion purge deletes a companion's files by their media rows, and a picture whose file
-- is gone is no picture.
--
-- A message that showed a picture names it (picture_id). No foreign key: deleting a picture
-- changes that message in the gallery's own transaction — its image gone, image_removed set, which
-- no ON DELETE action can do — and the message is found by pictures.message_id, its primary key. A
-- key on picture_id would make every deletion of a picture (and every cascade from a deleted user)
-- look the message up by picture_id, an index on the largest table for a lookup nothing else needs.

-- +goose Up
CREATE TABLE pictures (
    id                  uuid PRIMARY KEY,
    owner_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    companion_id        uuid REFERENCES companions (id) ON DELETE SET NULL,
    message_id          uuid REFERENCES messages (id) ON DELETE SET NULL,
    image_key           text NOT NULL REFERENCES media (key) ON DELETE CASCADE,
    image_content_type  text NOT NULL,
    image_bytes         bigint NOT NULL,
    image_width         integer NOT NULL,
    image_height        integer NOT NULL,
    thumb_key           text NOT NULL REFERENCES media (key) ON DELETE CASCADE,
    thumb_content_type  text NOT NULL,
    thumb_bytes         bigint NOT NULL,
    thumb_width         integer NOT NULL,
    thumb_height        integer NOT NULL,
    prompt              text NOT NULL,
    negative_prompt     text NOT NULL,
    -- The size asked for; the stored image's own size is image_width × image_height.
    width               integer NOT NULL,
    height              integer NOT NULL,
    steps               integer NOT NULL,
    cfg_scale           double precision NOT NULL,
    sampler             text NOT NULL,
    seed                bigint NOT NULL,
    backend             text NOT NULL,
    model               text NOT NULL,
    created_at          timestamptz NOT NULL
);
-- The gallery's pages, newest first: all of an owner's pictures, and one companion's.
CREATE INDEX pictures_owner_idx ON pictures (owner_id, created_at DESC, id DESC);
CREATE INDEX pictures_owner_companion_idx ON pictures (owner_id, companion_id, created_at DESC, id DESC);
-- For the foreign keys' ON DELETE actions: without them deleting a companion, a message or a file
-- scans every picture.
CREATE INDEX pictures_companion_idx ON pictures (companion_id) WHERE companion_id IS NOT NULL;
CREATE INDEX pictures_message_idx ON pictures (message_id) WHERE message_id IS NOT NULL;
CREATE UNIQUE INDEX pictures_image_key_idx ON pictures (image_key);
CREATE UNIQUE INDEX pictures_thumb_key_idx ON pictures (thumb_key);

ALTER TABLE messages ADD COLUMN picture_id uuid;
ALTER TABLE messages ADD COLUMN image_removed boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE messages DROP COLUMN image_removed;
ALTER TABLE messages DROP COLUMN picture_id;
DROP TABLE pictures;
