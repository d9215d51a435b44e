-- +goose Up
CREATE TABLE companions (
    id                   TEXT PRIMARY KEY,
    owner_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Copies of profile fields that lists and filters query; the profile document is the truth.
    name                 TEXT NOT NULL,
    age                  INTEGER NOT NULL CHECK (age >= 18),
    art_style            TEXT NOT NULL,
    content_rating       TEXT NOT NULL,
    archetype            TEXT NOT NULL,
    relationship_to_user TEXT NOT NULL,
    occupation           TEXT NOT NULL,
    visibility           TEXT NOT NULL,
    profile              TEXT NOT NULL,
    -- Character-card data carried verbatim.
    card_character_book  TEXT,
    card_extensions      TEXT,
    card_extra           TEXT,
    card_top             TEXT,
    scene_outfit         TEXT NOT NULL,
    scene_location       TEXT NOT NULL,
    scene_action         TEXT NOT NULL,
    scene_mood           TEXT NOT NULL,
    affection            INTEGER NOT NULL CHECK (affection BETWEEN 0 AND 100),
    trust                INTEGER NOT NULL CHECK (trust BETWEEN 0 AND 100),
    header_key           TEXT,
    header_content_type  TEXT,
    header_bytes         INTEGER,
    header_width         INTEGER,
    header_height        INTEGER,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    deleted_at           TEXT
) STRICT;
CREATE INDEX companions_owner_live_idx ON companions (owner_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX companions_owner_trash_idx ON companions (owner_id, created_at DESC, id DESC) WHERE deleted_at IS NOT NULL;
CREATE INDEX companions_trash_idx ON companions (deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX companions_header_idx ON companions (header_key) WHERE header_key IS NOT NULL;

-- Every stored file, so that ownership can be checked and orphans found. Blobs outlive rows only
-- until cleanup-orphans runs.
CREATE TABLE media (
    key          TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    companion_id TEXT REFERENCES companions (id) ON DELETE SET NULL,
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX media_companion_idx ON media (companion_id);
CREATE INDEX media_owner_idx ON media (owner_id, created_at DESC);

-- +goose Down
DROP TABLE media;
DROP TABLE companions;
