-- Recall by meaning without reading every vector of a companion (issue 14, SPEC §4 P5).
--
-- Where the server has pgvector, memory_embeddings gets a vector column, vec, beside the bytes: the
-- store searches it with an HNSW index (one partial index per vector length, which the store
-- creates when it first meets a length: HNSW needs a fixed one, and a hub's embedders decide it).
-- The bytes stay the portable form — what the SQLite store, and this one without pgvector, read —
-- so that the extension can be dropped, or a database moved, without losing a vector. The store
-- writes both; a row written without vec (by a hub of before this migration, or here, by the
-- backfill) gets it from the bytes through memory_embeddings_vec. Without pgvector (not installed,
-- or not ours to create) nothing of this is made, and the store scores vectors in process (it says
-- so at start).
--
-- memory_vector_generations counts, per companion, the changes of its vectors (a vector stored,
-- replaced or deleted, a memory deleted), kept by triggers whoever writes: the in-process search
-- keeps a companion's vectors decoded between recalls, and reads this one row to know they are
-- still the database's. No row is generation 0; rows are never deleted, so a generation never
-- comes back.

-- +goose Up
CREATE TABLE memory_vector_generations (
    companion_id uuid PRIMARY KEY,
    generation   bigint NOT NULL
);

-- One trigger function for every change, per statement (a wipe of 10 000 memories is one
-- update of the row, not 10 000): "changed" is the rows the statement touched.
-- +goose StatementBegin
CREATE FUNCTION memory_vectors_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'memories' THEN
        INSERT INTO memory_vector_generations (companion_id, generation)
            SELECT DISTINCT companion_id, 1 FROM changed ORDER BY companion_id
            ON CONFLICT (companion_id) DO UPDATE SET generation = memory_vector_generations.generation + 1;
    ELSE
        -- A memory's cascade deletes its vectors after it is gone: the memory's own trigger counts it.
        INSERT INTO memory_vector_generations (companion_id, generation)
            SELECT DISTINCT m.companion_id, 1 FROM changed c JOIN memories m ON m.id = c.memory_id ORDER BY m.companion_id
            ON CONFLICT (companion_id) DO UPDATE SET generation = memory_vector_generations.generation + 1;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER memories_vectors_delete AFTER DELETE ON memories
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION memory_vectors_changed();
CREATE TRIGGER memory_embeddings_insert AFTER INSERT ON memory_embeddings
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION memory_vectors_changed();
CREATE TRIGGER memory_embeddings_update AFTER UPDATE ON memory_embeddings
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION memory_vectors_changed();
CREATE TRIGGER memory_embeddings_delete AFTER DELETE ON memory_embeddings
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION memory_vectors_changed();

-- The float32s of a vector's bytes (little-endian), decoded by hand: SQL has no cast for them.
-- +goose StatementBegin
CREATE FUNCTION memory_embedding_floats(b bytea) RETURNS real[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(CASE
            WHEN e = 255 THEN 'NaN'::float8 -- infinities too: pgvector refuses both
            WHEN e = 0 THEN s * m * 2::float8 ^ -149
            ELSE s * (1 + m / 8388608) * 2::float8 ^ (e - 127) END::real ORDER BY i), '{}')
    FROM (SELECT i, CASE WHEN w >= 2147483648 THEN -1 ELSE 1 END AS s, (w / 8388608) % 256 AS e,
                 (w % 8388608)::float8 AS m
          FROM (SELECT i, get_byte(b, i) + 256 * get_byte(b, i + 1) + 65536 * get_byte(b, i + 2)
                          + 16777216 * get_byte(b, i + 3)::bigint AS w
                FROM generate_series(0, length(b) - 4, 4) AS i) words) parts
$$;
-- +goose StatementEnd

-- vec follows the bytes when a writer does not set it (a vector pgvector refuses is left out: the
-- search skips it as it skips one of another length).
-- +goose StatementBegin
CREATE FUNCTION memory_embeddings_vec() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.vec IS NULL OR (TG_OP = 'UPDATE' AND NEW.vector IS DISTINCT FROM OLD.vector AND NEW.vec IS NOT DISTINCT FROM OLD.vec) THEN
        BEGIN
            NEW.vec := memory_embedding_floats(NEW.vector)::vector;
        EXCEPTION WHEN data_exception THEN
            NEW.vec := NULL;
        END;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
        RAISE NOTICE 'pgvector is not installed: memories are searched by meaning in process';
        RETURN;
    END IF;
    BEGIN
        CREATE EXTENSION IF NOT EXISTS vector;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'pgvector is installed but this role may not create it: memories are searched by meaning in process';
        RETURN;
    END;
    ALTER TABLE memory_embeddings ADD COLUMN vec vector;
    CREATE TRIGGER memory_embeddings_vec BEFORE INSERT OR UPDATE ON memory_embeddings
        FOR EACH ROW EXECUTE FUNCTION memory_embeddings_vec();
    UPDATE memory_embeddings SET vec = NULL; -- the trigger fills it
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    DROP TRIGGER IF EXISTS memory_embeddings_vec ON memory_embeddings;
    -- The HNSW indexes go with the column; the extension stays (it may serve others).
    ALTER TABLE memory_embeddings DROP COLUMN IF EXISTS vec;
END $$;
-- +goose StatementEnd
DROP FUNCTION memory_embeddings_vec();
DROP FUNCTION memory_embedding_floats(bytea);
DROP TRIGGER memory_embeddings_delete ON memory_embeddings;
DROP TRIGGER memory_embeddings_update ON memory_embeddings;
DROP TRIGGER memory_embeddings_insert ON memory_embeddings;
DROP TRIGGER memories_vectors_delete ON memories;
DROP FUNCTION memory_vectors_changed();
DROP TABLE memory_vector_generations;
