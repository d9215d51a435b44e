-- The full-text index of memories knows each memory's companion (SPEC §4 P5: recall ≤ 10 ms p99).
--
-- The index is one for every companion of the file. A search matched every companion's memories
-- holding one of the words, then joined each to its row to keep the companion's: with ten
-- companions, nine tenths of the work was thrown away. Now each memory is indexed with a token
-- naming its companion, search_scope ("c" and the id's 32 hex digits), and a search asks for that
-- token AND any of its words: the index intersects them, and only the companion's matches are
-- ranked and read. The token is a virtual generated column (it takes no space in the rows), which
-- the external-content index reads as it reads the text. Its column weighs nothing in the ranking.

-- +goose Up
ALTER TABLE memories ADD COLUMN search_scope TEXT GENERATED ALWAYS AS ('c' || replace(companion_id, '-', '')) VIRTUAL;

DROP TRIGGER memories_fts_update;
DROP TRIGGER memories_fts_delete;
DROP TRIGGER memories_fts_insert;
DROP TABLE memories_fts;

CREATE VIRTUAL TABLE memories_fts USING fts5(
    text, search_scope, content = 'memories', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO memories_fts (memories_fts) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, text, search_scope) VALUES (NEW.seq, NEW.text, NEW.search_scope);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text, search_scope) VALUES ('delete', OLD.seq, OLD.text, OLD.search_scope);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER memories_fts_update AFTER UPDATE OF text ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text, search_scope) VALUES ('delete', OLD.seq, OLD.text, OLD.search_scope);
    INSERT INTO memories_fts (rowid, text, search_scope) VALUES (NEW.seq, NEW.text, NEW.search_scope);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER memories_fts_update;
DROP TRIGGER memories_fts_delete;
DROP TRIGGER memories_fts_insert;
DROP TABLE memories_fts;

CREATE VIRTUAL TABLE memories_fts USING fts5(
    text, content = 'memories', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO memories_fts (memories_fts) VALUES ('rebuild');

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

ALTER TABLE memories DROP COLUMN search_scope;
