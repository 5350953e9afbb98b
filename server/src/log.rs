//! Checkpoints and exported histories of a cooperative's log.

use ledger::{
    merkle::Frontier, Checkpoint, CoopCode, Digest, Entry, Kind, Subject, TreeCode, TreeHistory,
};

use crate::clock::now_ms;
use crate::cooperatives;
use crate::error::{Error, Result};
use crate::sealing::Sealer;
use crate::store::{CheckpointRow, CooperativeRow, MakeEntry, Store};

/// The latest checkpoint of the cooperative's log, signing a new one if entries were
/// appended since the last. `coop` must be freshly read: its `log_size` is the size signed.
pub async fn checkpoint(
    store: &Store,
    sealer: &Sealer,
    coop: &CooperativeRow,
) -> Result<CheckpointRow> {
    if let Some(row) = store.latest_checkpoint(coop.id).await? {
        if row.size == coop.log_size {
            return Ok(row);
        }
    }
    let leaves = store.leaf_hashes(coop.id, coop.log_size).await?;
    let mut frontier = Frontier::new();
    leaves.iter().for_each(|l| frontier.push(*l));
    let cp = Checkpoint {
        origin: coop.origin.clone(),
        size: frontier.size(),
        root: frontier.root(),
    };
    let key = cooperatives::signing_key(store, sealer, coop).await?;
    let row = CheckpointRow {
        size: coop.log_size,
        root: cp.root.0.to_vec(),
        note: cp.sign(&key),
    };
    store.insert_checkpoint(coop.id, &row, now_ms()).await?;
    Ok(row)
}

/// A tree's whole history with proofs against a fresh checkpoint: the document
/// `goc verify-file` and any independent verifier check offline.
pub async fn export_tree(
    store: &Store,
    sealer: &Sealer,
    base_url: &str,
    coop_code: &str,
    tree_code: &str,
) -> Result<TreeHistory> {
    let coop = cooperatives::by_code(store, coop_code).await?;
    let tree = store
        .tree_detail(coop_code, tree_code)
        .await?
        .ok_or(Error::NotFound("tree"))?;
    let code = TreeCode::parse(&tree.code)?;
    let cp = checkpoint(store, sealer, &coop).await?;
    let leaves = store.leaf_hashes(coop.id, cp.size).await?;
    let rows: Vec<_> = store
        .entries_of(coop.id, &format!("tree:{code}"))
        .await?
        .into_iter()
        .filter(|e| e.seq < cp.size)
        .collect();
    // Never hand out a history whose stored rows no longer check (edited in the database
    // behind the application's back): it would be signed as if nothing happened.
    crate::diary::timeline::check_chain(&rows).map_err(|d| {
        Error::Internal(format!(
            "the history of {coop_code}/{tree_code} is damaged: {d}"
        ))
    })?;
    let entries: Vec<Vec<u8>> = rows.into_iter().map(|e| e.bytes).collect();
    TreeHistory::build(
        &coop.origin,
        &coop.name,
        cooperatives::key_history(store, &coop).await?,
        Some(sealer.platform_public()),
        Some(format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            tree.identity_path
        )),
        cp.note,
        &leaves,
        &entries,
    )
    .ok_or_else(|| {
        Error::Internal(format!(
            "history of {coop_code}/{tree_code} lies outside its checkpoint"
        ))
    })
}

/// The entry the server records now for `subject`: the store fills in the cooperative's
/// code, the sequence number and the link to the subject's previous entry.
pub fn entry_now(subject: Subject, author: &str, at: i64, kind: Kind) -> impl MakeEntry {
    entry_with_photos(subject, author, at, kind, Vec::new())
}

/// [`entry_now`] citing photos by their content hashes.
pub fn entry_with_photos(
    subject: Subject,
    author: &str,
    at: i64,
    kind: Kind,
    photos: Vec<Digest>,
) -> impl MakeEntry {
    let author = author.to_owned();
    move |code: &str, seq: u64, prev: Option<Digest>| {
        Ok(Entry {
            cooperative: CoopCode::parse(code)?,
            seq,
            subject,
            prev,
            recorded_at: at,
            received_at: at,
            author,
            photos,
            kind,
        })
    }
}
