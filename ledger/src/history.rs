//! A tree's whole history as one self-contained document that anyone can verify offline:
//! the cooperative's key history, a signed checkpoint, the tree's entries, an inclusion
//! proof for each, and optionally the tree's signed QR identity.

use serde::{Deserialize, Serialize};

use crate::checkpoint::{verify_checkpoint, Checkpoint};
use crate::cosignature::{Vouch, WitnessPolicy};
use crate::digest::Digest;
use crate::entry::{verify_chain, Entry, Kind, Subject};
use crate::error::{DecodeError, VerifyError};
use crate::identity::SignedIdentity;
use crate::keys::{KeyHistory, KeyId, PublicKey};
use crate::merkle;

/// The `format` value of version 1 documents.
pub const HISTORY_FORMAT: &str = "goc-tree-history/v1";

/// One entry with its proof of inclusion in the checkpoint's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenEntry {
    /// The entry's canonical encoding, lower-case hex.
    pub entry: String,
    /// RFC 9162 inclusion proof for leaf `entry.seq` in a tree of the checkpoint's size.
    pub inclusion: Vec<Digest>,
}

/// The exported history (see `docs/ledger-format.md`, "Tree history document").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeHistory {
    pub format: String,
    /// The log's origin, as in its checkpoints.
    pub origin: String,
    /// The cooperative's display name. Informative only: nothing signs it.
    pub cooperative_name: String,
    pub keys: KeyHistory,
    /// The platform key that may sign rotations of lost keys, if any such rotation exists.
    pub platform_key: Option<PublicKey>,
    /// The tree's QR URL (or just its path), if the tree has an identity.
    pub identity: Option<String>,
    /// The signed checkpoint (a C2SP signed note), with the cosignatures of the witnesses
    /// that vouched for it.
    pub checkpoint: String,
    /// The witnesses the cooperative submits its checkpoints to, and how many of them it
    /// promises have cosigned. A verifier with its own policy uses that instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witnesses: Option<WitnessPolicy>,
    pub entries: Vec<ProvenEntry>,
}

/// What a verifier brings of its own, so that the verdict does not rest on what the
/// server sent: the key ID printed on the label it scanned, and the witnesses it trusts.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// The key the label names: the key history must contain it.
    pub anchor: Option<KeyId>,
    /// Overrides the document's declared witness policy.
    pub witnesses: Option<WitnessPolicy>,
}

/// What a successful verification established, for printing to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySummary {
    pub subject: Subject,
    pub cooperative: String,
    pub cooperative_name: String,
    pub checkpoint: Checkpoint,
    pub entries: Vec<Entry>,
    pub identity: Option<SignedIdentity>,
    /// The trusted witnesses that cosigned the checkpoint.
    pub vouches: Vec<Vouch>,
}

impl TreeHistory {
    pub fn from_json(json: &str) -> Result<Self, VerifyError> {
        serde_json::from_str(json).map_err(|_| DecodeError::BadSyntax.into())
    }

    /// Runs every check: the key history; the checkpoint's signature by the key valid for
    /// its size; each entry's encoding; the chain; each entry's inclusion in the
    /// checkpoint; and the identity's signature and agreement with the registration.
    /// The document's own witness policy applies; nothing anchors the keys.
    pub fn verify(&self) -> Result<HistorySummary, VerifyError> {
        self.verify_with(&Trust::default())
    }

    /// [`verify`](Self::verify), then the verifier's own trust: the anchor key must be in
    /// the key history, and the checkpoint must carry the cosignatures the policy asks.
    pub fn verify_with(&self, trust: &Trust) -> Result<HistorySummary, VerifyError> {
        if self.format != HISTORY_FORMAT {
            return Err(DecodeError::UnsupportedVersion(0).into());
        }
        let platform = self.platform_key.as_ref();
        if let Some(anchor) = trust.anchor {
            if !self.keys.periods(platform)?.iter().any(|p| p.id == anchor) {
                return Err(VerifyError::UnknownKey(anchor));
            }
        }
        let checkpoint = verify_checkpoint(&self.checkpoint, &self.origin, &self.keys, platform)?;
        let vouches = match (&trust.witnesses, &self.witnesses) {
            (Some(own), _) => own.check(&self.checkpoint)?,
            // What a document declares must be a policy one could have built: distinct
            // cosignature keys, a quorum they can meet.
            (None, Some(declared)) => {
                WitnessPolicy::new(declared.witnesses.clone(), declared.quorum)?
                    .check(&self.checkpoint)?
            }
            (None, None) => Vec::new(),
        };
        let mut encoded = Vec::with_capacity(self.entries.len());
        let mut entries = Vec::with_capacity(self.entries.len());
        for (index, proven) in self.entries.iter().enumerate() {
            let bytes = data_encoding::HEXLOWER
                .decode(proven.entry.as_bytes())
                .map_err(|_| VerifyError::at(index)(DecodeError::BadEncoding))?;
            let entry = Entry::decode(&bytes).map_err(VerifyError::at(index))?;
            if entry.cooperative != self.keys.cooperative {
                return Err(VerifyError::WrongSubject { index });
            }
            if !merkle::verify_inclusion(
                entry.seq,
                checkpoint.size,
                &Digest::leaf(&bytes),
                &proven.inclusion,
                &checkpoint.root,
            ) {
                return Err(VerifyError::NotIncluded { index });
            }
            encoded.push(bytes);
            entries.push(entry);
        }
        verify_chain(&encoded)?;
        let first = entries.first().ok_or(DecodeError::UnexpectedEnd)?;
        let identity = match &self.identity {
            None => None,
            Some(url) => {
                let signed = SignedIdentity::parse(url)?;
                signed.verify(&self.keys, platform)?;
                check_identity_matches(&signed, first)?;
                Some(signed)
            }
        };
        Ok(HistorySummary {
            subject: first.subject.clone(),
            cooperative: self.keys.cooperative.to_string(),
            cooperative_name: self.cooperative_name.clone(),
            checkpoint,
            entries,
            identity,
            vouches,
        })
    }
}

/// The identity must name the tree the chain is about and the zone it was registered in:
/// the chain's first entry, which must be the tree's registration (kind 2).
fn check_identity_matches(signed: &SignedIdentity, first: &Entry) -> Result<(), VerifyError> {
    let id = &signed.identity;
    let same_tree = matches!(&first.subject, Subject::Tree(t) if *t == id.tree);
    let same_zone = match &first.kind {
        Kind::TreeRegistered { zone, .. } => *zone == id.zone,
        _ => false,
    };
    if same_tree && same_zone && first.cooperative == id.cooperative {
        Ok(())
    } else {
        Err(VerifyError::IdentityMismatch)
    }
}

impl TreeHistory {
    /// Assembles a history document from the log's leaf hashes up to the checkpoint's
    /// size and the subject's encoded entries (all of which must lie within that size).
    /// Returns `None` if an entry lies outside the checkpointed log.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        origin: &str,
        cooperative_name: &str,
        keys: KeyHistory,
        platform_key: Option<PublicKey>,
        identity: Option<String>,
        checkpoint: String,
        leaves: &[Digest],
        entries: &[Vec<u8>],
    ) -> Option<Self> {
        let proven = entries
            .iter()
            .map(|bytes| {
                let seq = crate::entry::EntryView::parse(bytes).ok()?.seq;
                let inclusion = merkle::inclusion_proof(leaves, usize::try_from(seq).ok()?)?;
                Some((bytes.clone(), inclusion))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self::with_proofs(
            origin,
            cooperative_name,
            keys,
            platform_key,
            identity,
            checkpoint,
            proven,
        ))
    }

    /// A history from entries and their inclusion proofs, computed elsewhere (a server
    /// reads them from its stored tree instead of from every leaf).
    pub fn with_proofs(
        origin: &str,
        cooperative_name: &str,
        keys: KeyHistory,
        platform_key: Option<PublicKey>,
        identity: Option<String>,
        checkpoint: String,
        entries: Vec<(Vec<u8>, Vec<Digest>)>,
    ) -> Self {
        let proven = entries
            .into_iter()
            .map(|(bytes, inclusion)| ProvenEntry {
                entry: data_encoding::HEXLOWER.encode(&bytes),
                inclusion,
            })
            .collect();
        Self {
            format: HISTORY_FORMAT.to_owned(),
            origin: origin.to_owned(),
            cooperative_name: cooperative_name.to_owned(),
            keys,
            platform_key,
            identity,
            checkpoint,
            witnesses: None,
            entries: proven,
        }
    }
}
