-- What a companion remembers of its person (SPEC §3.5): one row per memory, its full-text index and
-- its embeddings.
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
-- seq is the rowid the full-text index refers to. It is declared (an INTEGER PRIMARY KEY is the
-- rowid) because an undeclared rowid may be renumbered by VACUUM, which would silently point the
-- index's entries at other memories; the memory's id is a unique key beside it.

-- +goose Up
CREATE UNIQUE INDEX companions_id_owner_idx ON companions (id, owner_id);

CREATE TABLE memories (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL,
    owner_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    companion_id     TEXT NOT NULL,
    text             TEXT NOT NULL,
    text_key         TEXT NOT NULL,
    category         TEXT NOT NULL,
    importance       INTEGER NOT NULL,
    pinned           INTEGER NOT NULL,
    sources          TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    last_recalled_at TEXT,
    recall_count     INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT memories_id_key UNIQUE (id),
    CONSTRAINT memories_text_key UNIQUE (companion_id, text_key),
    FOREIGN KEY (companion_id, owner_id) REFERENCES companions (id, owner_id) ON DELETE CASCADE
) STRICT;
-- A companion's list, newest first (keyset on created_at, id), and its pinned memories. Every query
-- names the owner and the companion, so both lead: the index also serves the keys' cascades from a
-- deleted user (owner_id) and companion (owner_id, companion_id), and no query can be planned on an
-- owner's memories of every companion instead.
CREATE INDEX memories_owner_companion_idx ON memories (owner_id, companion_id, created_at DESC, id DESC);
CREATE INDEX memories_pinned_idx ON memories (owner_id, companion_id, created_at DESC, id DESC) WHERE pinned = 1;

-- The full-text index of the texts, with no copy of them (external content: it reads memories).
-- unicode61 folds case and, with remove_diacritics 2, accents ("Zürich" is "zurich"); no stemming,
-- so that every language is treated alike.
CREATE VIRTUAL TABLE memories_fts USING fts5(
    text, content = 'memories', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);

-- Triggers keep the index as the texts change, cascades included (a deleted companion or user).
-- +goose StatementBegin
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, text) VALUES (NEW.seq, NEW.text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', OLD.seq, OLD.text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER memories_fts_update AFTER UPDATE OF text ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', OLD.seq, OLD.text);
    INSERT INTO memories_fts (rowid, text) VALUES (NEW.seq, NEW.text);
END;
-- +goose StatementEnd

-- A memory's vectors, one per embedder that made one (vectors of different embedders are not
-- comparable): dims float32s, little-endian.
CREATE TABLE memory_embeddings (
    memory_id TEXT NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
    embedder  TEXT NOT NULL,
    dims      INTEGER NOT NULL CHECK (dims > 0),
    vector    BLOB NOT NULL CHECK (length(vector) = 4 * dims),
    PRIMARY KEY (memory_id, embedder)
) STRICT; -- a rowid table: a vector (~1 KB) would overflow a WITHOUT ROWID table's 4 KiB pages, one
          -- more page read per vector (a companion's 10 000 vectors read 3× slower in the bench)

-- +goose Down
DROP TABLE memory_embeddings;
DROP TRIGGER memories_fts_update;
DROP TRIGGER memories_fts_delete;
DROP TRIGGER memories_fts_insert;
DROP TABLE memories_fts;
DROP TABLE memories;
DROP INDEX companions_id_owner_idx;
