-- +goose Up
CREATE TABLE companions (
    id                   uuid PRIMARY KEY,
    owner_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Copies of profile fields that lists and filters query; the profile document is the truth.
    name                 text NOT NULL,
    age                  integer NOT NULL CHECK (age >= 18),
    art_style            text NOT NULL,
    content_rating       text NOT NULL,
    archetype            text NOT NULL,
    relationship_to_user text NOT NULL,
    occupation           text NOT NULL,
    visibility           text NOT NULL,
    profile              jsonb NOT NULL,
    -- Character-card data carried verbatim: text, because jsonb would reorder and normalise it.
    card_character_book  text,
    card_extensions      text,
    card_extra           text,
    card_top             text,
    scene_outfit         jsonb NOT NULL,
    scene_location       text NOT NULL,
    scene_action         text NOT NULL,
    scene_mood           text NOT NULL,
    affection            integer NOT NULL CHECK (affection BETWEEN 0 AND 100),
    trust                integer NOT NULL CHECK (trust BETWEEN 0 AND 100),
    header_key           text,
    header_content_type  text,
    header_bytes         bigint,
    header_width         integer,
    header_height        integer,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    deleted_at           timestamptz
);
CREATE INDEX companions_owner_live_idx ON companions (owner_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX companions_owner_trash_idx ON companions (owner_id, created_at DESC, id DESC) WHERE deleted_at IS NOT NULL;
CREATE INDEX companions_trash_idx ON companions (deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX companions_header_idx ON companions (header_key) WHERE header_key IS NOT NULL;

-- Every stored file, so that ownership can be checked and orphans found. Blobs outlive rows only
-- until cleanup-orphans runs.
CREATE TABLE media (
    key          text PRIMARY KEY,
    owner_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    companion_id uuid REFERENCES companions (id) ON DELETE SET NULL,
    kind         text NOT NULL,
    content_type text NOT NULL,
    bytes        bigint NOT NULL,
    width        integer NOT NULL DEFAULT 0,
    height       integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL
);
CREATE INDEX media_companion_idx ON media (companion_id);
CREATE INDEX media_owner_idx ON media (owner_id, created_at DESC);

-- +goose Down
DROP TABLE media;
DROP TABLE companions;
