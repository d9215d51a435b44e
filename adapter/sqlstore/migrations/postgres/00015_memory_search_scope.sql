-- SQLite's migration 00015 scopes its one full-text index by companion. PostgreSQL needs no such
-- change (its planner reads the companion's rows or the GIN index, whichever is fewer); this one
-- keeps the two dialects' versions alike.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
