//! What pages receive from server functions: plain data, safe to send to the browser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoopCard {
    pub code: String,
    pub name: String,
    pub place: String,
    pub zones: i64,
    pub trees: i64,
    /// Approved by a platform administrator (until then not listed, not verified).
    pub approved: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeCard {
    pub code: String,
    pub species: String,
    pub variety: String,
    pub zone_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoopPage {
    pub card: CoopCard,
    pub trees: Vec<TreeCard>,
}

/// Whether the identity the visitor came by verified, and if not, why (a sentence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Verification {
    Verified { key_id: String },
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreePage {
    pub coop_code: String,
    pub coop_name: String,
    /// Approved by a platform administrator: only then can its labels read as verified.
    pub coop_approved: bool,
    pub place: String,
    pub code: String,
    pub species: String,
    pub variety: String,
    /// ISO, for machines (`<time datetime>`).
    pub planted_on: String,
    /// The planting date as the reader writes dates.
    pub planted_shown: String,
    pub age_years: i64,
    pub active: bool,
    pub zone_name: String,
    pub zone_code: Option<String>,
    /// The zone's area as the reader writes numbers (12,5).
    pub zone_area: String,
    /// The zone's outline as an SVG path in a 100×100 box, drawn without any map tiles.
    pub zone_outline: Option<String>,
    /// The boundary for the web map, when small enough for the page's byte budget.
    pub zone_geojson: Option<String>,
    pub location: Option<(f64, f64)>,
    pub identity_url: String,
    pub verification: Verification,
    pub photos: Vec<Photo>,
    /// Absolute URLs for link previews: the newest photo, and the tree's plain address.
    pub share_image: Option<String>,
    pub share_url: String,
    /// Reached by a scanned QR label (the signed identity was in the URL), not a link.
    pub scanned: bool,
    /// Facts that contradict each other (a tree far from its zone), in the reader's
    /// language: no green badge while there are any.
    pub notes: Vec<String>,
    /// The care diary, checked against the stored chain.
    pub diary: Diary,
    /// Seasons of this tree's care for sale, latest first.
    pub offers: Vec<OfferCard>,
    /// The independent witnesses that cosigned the cooperative's newest cosigned
    /// checkpoint (the phone checks their cosignatures itself).
    pub witnesses: Vec<String>,
    /// The cooperative's words to buyers, and who cares for the tree's zone.
    pub story: String,
    pub caretaker: String,
    /// The name the current adopter gave the tree.
    pub adopted_name: Option<String>,
}

/// An adoption offer as the tree page shows it, in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferCard {
    pub id: i64,
    /// "01/03/2027 – 31/10/2027".
    pub season: String,
    /// "6.000.000 đ".
    pub price: String,
    /// "35 kg – 50 kg".
    pub expected: String,
    pub guaranteed: String,
    /// Keys of `server::market::INCLUDES`.
    pub includes: Vec<String>,
    pub deliveries: i64,
    pub refund_shortfall: bool,
    /// The price per kg a shortfall is made good at.
    pub shortfall_per_kg: String,
    /// No one holds or has adopted it.
    pub available: bool,
}

/// A buyer's order, as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPage {
    pub code: String,
    /// The adoption's pseudonym: its certificate's address once paid.
    pub adoption: String,
    pub state: String,
    pub amount: String,
    /// The hour the hold ends in Vietnam's time ("10:45"), and the moment in ISO 8601.
    pub held_until: String,
    pub held_until_iso: String,
    /// How long the hold had left when the page was made (negative once it lapsed).
    pub hold_left_ms: i64,
    /// The offer the order is for: where to adopt the tree again if the hold lapses.
    pub offer: i64,
    pub coop_code: String,
    pub coop_name: String,
    pub tree_code: String,
    pub season: String,
    pub vnpay_url: Option<String>,
    pub transfer: Option<Transfer>,
}

/// A VietQR transfer's QR and details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    pub qr_svg: String,
    pub bin: String,
    pub account: String,
    pub name: String,
    pub memo: String,
}

/// A tree photo, by its content hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Photo {
    pub hash: String,
    pub width: i64,
    pub height: i64,
}

impl Photo {
    pub fn thumb(&self) -> String {
        format!("/photos/{}/thumb.jpg", self.hash)
    }
    pub fn full(&self) -> String {
        format!("/photos/{}/full.jpg", self.hash)
    }
}

/// One tree on its manager's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManageTree {
    pub coop_code: String,
    pub code: String,
    pub species: String,
    pub variety: String,
    pub active: bool,
    pub photos: Vec<Photo>,
    /// May change it (photos, status) and print its label: managers, not farmers.
    pub can_manage: bool,
    /// What an offer can include (keys, in the server's order).
    pub inclusions: Vec<String>,
}

/// The signed-in person, for the header and the manager's home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub is_admin: bool,
    /// Notifications not read yet.
    pub unread: i64,
    pub coops: Vec<MyCoop>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyCoop {
    pub code: String,
    pub name: String,
    /// "manager" or "farmer".
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneItem {
    pub id: i64,
    pub code: Option<String>,
    pub name: String,
    pub crops: String,
    /// The area as the reader writes numbers (12,5 in Vietnamese).
    pub area: String,
    pub households: i64,
    /// A note on the code's form (a packing-house code, a form we cannot check).
    pub code_note: Option<String>,
    /// Perennial-crop zones must be at least 1 ha to be registered.
    pub under_minimum: bool,
    /// Who cares for the zone's trees, shown on their pages.
    pub caretaker: String,
    pub outline: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberItem {
    pub user_id: i64,
    pub name: String,
    /// How to reach them: shown to managers only.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub role: String,
}

/// An invitation not yet accepted, for the cooperative's managers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationItem {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub role: String,
    /// dd/mm/yyyy in Asia/Ho_Chi_Minh.
    pub expires_on: String,
    pub expired: bool,
}

/// What an invitation code offers, shown before it is accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub coop_code: String,
    pub coop_name: String,
    pub role: String,
    /// The number it is made out to, with all but the last three digits hidden.
    pub phone_hint: String,
    /// Whether a person is signed in (they accept with one tap).
    pub signed_in: bool,
}

/// A cooperative's working page, as its manager or farmer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagePage {
    pub code: String,
    pub name: String,
    pub place: String,
    pub key_id: String,
    pub can_manage: bool,
    /// May invite and remove members, and issue reset codes.
    pub can_manage_members: bool,
    /// A platform administrator: may replace a lost key.
    pub is_admin: bool,
    /// Every species, as (key, name in the reader's language).
    pub species: Vec<(String, String)>,
    pub zones: Vec<ZoneItem>,
    /// One page of the trees matching `query`.
    pub trees: Vec<TreeCard>,
    pub query: String,
    pub page: usize,
    pub pages: usize,
    /// Trees matching the query, on every page.
    pub tree_total: usize,
    pub members: Vec<MemberItem>,
    pub invitations: Vec<InvitationItem>,
    /// What the cooperative tells buyers on its trees' pages.
    pub story: String,
    /// Its GS1 company prefix ('' when none) and the GLN derived from it.
    pub gs1: String,
    pub gln: String,
    /// Read-only API tokens issued to other systems (managers only).
    pub api_tokens: Vec<ApiTokenItem>,
    /// The independent witnesses the log is submitted to (managers only), and how many of
    /// them its published histories promise have cosigned.
    pub witnesses: Vec<WitnessItem>,
    pub witness_quorum: i64,
}

/// A witness as the manage page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WitnessItem {
    pub name: String,
    pub url: String,
    /// The log size it last cosigned (0: none yet).
    pub cosigned: i64,
    /// Its last refusal or failure, as `<status>: <English detail>` ('' when fine).
    pub problem: String,
}

/// An API token as the manage page lists it (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiTokenItem {
    pub id: i64,
    pub name: String,
    pub created_by: String,
    /// dd/mm/yyyy in Asia/Ho_Chi_Minh.
    pub created_on: String,
    /// When it was last used ('' if never).
    pub last_used: String,
    pub revoked: bool,
}

/// A background import as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum JobView {
    Running {
        done: usize,
        total: usize,
    },
    /// `file`: a download is ready (a label PDF).
    Finished {
        count: usize,
        file: bool,
    },
    Failed {
        message: String,
    },
}

/// A tree's diary as its page shows it, newest first, or why it cannot be trusted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Diary {
    pub lines: Vec<DiaryLine>,
    /// The stored history no longer checks (edited in the database): what is wrong.
    pub damaged: Option<String>,
}

/// One entry of a diary, described in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiaryLine {
    pub seq: u64,
    /// The entry's hash (hex): what a correction names.
    pub hash: String,
    /// When it was done, as the reader writes dates (Asia/Ho_Chi_Minh), and as ISO.
    pub when: String,
    pub when_iso: String,
    /// A short key for the kind of care (`watered`, `sprayed`, …) for icons and styles.
    pub kind: String,
    /// What it says now, corrections applied; `None` once withdrawn.
    pub what: Option<String>,
    /// What it said first, when a correction changed it.
    pub original: Option<String>,
    /// Each correction: when and why.
    pub corrections: Vec<String>,
    /// A harvest inside a spray's pre-harvest interval.
    pub flag: Option<String>,
    /// Content hashes (hex) of the entry's photos.
    pub photos: Vec<String>,
    /// The recorder's pseudonym in the cooperative.
    pub author: String,
}

/// What a farmer's home shows of one tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FarmTree {
    pub code: String,
    pub species: String,
    /// The last care and when ("Tưới · 02/12/2026").
    pub last: Option<String>,
    /// What needs attention: a spray's interval still running, or no care for weeks.
    pub due: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FarmZone {
    pub name: String,
    /// A stable key for the zone's checkbox (its id).
    pub key: String,
    pub trees: Vec<FarmTree>,
}

/// A farmer's working page for one cooperative: every tree, and the diary form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FarmPage {
    /// Who is logging: their pseudonym in the cooperative (a shared phone keeps each
    /// member's queued entries apart).
    pub user: String,
    pub coop_code: String,
    pub coop_name: String,
    pub zones: Vec<FarmZone>,
    /// Only on a tree's own page: that tree and its diary.
    pub tree: Option<(FarmTree, Diary)>,
    /// Reached by scanning a label: whether its signature verified for this tree.
    pub label: Option<bool>,
}

/// The cooperative's diary as a manager reads it, filtered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiaryReport {
    pub coop_code: String,
    pub coop_name: String,
    /// Choices of the filter form: zones (id, name) and recorders (pseudonym, name).
    pub zones: Vec<(String, String)>,
    pub authors: Vec<(String, String)>,
    /// The filter as given (to fill the form again).
    pub tree: String,
    pub zone: String,
    pub author: String,
    pub week: String,
    pub quiet_days: i64,
    /// Entries grouped by the ISO week they were recorded in, newest first.
    pub weeks: Vec<(String, Vec<ReportLine>)>,
    pub truncated: bool,
    /// Trees with no care for `quiet_days`: code and when they last had some.
    pub quiet: Vec<(String, String)>,
    /// Harvests inside a spray's pre-harvest interval, as sentences.
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportLine {
    pub when: String,
    pub tree: String,
    pub what: String,
    pub who: String,
    pub flag: Option<String>,
}

/// The checkout step: one offer, and whether the reader is signed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdoptView {
    pub offer: OfferCard,
    pub tree_code: String,
    pub coop_code: String,
    pub coop_name: String,
    pub signed_in: bool,
}

/// An adoption certificate as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateView {
    pub adoption: String,
    pub coop_code: String,
    pub coop_name: String,
    pub tree_code: String,
    /// The adopter's name for the tree, if they gave one.
    pub tree_name: Option<String>,
    /// Whether the reader holds this adoption: the certificate says "you" to them, and
    /// names the adopter by the adoption's pseudonym to everyone else.
    pub yours: bool,
    pub species: String,
    pub season: String,
    /// "01/03/2027 – 31/10/2027".
    pub dates: String,
    pub entry_seq: u64,
    pub entry_hash: String,
    pub adopted: String,
    pub origin: String,
    pub checkpoint_size: u64,
    pub checkpoint_root: String,
    pub tree_url: String,
    /// The tree's newest photo: its thumbnail's path.
    pub photo: Option<String>,
}

/// One of the buyer's adopted trees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyTree {
    pub tree_code: String,
    pub coop_code: String,
    pub coop_name: String,
    pub season: String,
    pub adoption: String,
    pub order_code: String,
    /// The latest line of the tree's diary, in the reader's language.
    pub latest: Option<String>,
    /// What the adopter asked the cooperative, and its answer once given.
    pub requests: Vec<(String, Option<String>)>,
    /// The season's harvest against the guarantee, once the cooperative settled it.
    pub settlement: Option<String>,
    /// The adopter's name for the tree.
    pub tree_name: Option<String>,
    /// The newest photos of its diary (content hashes), newest first.
    pub photos: Vec<String>,
    /// The season's first and last day, as the reader writes dates.
    pub season_dates: String,
    /// What the offer lets the adopter choose: delivery, pickup.
    pub can_deliver: bool,
    pub can_pickup: bool,
    /// The way chosen for the harvest, in the reader's language.
    pub harvest_choice: Option<String>,
    /// Shipments and refunds, each a line in the reader's language.
    pub shipments: Vec<String>,
    pub refunds: Vec<String>,
    /// An open gift link's expiry, as the reader writes dates.
    pub gift_open_until: Option<String>,
}
