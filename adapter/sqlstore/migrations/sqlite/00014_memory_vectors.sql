-- Recall by meaning without reading every vector of a companion (issue 14, SPEC §4 P5).
--
-- memory_vector_generations counts, per companion, the changes of its vectors (a vector stored,
-- replaced or deleted, a memory deleted), kept by triggers whoever writes — this process, another
-- one on the same file, a cascade: the store keeps a companion's vectors decoded between recalls,
-- and reads this one row to know they are still the file's. No row is generation 0; rows are never
-- deleted, so a generation never comes back. (PostgreSQL's migration 00014 adds pgvector too.)

-- +goose Up
CREATE TABLE memory_vector_generations (
    companion_id TEXT PRIMARY KEY,
    generation   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose StatementBegin
CREATE TRIGGER memories_vectors_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memory_vector_generations (companion_id, generation) VALUES (OLD.companion_id, 1)
        ON CONFLICT (companion_id) DO UPDATE SET generation = generation + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER memory_embeddings_insert AFTER INSERT ON memory_embeddings BEGIN
    INSERT INTO memory_vector_generations (companion_id, generation)
        SELECT companion_id, 1 FROM memories WHERE id = NEW.memory_id
        ON CONFLICT (companion_id) DO UPDATE SET generation = generation + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER memory_embeddings_update AFTER UPDATE ON memory_embeddings BEGIN
    INSERT INTO memory_vector_generations (companion_id, generation)
        SELECT companion_id, 1 FROM memories WHERE id = NEW.memory_id
        ON CONFLICT (companion_id) DO UPDATE SET generation = generation + 1;
END;
-- +goose StatementEnd

-- (A memory's cascade counts through the memory's trigger; this one counts a vector deleted alone.)
-- +goose StatementBegin
CREATE TRIGGER memory_embeddings_delete AFTER DELETE ON memory_embeddings BEGIN
    INSERT INTO memory_vector_generations (companion_id, generation)
        SELECT companion_id, 1 FROM memories WHERE id = OLD.memory_id
        ON CONFLICT (companion_id) DO UPDATE SET generation = generation + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER memory_embeddings_delete;
DROP TRIGGER memory_embeddings_update;
DROP TRIGGER memory_embeddings_insert;
DROP TRIGGER memories_vectors_delete;
DROP TABLE memory_vector_generations;
