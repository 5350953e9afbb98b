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
use crate::store::{AuditRow, CheckpointRow, CooperativeRow};
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
    let checkpoints = s.store.checkpoints_of(coop.id).await?;
    let mut audit = Audit::new(coop.clone(), keys, s.sealer.platform_public(), checkpoints);
    loop {
        let rows = s.store.log_page(coop.id, audit.expected, PAGE).await?;
        if rows.is_empty() || !rows.iter().all(|row| audit.push(row)) {
            break;
        }
    }
    let ids = merkle::root_nodes(audit.size());
    let nodes = s.store.merkle_nodes(coop.id, &ids).await?;
    Ok(audit.finish(|id| nodes.get(&id).copied()))
}

/// One log's audit, fed its rows in order from wherever they are (the database, or an
/// archive being imported), so both are checked by the same code.
pub struct Audit {
    coop: CooperativeRow,
    keys: ledger::KeyHistory,
    platform: ledger::PublicKey,
    checkpoints: std::iter::Peekable<std::vec::IntoIter<CheckpointRow>>,
    frontier: Frontier,
    heads: HashMap<String, Digest>,
    expected: i64,
    /// A hole in the sequence: nothing after it can be checked.
    broken_at: Option<i64>,
    report: Report,
}

impl Audit {
    /// `checkpoints` in increasing size, as stored.
    pub fn new(
        coop: CooperativeRow,
        keys: ledger::KeyHistory,
        platform: ledger::PublicKey,
        checkpoints: Vec<CheckpointRow>,
    ) -> Self {
        Self {
            coop,
            keys,
            platform,
            report: Report {
                checkpoints: checkpoints.len(),
                ..Report::default()
            },
            checkpoints: checkpoints.into_iter().peekable(),
            frontier: Frontier::new(),
            heads: HashMap::new(),
            expected: 0,
            broken_at: None,
        }
    }

    fn problem(&mut self, seq: Option<i64>, what: String) {
        self.report.problems.push(Problem {
            cooperative: self.coop.code.clone(),
            seq,
            what,
        });
    }

    /// Checks the next row; false once the log has a hole (the rest cannot be checked).
    pub fn push(&mut self, row: &AuditRow) -> bool {
        if self.broken_at.is_some() {
            return false;
        }
        if row.seq != self.expected {
            self.problem(
                Some(self.expected),
                format!("missing (the log jumps to #{})", row.seq),
            );
            self.broken_at = Some(self.expected);
            return false;
        }
        if let Err(what) = check_row(&self.coop, row, &mut self.heads) {
            self.problem(Some(row.seq), what);
        }
        self.frontier.push(Digest::leaf(&row.bytes));
        self.expected += 1;
        self.report.entries += 1;
        while let Some(cp) = self.checkpoints.next_if(|cp| cp.size == self.expected) {
            let checked =
                check_checkpoint(&cp, &self.coop, &self.keys, &self.platform, &self.frontier);
            if let Err(what) = checked {
                self.problem(None, format!("checkpoint of size {}: {what}", cp.size));
            }
        }
        true
    }

    /// The verdict, given the stored Merkle tree's nodes (what proofs and new checkpoints
    /// are read from), which must agree with the entries.
    pub fn finish(mut self, node: impl Fn(merkle::NodeId) -> Option<Digest>) -> Report {
        if self.broken_at.is_none() {
            let size = self.frontier.size();
            if merkle::root_from(size, node) != Some(self.frontier.root()) {
                self.problem(
                    None,
                    "the stored Merkle tree does not match the entries (proofs would not verify)"
                        .into(),
                );
            }
            if let Some(size) = self.checkpoints.peek().map(|cp| cp.size) {
                self.problem(
                    None,
                    format!("checkpoint of size {size} covers entries that are gone"),
                );
            }
        }
        if self.expected != self.coop.log_size {
            let rows = self.expected;
            self.problem(
                None,
                format!(
                    "the log should hold {} entries; {rows} are readable in order",
                    self.coop.log_size
                ),
            );
        }
        self.report
    }

    /// The entries checked so far.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }
}

fn check_checkpoint(
    cp: &CheckpointRow,
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
