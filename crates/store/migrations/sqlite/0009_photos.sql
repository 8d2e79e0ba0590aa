-- tepat schema 9 (SQLite): photos of a household taken during the field visit (house front, floor, …).
-- The PostgreSQL twin is ../postgres/0009_photos.sql; docs/registry.md ("Photos") explains the choices.

-- One row per photo. The image is sealed (XChaCha20-Poly1305 bound to table, column and id): the file
-- never holds a readable picture. A rowid table on purpose: rows are up to the upload limit (1 MiB by
-- default), and WITHOUT ROWID tables are meant for small rows.
-- No foreign key to registry_household: a household's row is rewritten on moves, merges and splits, and
-- its photos must not block that nor vanish with it; `household_id` is checked by the service.
CREATE TABLE registry_photo (
    village_code   TEXT NOT NULL REFERENCES region (code),
    id             BLOB NOT NULL,                   -- UUIDv7
    household_id   BLOB NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('house_front', 'floor', 'wall', 'roof', 'kitchen',
                                                 'sanitation', 'other')),
    content_type   TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size_bytes     INTEGER NOT NULL,
    image_sealed   BLOB NOT NULL,
    taken_at       TEXT NOT NULL,
    taken_by       BLOB NOT NULL,                   -- the officer's account id
    delete_after   TEXT NOT NULL,                   -- removed by the next purge after this time
    PRIMARY KEY (village_code, id)
);

CREATE UNIQUE INDEX registry_photo_id ON registry_photo (id);
CREATE INDEX registry_photo_household ON registry_photo (household_id);
