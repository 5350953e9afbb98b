//! Checkpoints in the C2SP `tlog-checkpoint` format, signed as C2SP `signed-note`s with
//! Ed25519, so standard transparency-log tooling can read them.

use data_encoding::BASE64;
use sha2::{Digest as _, Sha256};

use crate::digest::Digest;
use crate::error::{DecodeError, VerifyError};
use crate::keys::{pick, KeyHistory, PublicKey, Signature, SigningKey};
use crate::merkle;

/// C2SP signed-note signature type byte for Ed25519.
pub const ED25519_NOTE_ALG: u8 = 0x01;
/// The em dash and space that open every signature line of a signed note.
const SIG_LINE_PREFIX: &str = "\u{2014} ";

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
        let sig = key.sign(body.as_bytes());
        let mut blob = note_key_hash(&self.origin, &key.public_key()).to_vec();
        blob.extend_from_slice(&sig.0);
        format!(
            "{body}\n{SIG_LINE_PREFIX}{} {}\n",
            self.origin,
            BASE64.encode(&blob)
        )
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
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519_NOTE_ALG]);
    h.update(key.to_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
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
    let split = note.find("\n\n").ok_or(DecodeError::BadSyntax)?;
    let (body, sigs) = (&note[..=split], &note[split + 2..]);
    let checkpoint = Checkpoint::parse_body(body)?;
    if checkpoint.origin != origin {
        return Err(VerifyError::WrongOrigin);
    }
    let periods = keys.periods(platform)?;
    let lines = sigs.strip_suffix('\n').ok_or(DecodeError::BadSyntax)?;
    let mut result = Err(VerifyError::BadSignature);
    for line in lines.split('\n') {
        let rest = line
            .strip_prefix(SIG_LINE_PREFIX)
            .ok_or(DecodeError::BadSyntax)?;
        let (name, blob) = rest.rsplit_once(' ').ok_or(DecodeError::BadSyntax)?;
        let blob = BASE64
            .decode(blob.as_bytes())
            .map_err(|_| DecodeError::BadEncoding)?;
        if name != origin || blob.len() != 68 {
            continue;
        }
        let Some(period) = periods
            .iter()
            .find(|p| note_key_hash(name, &p.key) == blob[..4])
        else {
            continue;
        };
        let sig = Signature::from_slice(&blob[4..])?;
        period.key.verify(body.as_bytes(), &sig)?;
        pick(&periods, period.id, |p| p.covers_size(checkpoint.size))?;
        result = Ok(checkpoint.clone());
        break;
    }
    result
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
