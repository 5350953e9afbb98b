//! The cultivation diary: care logged on farmers' phones, often offline, sent in batches
//! (`docs/diary-sync.md`). A batch is checked whole before anything is stored; its new
//! entries are appended in one transaction; each entry is idempotent by the id the phone
//! gave it, so retries and double submits never duplicate.

pub mod action;
pub mod photos;
pub mod report;
pub mod timeline;

use std::collections::HashMap;

use ledger::{CoopCode, Digest, Entry, GeoPoint, Kind, Subject, TreeCode};
use serde::{Deserialize, Serialize};

pub use action::Action;

use crate::access::{Action as Permission, Actor};
use crate::clock::now_ms;
use crate::cooperatives;
use crate::error::{Error, Result, Text};
use crate::services::Services;
use crate::store::{CooperativeRow, DiaryAppend, Stored, TreeRow};

/// Entries one request may carry.
pub const MAX_BATCH: usize = 500;
/// Photos one entry may cite.
pub const MAX_PHOTOS: usize = 8;
/// How far ahead of the server a phone's clock may claim to be.
const CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;
/// 2000-01-01: no diary entry is older.
const EARLIEST_MS: i64 = 946_684_800_000;

/// A request to `POST /api/v1/diary/sync`. Entries stay raw JSON here so that one malformed
/// entry is refused alone, not with the whole queue behind it.
#[derive(Debug, Deserialize)]
pub struct SyncRequest {
    pub coop: String,
    pub entries: Vec<serde_json::Value>,
}

/// One diary entry as the phone froze it when the farmer saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub id: String,
    pub tree: String,
    pub recorded_at: i64,
    pub action: Action,
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub location: Option<Location>,
}

/// Where the phone was (WGS 84 degrees).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Stored,
    Duplicate,
    Conflict,
    Rejected,
}

/// What the server says of one entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    pub id: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Text>,
}

impl Ack {
    fn refused(id: &str, status: Status, message: Text) -> Self {
        Self {
            id: id.to_owned(),
            status,
            seq: None,
            hash: None,
            received_at: None,
            message: Some(message),
        }
    }
}

fn conflict_text() -> Text {
    Text::new(
        "Mục này đã được gửi trước đó với nội dung khác; không có gì thay đổi",
        "This entry was sent before with different content; nothing changed",
    )
}

/// A fresh id for a form: a UUIDv7, as a phone makes one.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// The unix milliseconds a UUIDv7 was made at (its first 48 bits).
fn id_time(id: &uuid::Uuid) -> i64 {
    id.as_bytes()[..6]
        .iter()
        .fold(0i64, |acc, b| (acc << 8) | i64::from(*b))
}

/// The id of one tree's entry of a plain form: the form's UUIDv7 (made when the page was
/// rendered) with its last six bytes taken from a hash of the tree, so that posting the
/// same form twice names the same entries (a double submit is a duplicate, not a second
/// entry), and its time, the moment the farmer opened the form. `None` if `form_id` is not
/// a UUIDv7.
pub fn form_entry(form_id: &str, tree: &str) -> Option<(String, i64)> {
    let u = uuid::Uuid::try_parse(form_id)
        .ok()
        .filter(|u| u.get_version_num() == 7)?;
    let mut bytes = *u.as_bytes();
    let h = blake3::hash(format!("{form_id}/{tree}").as_bytes());
    bytes[10..].copy_from_slice(&h.as_bytes()[..6]);
    let id = uuid::Uuid::from_bytes(bytes);
    Some((id.hyphenated().to_string(), id_time(&id)))
}

/// An entry checked and ready to append.
struct Checked {
    id: String,
    content: [u8; 32],
    tree: TreeCode,
    recorded_at: i64,
    kind: Kind,
    photos: Vec<Digest>,
    location: Option<GeoPoint>,
}

/// Checks one raw entry against the cooperative: every reason to refuse it, in the
/// farmer's words.
async fn check(
    s: &Services,
    coop: &CooperativeRow,
    raw: serde_json::Value,
    now: i64,
    trees: &mut HashMap<String, Option<TreeRow>>,
) -> std::result::Result<Checked, (String, Text)> {
    // Echoed in the reply: a real id is 36 characters.
    let id: String = raw
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .chars()
        .take(40)
        .collect();
    let refuse = |e: Error| (id.clone(), e.public_text());
    let sub: Submission = serde_json::from_value(raw).map_err(|e| {
        (
            id.clone(),
            Text::new(
                format!("Mục nhật ký không đúng định dạng: {e}"),
                format!("The diary entry is malformed: {e}"),
            ),
        )
    })?;
    match uuid::Uuid::try_parse(&sub.id) {
        Ok(u)
            if u.get_version_num() == 7
                && sub.id == u.hyphenated().to_string()
                && (EARLIEST_MS..=now + CLOCK_SKEW_MS).contains(&id_time(&u)) => {}
        _ => {
            return Err(refuse(Error::invalid(
                "Mã mục phải là UUIDv7 viết thường, tạo lúc ghi",
                "The entry id must be a lower-case UUIDv7 made when the entry was saved",
            )))
        }
    }
    if !(EARLIEST_MS..=now + CLOCK_SKEW_MS).contains(&sub.recorded_at) {
        return Err(refuse(Error::invalid(
            "Thời gian ghi không hợp lệ: hãy kiểm tra đồng hồ của điện thoại",
            "The time recorded is not plausible: check the phone's clock",
        )));
    }
    let tree = TreeCode::parse(&sub.tree).map_err(|e| refuse(e.into()))?;
    // A batch names the same trees again and again: each is read once.
    let row = match trees.get(tree.as_str()) {
        Some(known) => known.clone(),
        None => {
            let row = s
                .store
                .tree_row(coop.id, tree.as_str())
                .await
                .map_err(refuse)?;
            trees.insert(tree.as_str().to_owned(), row.clone());
            row
        }
    };
    let row = row.ok_or_else(|| {
        refuse(Error::invalid(
            format!("Không có cây {tree} trong hợp tác xã này"),
            format!("There is no tree {tree} in this cooperative"),
        ))
    })?;
    if row.status != "active" {
        return Err(refuse(Error::invalid(
            format!("Cây {tree} đã bị loại khỏi sổ"),
            format!("Tree {tree} was removed from the register"),
        )));
    }
    let kind = sub.action.to_kind().map_err(refuse)?;
    if let Kind::Correction { corrects, .. } | Kind::Amended { corrects, .. } = &kind {
        let target = s
            .store
            .kind_of_entry(coop.id, &format!("tree:{tree}"), corrects)
            .await
            .map_err(refuse)?;
        if !target.is_some_and(|t| u16::try_from(t).is_ok_and(Kind::is_care_tag)) {
            return Err(refuse(Error::invalid(
                format!("Mục cần sửa không có trong nhật ký của cây {tree}"),
                format!("The entry to correct is not in the diary of tree {tree}"),
            )));
        }
    }
    if sub.photos.len() > MAX_PHOTOS {
        return Err(refuse(Error::invalid(
            format!("Tối đa {MAX_PHOTOS} ảnh cho một mục"),
            format!("At most {MAX_PHOTOS} photos per entry"),
        )));
    }
    let mut photos = Vec::with_capacity(sub.photos.len());
    for name in &sub.photos {
        let sha = photos::upload_name(name).map_err(refuse)?;
        let hash = s
            .store
            .diary_photo_hash(coop.id, &sha)
            .await
            .map_err(refuse)?
            .ok_or_else(|| {
                refuse(Error::invalid(
                    "Ảnh của mục này chưa được tải lên",
                    "A photo of this entry has not been uploaded",
                ))
            })?;
        photos.push(hash);
    }
    let location = sub
        .location
        .map(|l| GeoPoint::from_degrees(l.lat, l.lon))
        .transpose()
        .map_err(|_| {
            refuse(Error::invalid(
                "Vị trí GPS không hợp lệ",
                "The GPS position is out of range",
            ))
        })?;
    // The content an id is compared on: the entry as sent, in the struct's fixed field
    // order, within this cooperative.
    let canonical = serde_json::to_vec(&(&coop.code, &sub))
        .map_err(|e| refuse(Error::Internal(format!("encoding an entry: {e}"))))?;
    Ok(Checked {
        id: sub.id,
        content: *blake3::hash(&canonical).as_bytes(),
        tree,
        recorded_at: sub.recorded_at,
        kind,
        photos,
        location,
    })
}

/// Stores a batch of diary entries from `actor`, a member of the cooperative, and signs a
/// checkpoint after it. Returns one acknowledgement per entry, in order; the entries it
/// calls stored or duplicate are durable.
pub async fn sync(s: &Services, actor: &Actor, req: SyncRequest) -> Result<Vec<Ack>> {
    sync_with(s, actor, req, false).await
}

/// [`sync`] for a plain form: all of it or nothing. If any entry is refused, nothing is
/// stored and the first refusal is the error (a form names several trees at once; storing
/// some and saying it failed would make the farmer send them again).
pub async fn sync_all(s: &Services, actor: &Actor, req: SyncRequest) -> Result<Vec<Ack>> {
    sync_with(s, actor, req, true).await
}

async fn sync_with(
    s: &Services,
    actor: &Actor,
    req: SyncRequest,
    all_or_nothing: bool,
) -> Result<Vec<Ack>> {
    let coop = cooperatives::by_code(&s.store, &req.coop).await?;
    actor.require(coop.id, Permission::Record)?;
    let user_id = actor.account().ok_or(Error::Forbidden)?;
    if req.entries.len() > MAX_BATCH {
        return Err(Error::too_large(
            format!("Tối đa {MAX_BATCH} mục mỗi lần đồng bộ"),
            format!("At most {MAX_BATCH} entries per sync"),
        ));
    }
    let now = now_ms();
    let author = actor.author_in(coop.id);
    let mut acks: Vec<Option<Ack>> = vec![None; req.entries.len()];
    let mut appends = Vec::new();
    // Where each id first appears in this batch, its content and its place in `appends`.
    let mut first: HashMap<String, ([u8; 32], usize)> = HashMap::new();
    let mut repeats = Vec::new();
    let mut trees = HashMap::new();
    for (i, raw) in req.entries.into_iter().enumerate() {
        match check(s, &coop, raw, now, &mut trees).await {
            Err((id, text)) => acks[i] = Some(Ack::refused(&id, Status::Rejected, text)),
            Ok(c) => {
                if let Some((content, at)) = first.get(&c.id) {
                    repeats.push((i, c.id.clone(), *content == c.content, *at));
                    continue;
                }
                first.insert(c.id.clone(), (c.content, appends.len()));
                appends.push((i, c));
            }
        }
    }
    if all_or_nothing {
        if let Some(refused) = acks.iter().flatten().find(|a| a.status == Status::Rejected) {
            let text = refused.message.clone().unwrap_or_else(conflict_text);
            return Err(Error::Invalid(text));
        }
    }
    let stored = if appends.is_empty() {
        Vec::new()
    } else {
        let batch = appends
            .iter()
            .map(|(_, c)| DiaryAppend {
                id: c.id.clone(),
                user_id,
                content: c.content,
                subject: format!("tree:{}", c.tree),
                location: c.location.map(|g| (g.lat_micro, g.lon_micro)),
                make: make_entry(c, &author, now),
            })
            .collect();
        let (sealer, origin, code) = (s.sealer.clone(), coop.origin.clone(), coop.code.clone());
        let sign = move |sealed: &[u8], size: u64, root: Digest| {
            let key = sealer.open(sealed, &code)?;
            Ok(ledger::Checkpoint { origin, size, root }.sign(&key))
        };
        let stored = s.store.append_diary(coop.id, batch, sign).await?;
        let fresh = stored
            .iter()
            .filter(|o| matches!(o, Stored::Entry { fresh: true, .. }))
            .count();
        metrics::counter!("goc_diary_entries_stored_total").increment(fresh as u64);
        stored
    };
    for ((i, c), outcome) in appends.iter().zip(&stored) {
        acks[*i] = Some(ack(&c.id, outcome));
    }
    for (i, id, same, at) in repeats {
        acks[i] = Some(if same {
            let mut a = ack(&id, &stored[at]);
            if a.status == Status::Stored {
                a.status = Status::Duplicate;
            }
            a
        } else {
            Ack::refused(&id, Status::Conflict, conflict_text())
        });
    }
    Ok(acks.into_iter().flatten().collect())
}

fn ack(id: &str, outcome: &Stored) -> Ack {
    match outcome {
        Stored::Conflict => Ack::refused(id, Status::Conflict, conflict_text()),
        Stored::Entry {
            seq,
            hash,
            received_at,
            fresh,
        } => Ack {
            id: id.to_owned(),
            status: if *fresh {
                Status::Stored
            } else {
                Status::Duplicate
            },
            seq: Some(*seq),
            hash: Some(hash.to_string()),
            received_at: Some(*received_at),
            message: None,
        },
    }
}

fn make_entry(c: &Checked, author: &str, now: i64) -> crate::store::BoxedEntry {
    let (tree, recorded_at, kind, photos) = (
        c.tree.clone(),
        c.recorded_at,
        c.kind.clone(),
        c.photos.clone(),
    );
    let author = author.to_owned();
    Box::new(move |code: &str, seq: u64, prev: Option<Digest>| {
        Ok(Entry {
            cooperative: CoopCode::parse(code)?,
            seq,
            subject: Subject::Tree(tree),
            prev,
            recorded_at,
            received_at: now,
            author,
            photos,
            kind,
        })
    })
}
