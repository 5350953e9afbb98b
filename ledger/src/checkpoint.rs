//! Checkpoints in the C2SP `tlog-checkpoint` format, signed as C2SP `signed-note`s with
//! Ed25519, so standard transparency-log tooling can read them.

use data_encoding::BASE64;

use crate::digest::Digest;
use crate::error::{DecodeError, VerifyError};
use crate::keys::{pick, KeyHistory, PublicKey, Signature, SigningKey};
use crate::merkle;
use crate::note::{self, Alg, Note, NoteSignature};

/// A log's state: its origin line, its size, and the Merkle root of its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Unique name of the log, e.g. `goc.vn/log/NA-TN` (a schema-less URL, per C2SP).
    pub origin: String,
    pub size: u64,
    pub root: Digest,
}

impl Checkpoint {
    /// The note body: three lines, each ending in `\n`.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(&self.root.0)
        )
    }

    /// Signs the checkpoint as a signed note, naming the key by the origin.
    pub fn sign(&self, key: &SigningKey) -> String {
        let body = self.body();
        let sig = NoteSignature {
            name: self.origin.clone(),
            key_id: note_key_hash(&self.origin, &key.public_key()),
            signature: key.sign(body.as_bytes()).0.to_vec(),
        };
        format!("{body}\n{}", sig.line())
    }

    /// The body of a signed note, parsed (its signatures are not checked).
    pub fn parse_unverified(note: &str) -> Result<Self, DecodeError> {
        Self::parse_body(Note::parse(note)?.text)
    }

    fn parse_body(body: &str) -> Result<Self, DecodeError> {
        let mut lines = body
            .strip_suffix('\n')
            .ok_or(DecodeError::BadSyntax)?
            .split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(DecodeError::BadSyntax)?;
        let size = lines.next().ok_or(DecodeError::BadSyntax)?;
        // Decimal without sign or leading zeros: one size, one spelling.
        if size.is_empty()
            || (size.len() > 1 && size.starts_with('0'))
            || !size.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(DecodeError::BadSyntax);
        }
        let size = size.parse().map_err(|_| DecodeError::OutOfRange)?;
        let root = BASE64
            .decode(lines.next().ok_or(DecodeError::BadSyntax)?.as_bytes())
            .map_err(|_| DecodeError::BadEncoding)?;
        // Extension lines may follow (C2SP); this log writes none, and ignores them.
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root: Digest::from_slice(&root)?,
        })
    }
}

/// C2SP signed-note key hash: the first 4 bytes of `SHA-256(name || "\n" || 0x01 || key)`.
pub fn note_key_hash(name: &str, key: &PublicKey) -> [u8; 4] {
    note::key_id(name, Alg::Ed25519, key)
}

/// Parses a signed checkpoint and verifies it was signed for `origin` by the key of
/// `keys` that was valid for a log of its size. Signatures by other keys (witnesses,
/// say) are allowed and ignored.
pub fn verify_checkpoint(
    note: &str,
    origin: &str,
    keys: &KeyHistory,
    platform: Option<&PublicKey>,
) -> Result<Checkpoint, VerifyError> {
    let parsed = Note::parse(note)?;
    let checkpoint = Checkpoint::parse_body(parsed.text)?;
    if checkpoint.origin != origin {
        return Err(VerifyError::WrongOrigin);
    }
    let periods = keys.periods(platform)?;
    // Every line by a key of the history must verify; one of them must be by the key
    // valid for a log of this size.
    let mut outcome = Err(VerifyError::BadSignature);
    for sig in &parsed.signatures {
        let Some(period) = periods
            .iter()
            .find(|p| sig.is_by(origin, Alg::Ed25519, &p.key))
        else {
            continue;
        };
        period.key.verify(
            parsed.text.as_bytes(),
            &Signature::from_slice(&sig.signature)?,
        )?;
        if outcome.is_err() {
            outcome = pick(&periods, period.id, |p| p.covers_size(checkpoint.size)).map(|_| ());
        }
    }
    outcome.map(|()| checkpoint)
}

/// Verifies a checkpoint signed by any of `keys` (the log's keys a witness was given,
/// without their history): what a witness checks before it cosigns.
pub fn verify_checkpoint_by(note: &str, keys: &[PublicKey]) -> Result<Checkpoint, VerifyError> {
    let parsed = Note::parse(note)?;
    let checkpoint = Checkpoint::parse_body(parsed.text)?;
    let mut signed = false;
    for sig in &parsed.signatures {
        if let Some(key) = keys
            .iter()
            .find(|k| sig.is_by(&checkpoint.origin, Alg::Ed25519, k))
        {
            key.verify(
                parsed.text.as_bytes(),
                &Signature::from_slice(&sig.signature)?,
            )?;
            signed = true;
        }
    }
    if signed {
        Ok(checkpoint)
    } else {
        Err(VerifyError::BadSignature)
    }
}

/// Given a checkpoint already trusted (`seen`), verifies that `newer` extends it.
/// A smaller `newer` is an old checkpoint replayed; a failed proof is a rewritten history.
pub fn verify_extends(
    seen: &Checkpoint,
    newer: &Checkpoint,
    proof: &[Digest],
) -> Result<(), VerifyError> {
    if seen.origin != newer.origin {
        return Err(VerifyError::WrongOrigin);
    }
    if newer.size < seen.size {
        return Err(VerifyError::StaleCheckpoint {
            seen: seen.size,
            given: newer.size,
        });
    }
    if merkle::verify_consistency(seen.size, newer.size, &seen.root, &newer.root, proof) {
        Ok(())
    } else {
        Err(VerifyError::Inconsistent)
    }
}
