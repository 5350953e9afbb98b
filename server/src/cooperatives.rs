//! Creating cooperatives, their key history, and their current signing key.

use ledger::{
    CoopCode, KeyHistory, Kind, PublicKey, RotationReason, RotationStatement, SignedRotation,
    SigningKey, Subject,
};

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::log::entry_now;
use crate::sealing::Sealer;
use crate::store::{CooperativeInsert, CooperativeRow, KeyInsert, KeyRow, Store};
use crate::text::{optional, required};

/// A cooperative as a manager registers it. Built only through [`NewCooperative::parse`].
#[derive(Debug, Clone)]
pub struct NewCooperative {
    code: CoopCode,
    name: String,
    province: String,
    district: String,
    commune: String,
    contact: String,
    gs1_prefix: Option<String>,
}

impl NewCooperative {
    pub fn parse(
        code: &str,
        name: &str,
        (province, district, commune): (&str, &str, &str),
        contact: &str,
        gs1_prefix: Option<&str>,
    ) -> Result<Self> {
        let code = CoopCode::parse(code.trim()).map_err(|_| {
            Error::invalid(
                "Mã hợp tác xã gồm 2–16 ký tự A–Z, 0–9 và dấu gạch ngang ở giữa",
                "cooperative code must be 2–16 characters A–Z, 0–9 and inner hyphens",
            )
        })?;
        let gs1_prefix = gs1_prefix_of(gs1_prefix.unwrap_or_default())?;
        Ok(Self {
            code,
            name: required(("tên", "name"), name, 200)?,
            province: required(("tỉnh/thành phố", "province"), province, 100)?,
            // Districts were abolished on 1 July 2025: older addresses still name one.
            district: optional(("quận/huyện", "district"), district, 100)?,
            commune: required(("xã/phường", "commune"), commune, 100)?,
            contact: optional(("liên hệ", "contact"), contact, 200)?,
            gs1_prefix,
        })
    }
}

/// Registers a cooperative with a freshly generated signing key, sealed at rest. Anyone
/// signed in may; the person who does becomes its manager.
pub async fn create(
    store: &Store,
    sealer: &Sealer,
    origin_prefix: &str,
    actor: &Actor,
    new: NewCooperative,
) -> Result<i64> {
    if let Some(p) = &new.gs1_prefix {
        gs1_prefix_free(store, p, None).await?;
    }
    let key = SigningKey::from_seed(&sealer.new_key_seed(new.code.as_str(), 0)?);
    let public = key.public_key();
    store
        .insert_cooperative(&CooperativeInsert {
            origin: format!("{origin_prefix}/log/{}", new.code),
            code: new.code.to_string(),
            name: new.name,
            province: new.province,
            district: new.district,
            commune: new.commune,
            contact: new.contact,
            gs1_prefix: new.gs1_prefix,
            key_id: public.key_id().to_string(),
            public_key: public.to_bytes().to_vec(),
            secret_sealed: sealer.seal(&key.to_seed(), new.code.as_str())?,
            created_at: now_ms(),
            // A platform administrator (or the command line) vouches by registering it.
            approved_at: actor.is_admin.then(now_ms),
            manager: match actor.account() {
                Some(user) => Some((user, crate::accounts::new_alias()?)),
                None => None,
            },
        })
        .await
}

/// A platform administrator approves a registered cooperative: from then on it is listed
/// publicly and its labels read as verified.
pub async fn approve(store: &Store, actor: &Actor, code: &str) -> Result<()> {
    if !actor.is_admin {
        return Err(Error::Forbidden);
    }
    if store.approve_cooperative(code, now_ms()).await? {
        Ok(())
    } else {
        Err(Error::NotFound("cooperative"))
    }
}

/// Cooperatives waiting for approval, for platform administrators.
pub async fn unapproved(
    store: &Store,
    actor: &Actor,
) -> Result<Vec<crate::store::CooperativeSummaryRow>> {
    if !actor.is_admin {
        return Err(Error::Forbidden);
    }
    store.unapproved_cooperatives().await
}

/// A GS1 company prefix as typed: none when empty, else 6–12 digits.
fn gs1_prefix_of(typed: &str) -> Result<Option<String>> {
    match typed.trim() {
        "" => Ok(None),
        // GS1 company prefixes are 6 to 12 digits; Vietnam's start with 893.
        p if (6..=12).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(Some(p.to_owned()))
        }
        _ => Err(Error::invalid(
            "Mã doanh nghiệp GS1 gồm 6–12 chữ số",
            "GS1 company prefix must be 6–12 digits",
        )),
    }
}

/// Refuses a prefix that is, contains or is contained in another cooperative's: a Digital
/// Link must name one cooperative's tree (found by an outside probe: a new cooperative
/// could take over another's printed labels).
async fn gs1_prefix_free(store: &Store, prefix: &str, except: Option<i64>) -> Result<()> {
    let taken = store.gs1_prefixes().await?.into_iter().any(|(id, other)| {
        Some(id) != except && (other.starts_with(prefix) || prefix.starts_with(&other))
    });
    if taken {
        return Err(Error::conflict(
            "Mã doanh nghiệp GS1 này (hoặc một mã trùng phần đầu) đã thuộc hợp tác xã khác.",
            "This GS1 company prefix (or one overlapping it) belongs to another cooperative.",
        ));
    }
    Ok(())
}

/// A manager enters the cooperative's GS1 company prefix: its trees, zones and harvest
/// lots then get GS1 Digital Link URIs (`crate::gs1`). Once set, only a platform
/// administrator changes it: labels printed with it would stop resolving.
pub async fn set_gs1_prefix(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    typed: &str,
) -> Result<()> {
    actor.require(coop.id, crate::access::Action::ManageCooperative)?;
    let prefix = gs1_prefix_of(typed)?;
    if prefix == coop.gs1_prefix {
        return Ok(());
    }
    if coop.gs1_prefix.is_some() && !actor.is_admin {
        return Err(Error::conflict(
            "Mã GS1 đã đặt thì không đổi được: tem đã in mang mã này. Liên hệ quản trị Gốc nếu thật cần đổi.",
            "A GS1 prefix once set cannot be changed: printed labels carry it. Ask Gốc's administrators if it truly must change.",
        ));
    }
    if let Some(p) = &prefix {
        gs1_prefix_free(store, p, Some(coop.id)).await?;
    }
    store.set_gs1_prefix(coop.id, prefix.as_deref()).await
}

/// A manager writes what the cooperative tells buyers on every tree page: who they are,
/// how they grow.
pub async fn set_story(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    story: &str,
) -> Result<()> {
    actor.require(coop.id, crate::access::Action::ManageCooperative)?;
    let story = crate::text::paragraph(("Câu chuyện", "The story"), story, 1_500)?;
    store.set_story(coop.id, &story).await
}

/// A manager names who cares for a zone's trees (with that farmer's consent: it is shown
/// to buyers); an empty name removes it.
pub async fn set_caretaker(
    store: &Store,
    actor: &Actor,
    coop: &CooperativeRow,
    zone_id: i64,
    name: &str,
) -> Result<()> {
    actor.require(coop.id, crate::access::Action::ManageCooperative)?;
    let name = crate::text::optional(("Người chăm", "The caretaker"), name, 80)?;
    if store.set_caretaker(coop.id, zone_id, &name).await? {
        Ok(())
    } else {
        Err(Error::NotFound("zone"))
    }
}

/// Looks a cooperative up by its code, or says it does not exist.
pub async fn by_code(store: &Store, code: &str) -> Result<CooperativeRow> {
    store
        .cooperative_by_code(code)
        .await?
        .ok_or(Error::NotFound("cooperative"))
}

/// The cooperative's public key history, as published at the well-known URL.
pub async fn key_history(store: &Store, coop: &CooperativeRow) -> Result<KeyHistory> {
    key_history_of(&coop.code, &store.keys_of(coop.id).await?)
}

/// A key history from its stored rows, oldest first (from the database, or an archive).
pub fn key_history_of(code: &str, rows: &[KeyRow]) -> Result<KeyHistory> {
    let corrupt = || Error::Internal(format!("key history of {code} is corrupt"));
    let first = rows.first().ok_or_else(corrupt)?;
    let genesis =
        PublicKey::from_bytes(&first.public_key.clone().try_into().map_err(|_| corrupt())?)
            .map_err(|_| corrupt())?;
    let rotations = rows[1..]
        .iter()
        .map(|r| {
            r.rotation
                .as_deref()
                .ok_or_else(corrupt)
                .and_then(|b| SignedRotation::decode(b).map_err(|_| corrupt()))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(KeyHistory {
        cooperative: CoopCode::parse(code).map_err(|_| corrupt())?,
        genesis,
        rotations,
    })
}

/// Replaces the cooperative's signing key (a scheduled rotation): the old key signs a
/// statement introducing the new one, which is recorded in the log as a key-rotation
/// entry in the same transaction. Identities issued before stay valid; later ones and
/// later checkpoints are signed by the new key. Returns the new key's ID.
pub async fn rotate_key(
    store: &Store,
    sealer: &Sealer,
    actor: &Actor,
    coop: &CooperativeRow,
) -> Result<String> {
    actor.require(coop.id, Action::ManageCooperative)?;
    let old = signing_key(store, sealer, coop).await?;
    replace_key(
        store,
        sealer,
        actor,
        coop,
        old.key_id(),
        RotationReason::Scheduled,
        old,
    )
    .await
}

/// Replaces a key that is lost or stolen: the old key cannot be trusted to vouch for its
/// successor, so the platform key signs the rotation (reason 2 in the ledger). Only a
/// platform administrator may, after checking with the cooperative by other means:
/// this is the platform vouching. Labels issued before stay valid (a verifier may choose
/// to distrust those issued near the loss); everything later is signed by the new key.
pub async fn replace_lost_key(
    store: &Store,
    sealer: &Sealer,
    actor: &Actor,
    coop: &CooperativeRow,
) -> Result<String> {
    if !actor.is_admin {
        return Err(Error::Forbidden);
    }
    let rows = store.keys_of(coop.id).await?;
    let current = rows
        .last()
        .ok_or_else(|| Error::Internal(format!("{} has no key", coop.code)))?;
    let old_id = ledger::PublicKey::from_bytes(
        &current
            .public_key
            .clone()
            .try_into()
            .map_err(|_| Error::Internal(format!("{} key is corrupt", coop.code)))?,
    )
    .map_err(|_| Error::Internal(format!("{} key is corrupt", coop.code)))?
    .key_id();
    replace_key(
        store,
        sealer,
        actor,
        coop,
        old_id,
        RotationReason::Lost,
        sealer.platform_key(),
    )
    .await
}

/// Stores a new key and the rotation entry that introduces it, signed by `signer`.
async fn replace_key(
    store: &Store,
    sealer: &Sealer,
    actor: &Actor,
    coop: &CooperativeRow,
    old_key: ledger::KeyId,
    reason: RotationReason,
    signer: SigningKey,
) -> Result<String> {
    let index = store.keys_of(coop.id).await?.len();
    let new = SigningKey::from_seed(&sealer.new_key_seed(&coop.code, index)?);
    let public = new.public_key();
    let now = now_ms();
    let code = CoopCode::parse(&coop.code)?;
    let author = actor.author_in(coop.id);
    let key = KeyInsert {
        key_id: public.key_id().to_string(),
        public_key: public.to_bytes().to_vec(),
        secret_sealed: sealer.seal(&new.to_seed(), &coop.code)?,
        created_at: now,
    };
    let old_id = old_key.to_string();
    store
        .insert_key_rotation(coop.id, &old_id, &key, move |c, seq, prev| {
            let statement = RotationStatement {
                cooperative: code,
                old_key,
                new_key: public,
                effective_at: now,
                log_size: seq,
                reason,
            };
            let rotation = SignedRotation::sign(statement, &signer);
            let bytes = rotation.encode();
            let kind = Kind::KeyRotated {
                rotation: Box::new(rotation),
            };
            let entry = entry_now(Subject::Cooperative, &author, now, kind)(c, seq, prev)?;
            Ok((entry, bytes))
        })
        .await?;
    Ok(key.key_id)
}

/// The cooperative's current signing key, unsealed for one use.
pub async fn signing_key(
    store: &Store,
    sealer: &Sealer,
    coop: &CooperativeRow,
) -> Result<SigningKey> {
    let rows = store.keys_of(coop.id).await?;
    let current = rows
        .last()
        .ok_or_else(|| Error::Internal(format!("{} has no key", coop.code)))?;
    sealer.open(&current.secret_sealed, &coop.code)
}
