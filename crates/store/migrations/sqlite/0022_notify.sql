-- Notifications to citizens (issue 8, docs/notifications.md): where a household wants its notices, messages
-- that are not distribution notices (complaint updates), and the outbox of deliveries per channel. The
-- PostgreSQL twin is migrations/postgres/0022_notify.sql.

-- A household's channels, apart from its registry record. The address (phone number, e-mail address or
-- web push subscription) is sealed, bound to table, column and household; the blind index finds every
-- household that gave the same address (a push subscription the browser dropped, a number withdrawn).
CREATE TABLE notify_contact (
    household_id   BLOB NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'email', 'push')),
    address_sealed BLOB NOT NULL,
    address_index  BLOB NOT NULL,
    lang           TEXT NOT NULL CHECK (lang IN ('id', 'en')),
    created_at     TEXT NOT NULL,
    PRIMARY KEY (household_id, channel)
) WITHOUT ROWID;

CREATE INDEX notify_contact_address ON notify_contact (address_index);

-- A message that is not a distribution notice (a complaint update): a template and its parameters, never
-- NIK, KK number or names. To a household (its inbox and contacts) or to an address given with it.
CREATE TABLE notify_message (
    id           BLOB NOT NULL PRIMARY KEY,
    household_id BLOB,
    template     TEXT NOT NULL,
    params       TEXT NOT NULL,
    created_at   TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX notify_message_household ON notify_message (household_id, created_at);

-- One delivery of a notice or message over one channel. The address is the household's contact on that
-- channel (read when sending, so a removed contact is not written to) or, for a message to an address,
-- sealed here. The template and parameters are copied from the notice or message so a delivery is
-- rendered from its own row.
CREATE TABLE notify_delivery (
    source_id       BLOB NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'email', 'push')),
    household_id    BLOB,
    address_sealed  BLOB,
    lang            TEXT NOT NULL CHECK (lang IN ('id', 'en')),
    template        TEXT NOT NULL,
    params          TEXT NOT NULL,
    program         TEXT,
    cycle           TEXT,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (source_id, channel),
    CHECK ((household_id IS NULL) <> (address_sealed IS NULL))
) WITHOUT ROWID;

CREATE INDEX notify_delivery_due ON notify_delivery (state, next_attempt_at);

-- At most one "payment sent" notice per household, program and cycle: the notices generated for settled
-- transfers (tepat_core::portal::notify) rely on it, and two servers generating at once write one.
CREATE UNIQUE INDEX notice_payment_sent ON notice (household_id, program, cycle) WHERE kind = 'payment_sent';
