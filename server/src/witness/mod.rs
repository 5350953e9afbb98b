//! Witnessing (`c2sp.org/tlog-witness`) in both roles, so that a buyer need not trust the
//! server that shows a history. As a witness (this module) the instance vouches for other
//! logs: it keeps the latest checkpoint it cosigned of each, and cosigns a new one only if a
//! consistency proof shows it extends that one, so a log that rewrote its past or shows two
//! views cannot get its cosignature. As a log ([`submit`]) a cooperative sends each new
//! checkpoint to the witnesses it chose and serves their cosignatures under it.

pub mod submit;

use ledger::cosignature;
use ledger::note::{Alg, Note, VerifierKey};
use ledger::witness::{self, AddCheckpoint, LogState, Refusal};
use ledger::{Checkpoint, Digest};

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::store::{Store, WitnessedLogRow};

/// Where logs submit checkpoints: the witness's submission prefix is `<base>/witness`.
pub const ADD_CHECKPOINT_PATH: &str = "/witness/add-checkpoint";

/// This instance's witness name: `<host and path of the base URL>/witness`.
pub fn name(s: &Services) -> String {
    format!("{}/witness", s.origin_prefix)
}

/// The verifier key a cooperative configures to trust this instance as its witness.
pub fn vkey(s: &Services) -> Result<VerifierKey> {
    VerifierKey::new(
        &name(s),
        Alg::Cosignature,
        s.sealer.witness_key().public_key(),
    )
    .map_err(|e| {
        Error::Config(format!(
            "the witness name {} is not a key name: {e}",
            name(s)
        ))
    })
}

/// A log's verifier key (type `0x01`), as an operator pastes it.
fn log_vkey(v: &str) -> Result<VerifierKey> {
    VerifierKey::parse(v)
        .ok()
        .filter(|k| k.alg == Alg::Ed25519)
        .ok_or_else(|| {
            Error::invalid(
                format!("Khoá {v} không phải khoá xác minh Ed25519 của một sổ cái (C2SP vkey)"),
                format!("{v} is not a log's Ed25519 verifier key (a C2SP vkey)"),
            )
        })
}

/// Starts following a log, or adds keys to one followed (a rotated log key): `vkeys` are
/// the log's verifier keys (type `0x01`), all named by its origin. Returns the origin.
pub async fn follow(store: &Store, vkeys: &[String]) -> Result<String> {
    let parsed = vkeys
        .iter()
        .map(|v| log_vkey(v))
        .collect::<Result<Vec<_>>>()?;
    let origin = match parsed.as_slice() {
        [first, rest @ ..] if rest.iter().all(|k| k.name == first.name) => first.name.clone(),
        _ => {
            return Err(Error::invalid(
                "Cần ít nhất một khoá, và mọi khoá phải mang cùng tên sổ cái",
                "Give at least one key, all named by the same log origin",
            ))
        }
    };
    let mut keys: Vec<String> = match store.witnessed_log(&origin).await? {
        Some(row) => row.vkeys.lines().map(str::to_owned).collect(),
        None => Vec::new(),
    };
    for k in parsed {
        let text = k.to_string();
        if !keys.contains(&text) {
            keys.push(text);
        }
    }
    store
        .follow_log(&origin, &keys.join("\n"), now_ms())
        .await?;
    Ok(origin)
}

/// Stops trusting one of a followed log's keys (a retired or stolen key): checkpoints it
/// signs are refused from now on. What the witness holds of the log stays, so the log
/// cannot start over; its last key cannot be dropped. Returns the log's origin.
pub async fn unfollow(store: &Store, vkey: &str) -> Result<String> {
    let key = log_vkey(vkey)?;
    let row = store
        .witnessed_log(&key.name)
        .await?
        .ok_or(Error::NotFound("witnessed log"))?;
    let text = key.to_string();
    let kept: Vec<&str> = row.vkeys.lines().filter(|k| *k != text).collect();
    if kept.len() == row.vkeys.lines().count() {
        return Err(Error::NotFound("key of the witnessed log"));
    }
    if kept.is_empty() {
        return Err(Error::invalid(
            "Đây là khoá cuối cùng của sổ cái: thêm khoá mới (goc witness follow) trước khi bỏ nó",
            "This is the log's last key: follow its new key (goc witness follow) before dropping it",
        ));
    }
    store
        .follow_log(&row.origin, &kept.join("\n"), now_ms())
        .await?;
    Ok(row.origin)
}

/// What the witness holds of a log. A stored root that does not read is damage, not
/// "never cosigned": read as that, any fork would be cosigned from size 0.
fn state(row: &WitnessedLogRow) -> Result<LogState> {
    let latest = match row.root.as_deref() {
        None => None,
        Some(r) => Some(Checkpoint {
            origin: row.origin.clone(),
            size: row.size as u64,
            root: Digest::from_slice(r).map_err(|_| {
                Error::Internal(format!("the witness state of {} is damaged", row.origin))
            })?,
        }),
    };
    Ok(LogState {
        keys: row
            .vkeys
            .lines()
            .filter_map(|v| VerifierKey::parse(v).ok())
            .map(|k| k.key)
            .collect(),
        latest,
    })
}

/// The root and the note of a refused split view, its signature lines reduced to those of
/// the keys trusted for the log: what a third party needs to check it, nothing a sender
/// padded in (not even lines under the log's name with made-up key IDs).
fn split_view_evidence(note: &str, keys: &[ledger::PublicKey]) -> Option<(Vec<u8>, String)> {
    let parsed = Note::parse(note).ok()?;
    let checkpoint = Checkpoint::parse_unverified(note).ok()?;
    let kept = Note {
        text: parsed.text,
        signatures: parsed
            .signatures
            .into_iter()
            .filter(|s| {
                keys.iter()
                    .any(|k| s.is_by(&checkpoint.origin, Alg::Ed25519, k))
            })
            .collect(),
    };
    Some((checkpoint.root.0.to_vec(), kept.to_text()))
}

/// Answers an `add-checkpoint` request: the cosignature line, or the refusal the protocol
/// prescribes. A split view (the log's proof against itself) is kept.
pub async fn add_checkpoint(
    s: &Services,
    body: &str,
) -> Result<std::result::Result<String, Refusal>> {
    let req = match AddCheckpoint::parse(body) {
        Ok(r) => r,
        Err(e) => return Ok(Err(Refusal::Malformed(e))),
    };
    let origin = match Checkpoint::parse_unverified(&req.checkpoint) {
        Ok(c) => c.origin,
        Err(e) => return Ok(Err(Refusal::Malformed(e))),
    };
    let row = s.store.witnessed_log(&origin).await?;
    let held = row.as_ref().map(state).transpose()?;
    let checked = witness::check(held.as_ref(), &req);
    let (row, checkpoint) = match (row, checked) {
        (Some(row), Ok(cp)) => (row, cp),
        (_, Err(refusal)) => {
            // A split view is signed by the log twice: proof, kept once with the log's own
            // signature only. Other refusals prove nothing (anyone can send a bad proof).
            if let (Some(held), Refusal::SplitView { latest }) = (&held, &refusal) {
                if let Some(evidence) = split_view_evidence(&req.checkpoint, &held.keys) {
                    tracing::warn!(%origin, size = latest, "a log signed two checkpoints of one size");
                    s.store
                        .record_split_view(
                            &origin,
                            *latest as i64,
                            &evidence.0,
                            &evidence.1,
                            now_ms(),
                        )
                        .await?;
                }
            }
            return Ok(Err(refusal));
        }
        (None, Ok(_)) => unreachable!("an unknown log is refused"),
    };
    let moved = s
        .store
        .advance_witnessed_log(
            &origin,
            row.size,
            row.root.as_deref(),
            checkpoint.size as i64,
            &checkpoint.root.0,
            &req.checkpoint,
            now_ms(),
        )
        .await?;
    if !moved {
        // Another request advanced it between the read and the write: the log retries.
        let latest = s.store.witnessed_log(&origin).await?.map_or(0, |r| r.size);
        return Ok(Err(Refusal::Conflict {
            latest: latest as u64,
        }));
    }
    // The cosignature covers the note's whole text, extension lines included.
    let text = Note::parse(&req.checkpoint)
        .map_err(|e| Error::Internal(format!("a checked checkpoint does not parse: {e}")))?
        .text;
    let time = (now_ms() / 1000) as u64;
    Ok(Ok(cosignature::cosign(
        &name(s),
        &s.sealer.witness_key(),
        text,
        time,
    )
    .line()))
}
