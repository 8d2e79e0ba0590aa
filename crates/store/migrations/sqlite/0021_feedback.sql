-- tepat schema 21 (SQLite): citizens' complaints (pengaduan) with their history, and ratings of each
-- distribution (issue 8; docs/complaints.md). The PostgreSQL twin is ../postgres/0021_feedback.sql.

-- A complaint. Its ticket is a bearer secret (whoever holds it reads the complaint's progress), so only
-- a keyed blind index finds it and the ticket itself is sealed, like the text and the optional contact
-- (a phone number or e-mail address), which may name people. Sealed columns are never NULL (key
-- rotation re-seals every value): an absent note, comment or contact is sealed empty. `person_id` and `household_id` are empty
-- for an anonymous report. `level` is who handles it now (village, district, regency); `due_on` the
-- service-level deadline (working days after submission, by category).
CREATE TABLE complaint (
    village_code   TEXT NOT NULL REFERENCES region (code),
    id             BLOB NOT NULL,                   -- UUIDv7
    ticket_index   BLOB NOT NULL UNIQUE,
    ticket_sealed  BLOB NOT NULL,
    category       TEXT NOT NULL CHECK (category IN ('not_listed', 'wrong_amount', 'not_received',
                       'extortion', 'data_error', 'officer_behaviour', 'other')),
    level          TEXT NOT NULL CHECK (level IN ('village', 'district', 'regency')),
    state          TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'answered', 'resolved', 'rejected')),
    person_id      BLOB,
    household_id   BLOB,
    text_sealed    BLOB NOT NULL,
    contact_sealed BLOB NOT NULL,               -- JSON, null when none was left
    contact_kind   TEXT CHECK (contact_kind IN ('phone', 'email')),
    submitted_at   TEXT NOT NULL,
    due_on         TEXT NOT NULL,                   -- YYYY-MM-DD
    updated_at     TEXT NOT NULL,
    CHECK (household_id IS NULL OR person_id IS NOT NULL),
    PRIMARY KEY (village_code, id)
) WITHOUT ROWID;

CREATE INDEX complaint_id ON complaint (id);
CREATE INDEX complaint_inbox ON complaint (village_code, submitted_at);

-- Every step of a complaint: who did what, when, from which level to which, with a note (sealed).
CREATE TABLE complaint_event (
    village_code   TEXT NOT NULL REFERENCES region (code),
    id             BLOB NOT NULL,                   -- UUIDv7
    complaint_id   BLOB NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('submitted', 'acknowledged', 'answered', 'forwarded',
                       'resolved', 'rejected', 'escalated')),
    actor          BLOB NOT NULL,
    role           TEXT NOT NULL,
    level          TEXT NOT NULL CHECK (level IN ('village', 'district', 'regency')),
    state          TEXT NOT NULL,
    note_sealed    BLOB NOT NULL,               -- empty when there is no note
    at             TEXT NOT NULL,
    PRIMARY KEY (village_code, id)
) WITHOUT ROWID;

CREATE INDEX complaint_event_of ON complaint_event (complaint_id, at);

-- One rating (1 to 5 stars, an optional comment, sealed) per entitlement, ever: the unique key makes a
-- second rating of the same entitlement change nothing. Program, cycle and village are copied from the
-- entitlement so the open-data summaries group without joins.
CREATE TABLE rating (
    village_code   TEXT NOT NULL REFERENCES region (code),
    id             BLOB NOT NULL,
    envelope_id    BLOB NOT NULL,
    household_id   BLOB NOT NULL,
    program        TEXT NOT NULL,
    cycle          TEXT NOT NULL,
    stars          INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment_sealed BLOB NOT NULL,               -- empty when there is no comment
    rated_at       TEXT NOT NULL,
    PRIMARY KEY (village_code, id),
    UNIQUE (envelope_id, household_id)
) WITHOUT ROWID;

CREATE INDEX rating_summary ON rating (program, cycle, village_code);
CREATE INDEX rating_household ON rating (household_id);
