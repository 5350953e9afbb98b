//! Rows as the store returns them, and inputs as it takes them.

/// A cooperative's stored record.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CooperativeRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub province: String,
    pub district: String,
    pub commune: String,
    pub contact: String,
    pub gs1_prefix: Option<String>,
    pub origin: String,
    pub log_size: i64,
    pub created_at: i64,
    /// When a platform administrator approved it; until then it is not listed and its
    /// labels do not read as verified.
    pub approved_at: Option<i64>,
}

/// A cooperative with its counts, for listings.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CooperativeSummaryRow {
    pub code: String,
    pub name: String,
    pub province: String,
    pub district: String,
    pub commune: String,
    pub zones: i64,
    pub trees: i64,
    pub approved: bool,
}

/// One key of a cooperative's history. The sealed secret stays in the store layer's
/// callers on the server; this type derives no `Serialize`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub key_id: String,
    pub public_key: Vec<u8>,
    pub secret_sealed: Vec<u8>,
    pub rotation: Option<Vec<u8>>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ZoneRow {
    pub id: i64,
    pub cooperative_id: i64,
    pub code: Option<String>,
    pub name: String,
    pub crops: String,
    pub area_ha: f64,
    pub households: i64,
    pub boundary: Option<String>,
    pub created_at: i64,
    /// Who cares for the zone's trees, as buyers may see.
    pub caretaker: String,
}

/// Everything the public tree page shows, in one row.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TreeDetailRow {
    pub id: i64,
    pub code: String,
    pub species: String,
    pub variety: String,
    pub planted_on: String,
    pub status: String,
    pub lat_micro: Option<i64>,
    pub lon_micro: Option<i64>,
    pub identity_path: String,
    pub zone_name: String,
    pub zone_code: Option<String>,
    pub zone_boundary: Option<String>,
    pub zone_crops: String,
    pub zone_area_ha: f64,
    pub coop_code: String,
    pub coop_name: String,
    pub coop_approved: bool,
    pub province: String,
    pub district: String,
    pub commune: String,
    pub species_vi: Option<String>,
    pub species_en: Option<String>,
    /// Who cares for the tree's zone, as buyers may see ('' if nobody is named).
    pub zone_caretaker: String,
    /// What the cooperative tells buyers about itself.
    pub coop_story: String,
    /// The current adopter's name for the tree.
    pub adopted_name: Option<String>,
}

impl TreeDetailRow {
    /// The species' name in `lang` (read in the same query: the scan path makes one trip).
    pub fn species_name(&self, lang: crate::error::Lang) -> String {
        match lang {
            crate::error::Lang::Vi => self.species_vi.clone(),
            crate::error::Lang::En => self.species_en.clone(),
        }
        .unwrap_or_else(|| self.species.clone())
    }
}

/// A tree as listed within its cooperative.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TreeListRow {
    pub code: String,
    pub species: String,
    pub variety: String,
    pub zone_name: String,
    pub status: String,
}

/// A stored ledger entry.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EntryRow {
    pub seq: i64,
    pub subject: String,
    pub hash: Vec<u8>,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CheckpointRow {
    pub size: i64,
    pub root: Vec<u8>,
    pub note: String,
}

/// A new cooperative, validated by [`crate::cooperatives::NewCooperative`].
#[derive(Debug, Clone)]
pub struct CooperativeInsert {
    pub code: String,
    pub name: String,
    pub province: String,
    pub district: String,
    pub commune: String,
    pub contact: String,
    pub gs1_prefix: Option<String>,
    pub origin: String,
    pub key_id: String,
    pub public_key: Vec<u8>,
    pub secret_sealed: Vec<u8>,
    pub created_at: i64,
    /// Set when a platform administrator registers it (approved at once).
    pub approved_at: Option<i64>,
    /// The account that registers it, made its manager in the same transaction, with its
    /// pseudonym there.
    pub manager: Option<(i64, String)>,
}

#[derive(Debug, Clone)]
pub struct ZoneInsert {
    pub cooperative_id: i64,
    pub code: Option<String>,
    pub name: String,
    pub crops: String,
    pub area_ha: f64,
    pub households: i64,
    pub boundary: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct TreeInsert {
    pub cooperative_id: i64,
    pub zone_id: i64,
    pub code: String,
    pub species: String,
    pub variety: String,
    pub planted_on: String,
    pub lat_micro: Option<i64>,
    pub lon_micro: Option<i64>,
    pub identity_path: String,
    pub created_at: i64,
}

/// What a tree's label shows, and what a selection filters on.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TreeLabelRow {
    pub code: String,
    pub species: String,
    pub variety: String,
    pub status: String,
    pub zone_id: i64,
    pub zone_code: Option<String>,
    pub identity_path: String,
}

/// A cooperative's new key, as a rotation stores it.
#[derive(Debug, Clone)]
pub struct KeyInsert {
    pub key_id: String,
    pub public_key: Vec<u8>,
    pub secret_sealed: Vec<u8>,
    pub created_at: i64,
}

/// A tree as its own management page needs it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TreeRow {
    pub id: i64,
    pub code: String,
    pub status: String,
}

/// A stored photo, without its bytes.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PhotoRow {
    pub hash: Vec<u8>,
    pub width: i64,
    pub height: i64,
}

/// A photo whose bytes are still in the database, to move to the photo store.
#[derive(Debug, Clone)]
pub struct KeptPhoto {
    pub hash: [u8; 32],
    pub image: Vec<u8>,
    pub thumb: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct PhotoInsert {
    pub tree_id: i64,
    pub hash: Vec<u8>,
    pub width: i64,
    pub height: i64,
    pub created_at: i64,
}

/// A species the platform knows.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SpeciesRow {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    pub scientific: String,
}

/// A person's account.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub name: String,
    pub password_hash: Option<String>,
    pub is_admin: bool,
}

/// One of a person's cooperatives, with their role there.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MembershipRow {
    pub cooperative_id: i64,
    pub code: String,
    pub name: String,
    pub role: String,
    /// The member's pseudonym in this cooperative's public log.
    pub alias: String,
}

/// A member as the cooperative's members page lists them.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub role: String,
}

/// A new account, with its argon2id password hash.
#[derive(Debug, Clone)]
pub struct UserInsert {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub name: String,
    pub password_hash: String,
    pub created_at: i64,
}

/// An invitation to a cooperative, with the cooperative it is for.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: i64,
    pub cooperative_id: i64,
    pub coop_code: String,
    pub coop_name: String,
    pub phone: String,
    pub name: String,
    pub role: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub closed_at: Option<i64>,
}

/// A background job as stored (its file is read separately, only for the download).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub cooperative_id: i64,
    pub total: i64,
    pub done: i64,
    pub state: String,
    pub count: Option<i64>,
    pub message_vi: Option<String>,
    pub message_en: Option<String>,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}
