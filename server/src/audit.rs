//! `goc verify`: checks every cooperative's log in the database the way an outside verifier
//! would, trusting nothing stored but the bytes: each row's hash, position, subject and
//! link; every chain; and every signed checkpoint against the root of the rows it covers.
//! A row changed, deleted or reordered behind the application's back (triggers dropped) is
//! named precisely.

use std::collections::HashMap;

use ledger::merkle::{self, Frontier};
use ledger::{verify_checkpoint, Digest, Entry};

use crate::cooperatives;
use crate::error::Result;
use crate::services::Services;
use crate::store::{AuditRow, CooperativeRow};
use crate::zones::subject_key;

/// Rows read per query: memory stays flat however long the log.
const PAGE: i64 = 10_000;

/// One thing wrong, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub cooperative: String,
    pub seq: Option<i64>,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "{} entry #{seq}: {}", self.cooperative, self.what),
            None => write!(f, "{}: {}", self.cooperative, self.what),
        }
    }
}

/// What one cooperative's audit saw.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub entries: u64,
    pub checkpoints: usize,
    pub problems: Vec<Problem>,
}

/// Audits the cooperatives named (all when `only` is empty).
pub async fn verify(s: &Services, only: &[String]) -> Result<Vec<(String, Report)>> {
    let mut out = Vec::new();
    for code in s.store.cooperative_codes().await? {
        if !only.is_empty() && !only.contains(&code) {
            continue;
        }
        let coop = cooperatives::by_code(&s.store, &code).await?;
        out.push((coop.code.clone(), verify_one(s, &coop).await?));
    }
    Ok(out)
}

/// Checks one row against what it claims and what came before it; the leaf hash to count.
fn check_row(
    coop: &CooperativeRow,
    row: &AuditRow,
    heads: &mut HashMap<String, Digest>,
) -> std::result::Result<(), String> {
    let leaf = Digest::leaf(&row.bytes);
    if leaf.0.as_slice() != row.hash.as_slice() {
        return Err("its bytes do not match its stored hash (the row was edited)".into());
    }
    let e = Entry::decode(&row.bytes).map_err(|e| format!("its bytes do not decode: {e}"))?;
    if e.cooperative.as_str() != coop.code {
        return Err(format!("it belongs to cooperative {}", e.cooperative));
    }
    if i64::try_from(e.seq).ok() != Some(row.seq) {
        return Err(format!(
            "it is stored at #{} but says it is #{}",
            row.seq, e.seq
        ));
    }
    let subject = subject_key(&e.subject);
    if subject != row.subject || i64::from(e.kind.tag()) != row.kind {
        return Err("its stored subject or kind differs from its bytes".into());
    }
    if e.prev.map(|p| p.0.to_vec()) != row.prev {
        return Err("its stored link differs from its bytes".into());
    }
    let head = heads.get(&subject).copied();
    if e.prev != head {
        return Err(match head {
            None => format!("{subject}: its first entry is missing"),
            Some(_) => format!(
                "{subject}: it does not link to the subject's previous entry (one was removed, \
                 reordered or rewritten)"
            ),
        });
    }
    heads.insert(subject, leaf);
    Ok(())
}

async fn verify_one(s: &Services, coop: &CooperativeRow) -> Result<Report> {
    let keys = cooperatives::key_history(&s.store, coop).await?;
    let platform = s.sealer.platform_public();
    let checkpoints = s.store.checkpoints_of(coop.id).await?;
    let mut report = Report {
        checkpoints: checkpoints.len(),
        ..Report::default()
    };
    let problem = |seq: Option<i64>, what: String| Problem {
        cooperative: coop.code.clone(),
        seq,
        what,
    };
    let mut pending = checkpoints.iter().peekable();
    let mut frontier = Frontier::new();
    let mut heads: HashMap<String, Digest> = HashMap::new();
    let mut expected = 0i64;
    loop {
        let rows = s.store.log_page(coop.id, expected, PAGE).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            if row.seq != expected {
                report.problems.push(problem(
                    Some(expected),
                    format!("missing (the log jumps to #{})", row.seq),
                ));
                // The Merkle root cannot be checked past a hole.
                return finish(report, coop, expected, problem);
            }
            if let Err(what) = check_row(coop, row, &mut heads) {
                report.problems.push(problem(Some(row.seq), what));
            }
            frontier.push(Digest::leaf(&row.bytes));
            expected += 1;
            report.entries += 1;
            while let Some(cp) = pending.next_if(|cp| cp.size == expected) {
                if let Err(what) = check_checkpoint(cp, coop, &keys, &platform, &frontier) {
                    report.problems.push(problem(
                        None,
                        format!("checkpoint of size {}: {what}", cp.size),
                    ));
                }
            }
        }
    }
    // The stored tree (what proofs and new checkpoints are read from) must agree with
    // the entries.
    let size = frontier.size();
    let nodes = s
        .store
        .merkle_nodes(coop.id, &merkle::root_nodes(size))
        .await?;
    if merkle::root_from(size, |id| nodes.get(&id).copied()) != Some(frontier.root()) {
        report.problems.push(problem(
            None,
            "the stored Merkle tree does not match the entries (proofs would not verify)".into(),
        ));
    }
    if let Some(cp) = pending.peek() {
        report.problems.push(problem(
            None,
            format!(
                "checkpoint of size {} covers entries that are gone",
                cp.size
            ),
        ));
    }
    finish(report, coop, expected, problem)
}

fn finish(
    mut report: Report,
    coop: &CooperativeRow,
    rows: i64,
    problem: impl Fn(Option<i64>, String) -> Problem,
) -> Result<Report> {
    if rows != coop.log_size {
        report.problems.push(problem(
            None,
            format!(
                "the log should hold {} entries; {rows} are readable in order",
                coop.log_size
            ),
        ));
    }
    Ok(report)
}

fn check_checkpoint(
    cp: &crate::store::CheckpointRow,
    coop: &CooperativeRow,
    keys: &ledger::KeyHistory,
    platform: &ledger::PublicKey,
    frontier: &Frontier,
) -> std::result::Result<(), String> {
    let signed = verify_checkpoint(&cp.note, &coop.origin, keys, Some(platform))
        .map_err(|e| format!("its signature does not verify: {e}"))?;
    if signed.size != frontier.size() {
        return Err(format!(
            "it is stored as size {} but signs size {}",
            cp.size, signed.size
        ));
    }
    if signed.root != frontier.root() {
        return Err("the entries it covers no longer hash to the root it signed".into());
    }
    Ok(())
}
