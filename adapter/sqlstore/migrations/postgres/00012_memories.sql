-- What a companion remembers of its person (SPEC §3.5): one row per memory, with its full-text
-- vector, and its embeddings.
--
-- A memory belongs to its companion and, through it, to the companion's owner: the key on
-- (companion_id, owner_id) makes a memory's owner its companion's, so no memory of one user can
-- hang under another's companion, and deleting the companion (or the user, whose companions go)
-- takes its memories. owner_id is kept on the row so that every read is scoped to the owner without
-- a join.
--
-- text_key is memory.Key of the text (lower case, letters and digits, single spaces): one fact is one
-- memory per companion. sources are the ids of the messages the memory was learnt from, as a JSON
-- array of strings: read and written whole with the memory, never queried, and a message deleted
-- since is a source the history no longer shows, not a reason to change the memory — a table of
-- its own with a key to messages would cost a join on every read and a cascade on every message
-- deletion for nothing.
--
-- search is the text's full-text vector, generated so that it cannot drift from the text. The
-- 'simple' configuration (lower case, no stemming, no stop words) treats every language alike, as
-- SQLite's unicode61 does; memory_search_text strips accents first ("Zürich" is "zurich") — the
-- same function reads the queries, so both sides fold alike. Lower-casing beyond ASCII follows the
-- database's LC_CTYPE (C.UTF-8 or any UTF-8 locale folds every script; plain "C" only ASCII).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION memory_search_text(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT normalize(regexp_replace(normalize(t, NFD), '[\u0300-\u036f]', '', 'g'), NFC) $$;
-- +goose StatementEnd

CREATE UNIQUE INDEX companions_id_owner_idx ON companions (id, owner_id);

CREATE TABLE memories (
    id               uuid PRIMARY KEY,
    owner_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    companion_id     uuid NOT NULL,
    text             text NOT NULL,
    text_key         text NOT NULL,
    category         text NOT NULL,
    importance       integer NOT NULL,
    pinned           boolean NOT NULL,
    sources          jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    last_recalled_at timestamptz,
    recall_count     integer NOT NULL DEFAULT 0,
    search           tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple', memory_search_text(text))) STORED,
    CONSTRAINT memories_text_key UNIQUE (companion_id, text_key),
    FOREIGN KEY (companion_id, owner_id) REFERENCES companions (id, owner_id) ON DELETE CASCADE
);
-- A companion's list, newest first (keyset on created_at, id), and its pinned memories. Every query
-- names the owner and the companion, so both lead: the index also serves the keys' cascades from a
-- deleted user (owner_id) and companion (owner_id, companion_id), and no query can be planned on an
-- owner's memories of every companion instead.
CREATE INDEX memories_owner_companion_idx ON memories (owner_id, companion_id, created_at DESC, id DESC);
CREATE INDEX memories_pinned_idx ON memories (owner_id, companion_id, created_at DESC, id DESC) WHERE pinned;
CREATE INDEX memories_search_idx ON memories USING gin (search);

-- A memory's vectors, one per embedder that made one (vectors of different embedders are not
-- comparable): dims float32s, little-endian. (pgvector, where the server has it, comes later.)
CREATE TABLE memory_embeddings (
    memory_id uuid NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
    embedder  text NOT NULL,
    dims      integer NOT NULL CHECK (dims > 0),
    vector    bytea NOT NULL CHECK (octet_length(vector) = 4 * dims),
    PRIMARY KEY (memory_id, embedder)
);

-- +goose Down
DROP TABLE memory_embeddings;
DROP TABLE memories;
DROP INDEX companions_id_owner_idx;
DROP FUNCTION memory_search_text(text);
