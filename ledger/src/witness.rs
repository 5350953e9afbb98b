//! The C2SP `tlog-witness` protocol, without the HTTP: the `add-checkpoint` request a log
//! sends, and the checks a witness runs before it cosigns, each refusal with the status
//! code the spec gives it. The witness's memory (the latest checkpoint it cosigned for each
//! log) is the caller's, who must compare and replace it atomically.

use data_encoding::BASE64;

use crate::checkpoint::{verify_checkpoint_by, Checkpoint};
use crate::digest::Digest;
use crate::error::{DecodeError, VerifyError};
use crate::keys::PublicKey;
use crate::merkle;
use crate::note::{Note, NoteSignature};

/// The most consistency-proof lines a request may carry (the spec's bound).
pub const MAX_PROOF_LINES: usize = 63;
/// The media type of a 409 answer's body: the witness's latest size.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// An `add-checkpoint` request: the size the log believes the witness holds, a
/// consistency proof from it, and the new checkpoint (a signed note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old: u64,
    pub proof: Vec<Digest>,
    pub checkpoint: String,
}

impl AddCheckpoint {
    /// The request body: `old N`, a base64 hash per line, an empty line, the checkpoint.
    pub fn body(&self) -> String {
        let mut out = format!("old {}\n", self.old);
        for h in &self.proof {
            out.push_str(&BASE64.encode(&h.0));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    pub fn parse(body: &str) -> Result<Self, DecodeError> {
        let (head, checkpoint) = body.split_once("\n\n").ok_or(DecodeError::BadSyntax)?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or(DecodeError::BadSyntax)?;
        if old.is_empty()
            || (old.len() > 1 && old.starts_with('0'))
            || !old.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(DecodeError::BadSyntax);
        }
        let old = old.parse().map_err(|_| DecodeError::OutOfRange)?;
        let proof = lines
            .map(|l| {
                let bytes = BASE64
                    .decode(l.as_bytes())
                    .map_err(|_| DecodeError::BadEncoding)?;
                Digest::from_slice(&bytes)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(DecodeError::TooLong);
        }
        Ok(Self {
            old,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

/// Why a witness does not cosign, with the HTTP status the protocol assigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: not a request of this protocol.
    Malformed(DecodeError),
    /// 404: the witness does not follow this log.
    UnknownLog,
    /// 403: no signature by a key the witness trusts for this log.
    NotSigned,
    /// 400: the old size is larger than the checkpoint's.
    OldAfterNew,
    /// 409: the witness holds another size; the log should retry from it.
    Conflict { latest: u64 },
    /// 409: same size as the witness holds but another root: a split view.
    SplitView { latest: u64 },
    /// 422: the proof does not show the checkpoint extends what the witness holds.
    Inconsistent,
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed(_) | Self::OldAfterNew => 400,
            Self::NotSigned => 403,
            Self::UnknownLog => 404,
            Self::Conflict { .. } | Self::SplitView { .. } => 409,
            Self::Inconsistent => 422,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "not an add-checkpoint request: {e}"),
            Self::UnknownLog => f.write_str("this witness does not follow that log"),
            Self::NotSigned => f.write_str("the checkpoint is not signed by a key of the log"),
            Self::OldAfterNew => f.write_str("the old size is larger than the checkpoint's"),
            Self::Conflict { latest } => write!(f, "the witness holds size {latest}"),
            Self::SplitView { latest } => write!(
                f,
                "a checkpoint of size {latest} with another root was already cosigned"
            ),
            Self::Inconsistent => f.write_str("the consistency proof does not verify"),
        }
    }
}

/// What the witness knows of a log: the keys it trusts for it and the latest checkpoint it
/// cosigned (`None` before the first).
#[derive(Debug, Clone)]
pub struct LogState {
    pub keys: Vec<PublicKey>,
    pub latest: Option<Checkpoint>,
}

/// The witness's checks, in the spec's order. On success, the checkpoint to record as the
/// latest (replacing `state.latest` only if it is still what was read) and then cosign.
pub fn check(state: Option<&LogState>, req: &AddCheckpoint) -> Result<Checkpoint, Refusal> {
    // A request that does not parse is malformed before its log is looked up.
    Checkpoint::parse_unverified(&req.checkpoint).map_err(Refusal::Malformed)?;
    let state = state.ok_or(Refusal::UnknownLog)?;
    let checkpoint = match verify_checkpoint_by(&req.checkpoint, &state.keys) {
        Ok(c) => c,
        Err(VerifyError::Malformed { error, .. }) => return Err(Refusal::Malformed(error)),
        Err(_) => return Err(Refusal::NotSigned),
    };
    if req.old > checkpoint.size {
        return Err(Refusal::OldAfterNew);
    }
    let (latest_size, latest_root) = state
        .latest
        .as_ref()
        .map_or((0, Digest::empty()), |c| (c.size, c.root));
    if req.old != latest_size {
        return Err(Refusal::Conflict {
            latest: latest_size,
        });
    }
    if req.old == checkpoint.size && state.latest.is_some() {
        return if !req.proof.is_empty() {
            // RFC 9162: between equal sizes the proof is empty.
            Err(Refusal::Inconsistent)
        } else if latest_root == checkpoint.root {
            Ok(checkpoint)
        } else {
            Err(Refusal::SplitView {
                latest: latest_size,
            })
        };
    }
    if req.old == 0 && !req.proof.is_empty() {
        return Err(Refusal::Inconsistent);
    }
    if !merkle::verify_consistency(
        req.old,
        checkpoint.size,
        &latest_root,
        &checkpoint.root,
        &req.proof,
    ) {
        return Err(Refusal::Inconsistent);
    }
    Ok(checkpoint)
}

/// The cosignature lines of a witness's 200 answer.
pub fn parse_cosignatures(body: &str) -> Result<Vec<NoteSignature>, DecodeError> {
    // The answer is the signature part of a note: parse it as one under an empty text.
    Ok(Note::parse(&format!("x\n\n{body}"))?.signatures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    fn log(n: u64) -> (Vec<Digest>, SigningKey) {
        let leaves = (0..n).map(|i| Digest::leaf(&i.to_be_bytes())).collect();
        (leaves, SigningKey::from_seed(&[9; 32]))
    }

    fn checkpoint(leaves: &[Digest], key: &SigningKey) -> (Checkpoint, String) {
        let cp = Checkpoint {
            origin: "example.org/log".into(),
            size: leaves.len() as u64,
            root: merkle::root(leaves),
        };
        let note = cp.sign(key);
        (cp, note)
    }

    #[test]
    fn a_request_body_round_trips() {
        let (leaves, key) = log(9);
        let (_, note) = checkpoint(&leaves, &key);
        let req = AddCheckpoint {
            old: 4,
            proof: merkle::consistency_proof(&leaves, 4).unwrap(),
            checkpoint: note,
        };
        assert_eq!(AddCheckpoint::parse(&req.body()).unwrap(), req);
        assert!(AddCheckpoint::parse("old 04\n\nx").is_err());
        assert!(AddCheckpoint::parse("old 4\nnot base64\n\nx").is_err());
    }

    #[test]
    fn the_witness_checks_in_the_specs_order() {
        let (leaves, key) = log(9);
        let (cp4, _) = checkpoint(&leaves[..4], &key);
        let (cp9, note9) = checkpoint(&leaves, &key);
        let state = LogState {
            keys: vec![key.public_key()],
            latest: Some(cp4.clone()),
        };
        let proof = merkle::consistency_proof(&leaves, 4).unwrap();
        let req = |old, proof: &[Digest]| AddCheckpoint {
            old,
            proof: proof.to_vec(),
            checkpoint: note9.clone(),
        };
        assert_eq!(check(Some(&state), &req(4, &proof)), Ok(cp9.clone()));
        assert_eq!(check(None, &req(4, &proof)), Err(Refusal::UnknownLog));
        let stranger = LogState {
            keys: vec![SigningKey::from_seed(&[1; 32]).public_key()],
            latest: None,
        };
        assert_eq!(
            check(Some(&stranger), &req(4, &proof)),
            Err(Refusal::NotSigned)
        );
        assert_eq!(
            check(Some(&state), &req(10, &[])),
            Err(Refusal::OldAfterNew)
        );
        assert_eq!(
            check(Some(&state), &req(0, &[])),
            Err(Refusal::Conflict { latest: 4 })
        );
        assert_eq!(
            check(Some(&state), &req(4, &proof[1..])),
            Err(Refusal::Inconsistent)
        );
        // A rewritten log: leaf 2 changed, re-signed by the same key.
        let mut forged = leaves.clone();
        forged[2] = Digest::leaf(b"rewritten");
        let (_, forged9) = checkpoint(&forged, &key);
        let forged_req = AddCheckpoint {
            old: 4,
            proof: merkle::consistency_proof(&forged, 4).unwrap(),
            checkpoint: forged9,
        };
        assert_eq!(check(Some(&state), &forged_req), Err(Refusal::Inconsistent));
        // Same size, another root: a split view.
        let (_, forged4) = checkpoint(&forged[..4], &key);
        let split = AddCheckpoint {
            old: 4,
            proof: vec![],
            checkpoint: forged4,
        };
        assert_eq!(
            check(Some(&state), &split),
            Err(Refusal::SplitView { latest: 4 })
        );
        // The same checkpoint again is cosigned again, but only with an empty proof.
        let state9 = LogState {
            keys: vec![key.public_key()],
            latest: Some(cp9.clone()),
        };
        assert_eq!(check(Some(&state9), &req(9, &[])), Ok(cp9.clone()));
        assert_eq!(
            check(Some(&state9), &req(9, &proof)),
            Err(Refusal::Inconsistent)
        );
        // The first checkpoint a witness sees needs no proof.
        let fresh = LogState {
            keys: vec![key.public_key()],
            latest: None,
        };
        assert_eq!(check(Some(&fresh), &req(0, &[])), Ok(cp9));
        assert_eq!(
            check(Some(&fresh), &req(0, &proof)),
            Err(Refusal::Inconsistent)
        );
    }
}
