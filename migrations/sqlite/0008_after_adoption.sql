-- After adopting: the adopter's name for the tree, gifts by link, how the harvest reaches
-- the adopter and what was sent, refunds, and what the app tells people (in the app and
-- by mail). Same version and meaning as migrations/postgres/0008_after_adoption.sql.

-- The name an adopter gives their tree (shown on the tree page while the season runs).
ALTER TABLE orders ADD COLUMN tree_name TEXT;
-- The last diary entry (sequence number in the tree's chain) the adopter was told of.
ALTER TABLE orders ADD COLUMN told_seq INTEGER NOT NULL DEFAULT 0;

-- An adoption given by link: the link carries a token only its hash is kept of; the
-- recipient accepts before `expires_at`, or the adoption stays with the giver.
CREATE TABLE gifts (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders (id),
    giver_id     INTEGER NOT NULL REFERENCES users (id),
    token_hash   TEXT    NOT NULL UNIQUE,
    message      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('open', 'accepted', 'returned', 'withdrawn')),
    recipient_id INTEGER REFERENCES users (id),
    ended_at     INTEGER
);
CREATE UNIQUE INDEX gifts_one_open_per_order ON gifts (order_id) WHERE state = 'open';

-- How the harvest reaches the adopter: delivered to an address, or picked up on a visit.
CREATE TABLE harvest_choices (
    order_id   INTEGER PRIMARY KEY REFERENCES orders (id),
    method     TEXT    NOT NULL CHECK (method IN ('delivery', 'pickup')),
    address    TEXT,
    pickup_on  TEXT,
    chosen_at  INTEGER NOT NULL
);

-- What the cooperative sent (or handed over) of an adoption's harvest.
CREATE TABLE shipments (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    sent_on     TEXT    NOT NULL,
    grams       INTEGER NOT NULL CHECK (grams > 0),
    carrier     TEXT    NOT NULL,
    tracking    TEXT    NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users (id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX shipments_by_order ON shipments (order_id);

-- Money owed back: a short harvest's refund, or a payment that came after the tree was
-- taken. Through the provider's refund call where it has one (VNPay), else by hand.
CREATE TABLE refunds (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    reason      TEXT    NOT NULL CHECK (reason IN ('shortfall', 'late_payment')),
    amount_vnd  INTEGER NOT NULL CHECK (amount_vnd > 0),
    provider    TEXT    NOT NULL,
    request_id  TEXT    NOT NULL UNIQUE,
    state       TEXT    NOT NULL CHECK (state IN ('requested', 'done', 'failed', 'by_hand')),
    response    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (order_id, reason)
);

-- What a person is told in the app; `dedupe` makes telling the same thing twice a no-op.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    topic      TEXT    NOT NULL,
    text_vi    TEXT    NOT NULL,
    text_en    TEXT    NOT NULL,
    link       TEXT    NOT NULL,
    dedupe     TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX notifications_by_user ON notifications (user_id, id);

-- Mail waiting to go out; with no SMTP server configured it stays here for an admin to read.
CREATE TABLE mail_outbox (
    id         INTEGER PRIMARY KEY,
    to_addr    TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX mail_outbox_unsent ON mail_outbox (sent_at, id);

-- What a cooperative tells buyers about itself, and who cares for each zone (a name the
-- farmer agreed to show): the tree page's people.
ALTER TABLE cooperatives ADD COLUMN story TEXT NOT NULL DEFAULT '';
ALTER TABLE zones ADD COLUMN caretaker TEXT NOT NULL DEFAULT '';
