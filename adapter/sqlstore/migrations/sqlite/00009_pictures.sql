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
    id                  TEXT PRIMARY KEY,
    owner_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    companion_id        TEXT REFERENCES companions (id) ON DELETE SET NULL,
    message_id          TEXT REFERENCES messages (id) ON DELETE SET NULL,
    image_key           TEXT NOT NULL REFERENCES media (key) ON DELETE CASCADE,
    image_content_type  TEXT NOT NULL,
    image_bytes         INTEGER NOT NULL,
    image_width         INTEGER NOT NULL,
    image_height        INTEGER NOT NULL,
    thumb_key           TEXT NOT NULL REFERENCES media (key) ON DELETE CASCADE,
    thumb_content_type  TEXT NOT NULL,
    thumb_bytes         INTEGER NOT NULL,
    thumb_width         INTEGER NOT NULL,
    thumb_height        INTEGER NOT NULL,
    prompt              TEXT NOT NULL,
    negative_prompt     TEXT NOT NULL,
    -- The size asked for; the stored image's own size is image_width × image_height.
    width               INTEGER NOT NULL,
    height              INTEGER NOT NULL,
    steps               INTEGER NOT NULL,
    cfg_scale           REAL NOT NULL,
    sampler             TEXT NOT NULL,
    seed                INTEGER NOT NULL,
    backend             TEXT NOT NULL,
    model               TEXT NOT NULL,
    created_at          TEXT NOT NULL
) STRICT;
-- The gallery's pages, newest first: all of an owner's pictures, and one companion's.
CREATE INDEX pictures_owner_idx ON pictures (owner_id, created_at DESC, id DESC);
CREATE INDEX pictures_owner_companion_idx ON pictures (owner_id, companion_id, created_at DESC, id DESC);
-- For the foreign keys' ON DELETE actions: without them deleting a companion, a message or a file
-- scans every picture.
CREATE INDEX pictures_companion_idx ON pictures (companion_id) WHERE companion_id IS NOT NULL;
CREATE INDEX pictures_message_idx ON pictures (message_id) WHERE message_id IS NOT NULL;
CREATE UNIQUE INDEX pictures_image_key_idx ON pictures (image_key);
CREATE UNIQUE INDEX pictures_thumb_key_idx ON pictures (thumb_key);

ALTER TABLE messages ADD COLUMN picture_id TEXT;
ALTER TABLE messages ADD COLUMN image_removed INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE messages DROP COLUMN image_removed;
ALTER TABLE messages DROP COLUMN picture_id;
DROP TABLE pictures;
