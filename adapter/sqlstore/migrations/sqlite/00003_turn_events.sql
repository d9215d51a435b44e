-- Intentionally empty: it keeps the two dialects' version numbers aligned with the PostgreSQL
-- migration of the same name, which creates the tables of the PostgreSQL stream bus
-- (adapter/postgres.StreamBus, LISTEN/NOTIFY). An SQLite deployment is one process, whose stream
-- bus is the in-process one (adapter/memory); tables here would never be written.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
