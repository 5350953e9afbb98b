//! What of the database belongs to one cooperative, table by table, in the order an
//! import must insert it (every row after the rows it refers to); and what is left out,
//! with why. A test checks that every table of the schema is in one list or the other, so
//! a new table cannot silently miss the archive.

/// A table's rows that belong to the cooperative whose id is `$1`.
pub struct Table {
    pub name: &'static str,
    /// An SQL condition on `$1`.
    pub scope: &'static str,
    /// The columns that order the rows (unique within the scope), so an archive of the same
    /// data is the same file.
    pub order: &'static str,
    /// Shared with other cooperatives (species): a row already there is kept as it is.
    pub shared: bool,
}

/// The cooperative's orders, by way of its offers.
macro_rules! orders {
    () => {
        "SELECT o.id FROM orders o JOIN offers f ON f.id = o.offer_id WHERE f.cooperative_id = $1"
    };
}

const fn own(name: &'static str, order: &'static str) -> Table {
    Table {
        name,
        scope: "cooperative_id = $1",
        order,
        shared: false,
    }
}

const fn of_orders(name: &'static str, order: &'static str) -> Table {
    Table {
        name,
        scope: concat!("order_id IN (", orders!(), ")"),
        order,
        shared: false,
    }
}

pub const TABLES: &[Table] = &[
    Table {
        name: "species",
        scope: "key IN (SELECT species FROM trees WHERE cooperative_id = $1)",
        order: "key",
        shared: true,
    },
    // Everyone the cooperative's records name: members, whoever invited or accepted, diary
    // authors, buyers and gift recipients, and who answered, settled or shipped.
    Table {
        name: "users",
        scope: concat!(
            "id IN (SELECT user_id FROM memberships WHERE cooperative_id = $1 ",
            "UNION SELECT created_by FROM invitations WHERE cooperative_id = $1 ",
            "UNION SELECT accepted_by FROM invitations WHERE cooperative_id = $1 ",
            "UNION SELECT user_id FROM diary_submissions WHERE cooperative_id = $1 ",
            "UNION SELECT o.buyer_id FROM orders o JOIN offers f ON f.id = o.offer_id WHERE f.cooperative_id = $1 ",
            "UNION SELECT answered_by FROM care_requests WHERE order_id IN (", orders!(), ") ",
            "UNION SELECT settled_by FROM harvest_settlements WHERE order_id IN (", orders!(), ") ",
            "UNION SELECT giver_id FROM gifts WHERE order_id IN (", orders!(), ") ",
            "UNION SELECT recipient_id FROM gifts WHERE order_id IN (", orders!(), ") ",
            "UNION SELECT recorded_by FROM shipments WHERE order_id IN (", orders!(), "))"
        ),
        order: "id",
        shared: false,
    },
    Table {
        name: "cooperatives",
        scope: "id = $1",
        order: "id",
        shared: false,
    },
    own("cooperative_keys", "id"),
    own("memberships", "user_id"),
    own("invitations", "id"),
    own("zones", "id"),
    own("trees", "id"),
    Table {
        name: "tree_photos",
        scope: "tree_id IN (SELECT id FROM trees WHERE cooperative_id = $1)",
        order: "id",
        shared: false,
    },
    // Keys and checkpoints before the entries: an import verifies the log as it reads it.
    own("checkpoints", "size"),
    own("cosignatures", "size, witness"),
    own("cooperative_witnesses", "name"),
    own("ledger_entries", "seq"),
    own("merkle_nodes", "node"),
    own("diary_submissions", "id"),
    own("diary_photos", "sha256"),
    own("payment_providers", "provider"),
    own("offers", "id"),
    Table {
        name: "orders",
        scope: concat!("id IN (", orders!(), ")"),
        order: "id",
        shared: false,
    },
    of_orders("payment_events", "id"),
    of_orders("care_requests", "id"),
    of_orders("harvest_settlements", "order_id"),
    of_orders("gifts", "id"),
    of_orders("harvest_choices", "order_id"),
    of_orders("shipments", "id"),
    of_orders("refunds", "id"),
];

/// Tables an archive does not carry, and why.
pub const LEFT_OUT: &[(&str, &str)] = &[
    ("_sqlx_migrations", "the schema's own bookkeeping"),
    ("sessions", "sign-ins belong to the server that made them"),
    (
        "api_tokens",
        "a token works on the server that issued it; managers issue new ones",
    ),
    ("login_failures", "throttling state, per server"),
    ("password_resets", "one-time codes, short-lived"),
    ("jobs", "finished downloads, kept for hours"),
    ("notifications", "each person's inbox spans cooperatives"),
    ("mail_outbox", "mail is the sending server's"),
    ("trace_facts", "rebuilt from the log on import"),
    ("trace_withdrawn", "rebuilt from the log on import"),
    ("trace_backfill", "rebuilt from the log on import"),
    (
        "witnessed_logs",
        "what this server vouched for as a witness of other logs, not the cooperative's",
    ),
    (
        "witness_evidence",
        "kept by the witnessing server against other logs",
    ),
];

/// The table's place in [`TABLES`].
pub fn position(name: &str) -> Option<usize> {
    TABLES.iter().position(|t| t.name == name)
}
