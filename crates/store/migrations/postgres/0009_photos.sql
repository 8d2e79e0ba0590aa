-- tepat schema 9 (PostgreSQL): photos of a household taken during the field visit (house front, floor, …).
-- The SQLite twin is ../sqlite/0009_photos.sql; docs/registry.md ("Photos") explains the choices.
-- Keyed like the registry (village_code first), so a distributed engine can shard it with the households.

CREATE TABLE registry_photo (
    village_code   TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id             UUID NOT NULL,
    household_id   UUID NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('house_front', 'floor', 'wall', 'roof', 'kitchen',
                                                 'sanitation', 'other')),
    content_type   TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size_bytes     BIGINT NOT NULL,
    image_sealed   BYTEA NOT NULL,
    taken_at       TIMESTAMPTZ NOT NULL,
    taken_by       UUID NOT NULL,
    delete_after   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (village_code, id)
);

CREATE INDEX registry_photo_id ON registry_photo (id);
CREATE INDEX registry_photo_household ON registry_photo (household_id);
