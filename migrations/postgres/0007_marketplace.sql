-- The marketplace: adoption offers, buyers' orders from hold to payment, and every payment
-- provider call. Same version and meaning as migrations/sqlite/0007_marketplace.sql.
-- Money is integer VND; weights are grams (a kilogram has no exact binary fraction).

-- A tree's season of care, for sale: one offer per tree and season.
CREATE TABLE offers (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id      BIGINT  NOT NULL REFERENCES cooperatives (id),
    tree_id             BIGINT  NOT NULL REFERENCES trees (id),
    season              TEXT    NOT NULL,
    starts_on           TEXT    NOT NULL,
    ends_on             TEXT    NOT NULL,
    price_vnd           BIGINT  NOT NULL CHECK (price_vnd > 0),
    expected_min_g      BIGINT  NOT NULL,
    expected_max_g      BIGINT  NOT NULL,
    guaranteed_g        BIGINT  NOT NULL,
    -- What the buyer gets, comma-separated (care, delivery, pickup, visits, naming, sign,
    -- no_chemical_sprays).
    includes            TEXT    NOT NULL,
    deliveries          BIGINT  NOT NULL,
    -- A short harvest: 'credit' or 'refund' of the shortfall at this price per kg.
    shortfall_policy    TEXT    NOT NULL,
    shortfall_vnd_per_kg BIGINT  NOT NULL,
    created_at          BIGINT  NOT NULL,
    UNIQUE (tree_id, season)
);
CREATE INDEX offers_by_cooperative ON offers (cooperative_id, season);

-- A buyer's adoption of an offer: held while payment runs, then paid, or expired or
-- cancelled (which frees the tree). `code` is the short payment code that travels in a
-- transfer's memo and as the gateway's reference.
CREATE TABLE orders (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    offer_id    BIGINT  NOT NULL REFERENCES offers (id),
    buyer_id    BIGINT  NOT NULL REFERENCES users (id),
    code        TEXT    NOT NULL UNIQUE,
    -- The pseudonym the adoption carries in the public log (derived from the code), by
    -- which its certificate is found.
    adoption    TEXT    NOT NULL UNIQUE,
    amount_vnd  BIGINT  NOT NULL CHECK (amount_vnd > 0),
    state       TEXT    NOT NULL CHECK (state IN ('held', 'paid', 'expired', 'cancelled', 'refund_due')),
    held_until  BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    paid_at     BIGINT
);
-- One buyer per tree and season: at most one order of an offer is held or paid. Two
-- hundred buyers clicking at once meet here, whichever engine.
CREATE UNIQUE INDEX orders_one_live_per_offer ON orders (offer_id) WHERE state IN ('held', 'paid');
CREATE INDEX orders_by_buyer ON orders (buyer_id, created_at);

-- Every call a payment provider made (IPN, return, bank feed), as received, with what we
-- made of it. A provider's transaction is applied once: a replay finds it here.
CREATE TABLE payment_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider     TEXT    NOT NULL,
    provider_ref TEXT,
    order_id     BIGINT  REFERENCES orders (id),
    amount_vnd   BIGINT,
    outcome      TEXT    NOT NULL,
    raw          TEXT    NOT NULL,
    received_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX payment_events_applied_once ON payment_events (provider, provider_ref)
    WHERE outcome IN ('paid', 'failed');
CREATE INDEX payment_events_by_order ON payment_events (order_id);

-- The payment providers a cooperative takes: VNPay (its merchant terminal) and VietQR
-- transfers to its bank account, confirmed by Casso's feed. `account` is the terminal code
-- or `bin:number`: reports find their cooperative by it. Public settings as JSON; the
-- provider's secret sealed like signing keys, never logged nor in the public log.
CREATE TABLE payment_providers (
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    provider       TEXT    NOT NULL CHECK (provider IN ('vnpay', 'vietqr')),
    account        TEXT    NOT NULL,
    settings       TEXT    NOT NULL,
    secret_sealed  BYTEA    NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (cooperative_id, provider)
);
CREATE UNIQUE INDEX payment_providers_by_account ON payment_providers (provider, account);

-- What an adopter asks of the cooperative about their tree (no chemical sprays, a photo of
-- the flowers), and the cooperative's answer.
CREATE TABLE care_requests (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    BIGINT NOT NULL REFERENCES orders (id),
    text        TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    answer      TEXT,
    answered_by BIGINT REFERENCES users (id),
    answered_at BIGINT
);
CREATE INDEX care_requests_by_order ON care_requests (order_id);

-- The end of an adoption's season: what the tree gave (grams, from its diary's harvests),
-- against the offer's guarantee; a shortfall is made good by the offer's policy (credit
-- or refund) at its price per kg. Settled once per order.
CREATE TABLE harvest_settlements (
    order_id         BIGINT PRIMARY KEY REFERENCES orders (id),
    harvested_g      BIGINT NOT NULL,
    guaranteed_g     BIGINT NOT NULL,
    shortfall_g      BIGINT NOT NULL,
    compensation_vnd BIGINT NOT NULL,
    policy           TEXT    NOT NULL CHECK (policy IN ('credit', 'refund')),
    settled_by       BIGINT NOT NULL REFERENCES users (id),
    settled_at       BIGINT NOT NULL
);
