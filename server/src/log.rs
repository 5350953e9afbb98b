//! Checkpoints and exported histories of a cooperative's log.

use ledger::merkle::{self, NodeId};
use ledger::{Checkpoint, CoopCode, Digest, Entry, Kind, Subject, TreeCode, TreeHistory};

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
    let size = coop.log_size as u64;
    let nodes = store
        .merkle_nodes(coop.id, &merkle::root_nodes(size))
        .await?;
    let root =
        merkle::root_from(size, |id| nodes.get(&id).copied()).ok_or_else(|| missing_nodes(coop))?;
    let cp = Checkpoint {
        origin: coop.origin.clone(),
        size,
        root,
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

fn missing_nodes(coop: &CooperativeRow) -> Error {
    Error::Internal(format!(
        "the stored Merkle tree of {} lacks nodes (run `goc verify`)",
        coop.code
    ))
}

/// Stores the Merkle tree of every cooperative whose log has none yet (logs written
/// before the tree was stored), computed once from the leaves; a no-op afterwards.
pub async fn backfill_trees(store: &Store) -> Result<()> {
    for code in store.cooperative_codes().await? {
        let coop = cooperatives::by_code(store, &code).await?;
        let size = coop.log_size as u64;
        let expected = size - u64::from(size.count_ones());
        if store.merkle_node_count(coop.id).await? as u64 == expected {
            continue;
        }
        let leaves = store.leaf_hashes(coop.id, coop.log_size).await?;
        let mut made: Vec<(NodeId, Digest)> = Vec::with_capacity(expected as usize);
        let mut levels: Vec<Vec<Digest>> = vec![leaves];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let level = below
                .chunks_exact(2)
                .map(|pair| Digest::node(&pair[0], &pair[1]))
                .collect::<Vec<_>>();
            let l = levels.len() as u8;
            made.extend(level.iter().enumerate().map(|(i, h)| {
                (
                    NodeId {
                        level: l,
                        index: i as u64,
                    },
                    *h,
                )
            }));
            levels.push(level);
        }
        tracing::info!(cooperative = %code, nodes = made.len(), "stored the log's Merkle tree");
        store.replace_merkle_nodes(coop.id, &made).await?;
    }
    Ok(())
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
    // With witnesses, the newest checkpoint enough of them cosigned: what the history
    // promises a verifier. Entries after it wait for the next round of cosignatures.
    let mut policy = crate::witness::submit::policy(store, coop.id).await?;
    let newest = checkpoint(store, sealer, &coop).await?;
    let all = store.entries_of(coop.id, &format!("tree:{code}")).await?;
    let registered = all.first().map(|r| r.seq);
    let cp = match &policy {
        Some(p) if p.quorum > 0 => match store.latest_cosigned(coop.id, p.quorum as i64).await? {
            Some(cosigned) if registered.is_some_and(|seq| seq < cosigned.size) => cosigned,
            // Nothing has reached the quorum yet (a witness just added), or not since this
            // tree was registered: the history promises no witnesses rather than a policy
            // its checkpoint cannot meet, or a checkpoint without the tree.
            _ => {
                policy = None;
                newest
            }
        },
        _ => newest,
    };
    let rows: Vec<_> = all.into_iter().filter(|e| e.seq < cp.size).collect();
    // Never hand out a history whose stored rows no longer check (edited in the database
    // behind the application's back): it would be signed as if nothing happened.
    crate::diary::timeline::check_chain(&rows).map_err(|d| {
        Error::Internal(format!(
            "the history of {coop_code}/{tree_code} is damaged: {d}"
        ))
    })?;
    // Each entry's inclusion proof from the stored tree: O(log n) nodes each, read at once.
    let size = cp.size as u64;
    let mut needed: Vec<NodeId> = rows
        .iter()
        .flat_map(|r| merkle::proof_nodes(size, r.seq as u64))
        .collect();
    needed.sort_unstable();
    needed.dedup();
    let nodes = store.merkle_nodes(coop.id, &needed).await?;
    let entries = rows
        .into_iter()
        .map(|r| {
            let proof =
                merkle::inclusion_proof_from(size, r.seq as u64, |id| nodes.get(&id).copied())
                    .ok_or_else(|| missing_nodes(&coop))?;
            Ok((r.bytes, proof))
        })
        .collect::<Result<Vec<_>>>()?;
    let note = crate::witness::submit::published(store, coop.id, &cp).await?;
    let mut history = TreeHistory::with_proofs(
        &coop.origin,
        &coop.name,
        cooperatives::key_history(store, &coop).await?,
        Some(sealer.platform_public()),
        Some(format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            tree.identity_path
        )),
        note,
        entries,
    );
    history.witnesses = policy;
    Ok(history)
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
