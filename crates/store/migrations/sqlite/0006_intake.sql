-- tepat schema 6 (SQLite): the citizens' ways in (docs/citizen.md): proposals (usulan warga) and
-- objections (sanggahan) waiting for the village operator. The PostgreSQL twin is ../postgres/0006_intake.sql.

-- A citizen's proposal of their own household or a neighbour's. Names, address and reason are sealed
-- (JSON, XChaCha20-Poly1305 bound to table, column and id); no NIK or KK number is kept.
CREATE TABLE intake_tip (
    village_code   TEXT NOT NULL REFERENCES region (code),
    id             BLOB NOT NULL,                    -- UUIDv7
    kind           TEXT NOT NULL CHECK (kind IN ('own', 'neighbour')),
    details_sealed BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (village_code, id)
) WITHOUT ROWID;

CREATE INDEX intake_tip_created ON intake_tip (village_code, created_at);

-- An objection to a household on the village's public list, with its reason (sealed with the
-- objector's name).
CREATE TABLE intake_objection (
    village_code   TEXT NOT NULL REFERENCES region (code),
    id             BLOB NOT NULL,                    -- UUIDv7
    household_id   BLOB NOT NULL,
    details_sealed BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (village_code, id)
) WITHOUT ROWID;

CREATE INDEX intake_objection_created ON intake_objection (village_code, created_at);
