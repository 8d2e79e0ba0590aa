-- tepat schema 23 (sqlite): public announcements (*pengumuman*, issue 8 part 5, docs/information.md).
-- An officer writes them inside their region, or tepat writes one per distribution point of a released
-- envelope (its schedule). Nothing here is personal data: a schedule says how many households, not who.
CREATE TABLE announcement (
    id              BLOB NOT NULL PRIMARY KEY,   -- UUIDv7
    region_code     TEXT,                        -- plain code of any level; NULL: the whole installation
    program         TEXT,                        -- a program code, or NULL for every program
    title           TEXT NOT NULL,               -- Bahasa Indonesia
    body            TEXT NOT NULL,
    title_en        TEXT,                        -- English, optional
    body_en         TEXT,
    publish_at      TEXT NOT NULL,               -- shown from this time on; whole seconds
    created_by      BLOB NOT NULL,               -- the officer's account id, or the nil id for tepat itself
    created_at      TEXT NOT NULL,
    source_envelope BLOB,                        -- set on schedule announcements tepat wrote
    source_point    BLOB,
    CHECK ((source_envelope IS NULL) = (source_point IS NULL))
) WITHOUT ROWID;

CREATE INDEX announcement_publish ON announcement (publish_at);
CREATE UNIQUE INDEX announcement_source ON announcement (source_envelope, source_point)
    WHERE source_envelope IS NOT NULL;

-- Envelopes whose schedule was announced: once per envelope, whatever happens to its assignments later.
CREATE TABLE announced_envelope (
    envelope_id  BLOB NOT NULL PRIMARY KEY,
    announced_at TEXT NOT NULL
) WITHOUT ROWID;
