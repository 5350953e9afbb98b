//! The ledger's typed errors. No strings inside: a caller can match on exactly what failed
//! and where, and the app turns them into sentences for people.

use core::fmt;

use crate::keys::KeyId;

/// Why bytes or text could not be read as a ledger structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ended before the structure did.
    UnexpectedEnd,
    /// Bytes remained after a complete structure.
    TrailingBytes,
    /// A format version this verifier does not know.
    UnsupportedVersion(u8),
    /// An option or enum tag with no meaning.
    BadTag(u8),
    /// A length prefix above the format's limit.
    TooLong,
    /// Text that is not UTF-8.
    InvalidUtf8,
    /// A code that is not upper-case `A-Z 0-9 -` of the allowed length.
    InvalidCode,
    /// Hex, base32 or base64 that does not decode.
    BadEncoding,
    /// A hash, key or signature of the wrong size.
    BadLength,
    /// A public key that is not a valid Ed25519 point.
    BadKey,
    /// A URL or note that does not have the specified shape.
    BadSyntax,
    /// A number outside its allowed range (a date, a coordinate, a percentage).
    OutOfRange,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::UnexpectedEnd => "input ends too early",
            Self::TrailingBytes => "unexpected bytes after the end",
            Self::UnsupportedVersion(_) => "unsupported format version",
            Self::BadTag(_) => "unknown tag",
            Self::TooLong => "field too long",
            Self::InvalidUtf8 => "text is not UTF-8",
            Self::InvalidCode => "code must be 1–40 characters A–Z, 0–9 and single inner hyphens",
            Self::BadEncoding => "bad hex, base32 or base64",
            Self::BadLength => "hash, key or signature of the wrong length",
            Self::BadKey => "not a valid Ed25519 public key",
            Self::BadSyntax => "malformed text",
            Self::OutOfRange => "value out of range",
        };
        f.write_str(s)
    }
}

impl std::error::Error for DecodeError {}

/// Why a verification failed. Positions (`index`) count from 0 in the order the
/// structures were given to the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// Input that is not a well-formed structure at all.
    Malformed {
        index: Option<usize>,
        error: DecodeError,
    },
    /// A signature that does not verify under the key it names.
    BadSignature,
    /// A key ID that the cooperative's key history does not contain.
    UnknownKey(KeyId),
    /// A key that was valid once but had been rotated out when it signed.
    RetiredKey(KeyId),
    /// A key rotation that the previous key (or the platform, for a lost key) did not sign,
    /// or that does not follow on from the previous one.
    BadRotation { index: usize },
    /// An entry whose `prev` is not the hash of the subject's previous entry.
    BrokenLink { index: usize },
    /// The first entry of a chain claims a predecessor.
    MissingGenesis,
    /// An entry whose sequence number is not larger than its predecessor's (gaps between a
    /// subject's entries are normal: other subjects' entries lie between them).
    SequenceNotIncreasing {
        index: usize,
        previous: u64,
        found: u64,
    },
    /// Two entries claim the same predecessor: the history was forked.
    Fork { index: usize },
    /// The same entry appears twice.
    Duplicate { index: usize },
    /// An entry of another subject or cooperative inside a chain.
    WrongSubject { index: usize },
    /// An inclusion proof that does not lead to the checkpoint's root.
    NotIncluded { index: usize },
    /// A consistency proof that does not show the later log extends the earlier one.
    Inconsistent,
    /// A checkpoint smaller than one already seen: an old checkpoint replayed.
    StaleCheckpoint { seen: u64, given: u64 },
    /// A checkpoint of another log than the one expected.
    WrongOrigin,
    /// A signed identity whose fields do not match the record it is shown with.
    IdentityMismatch,
    /// A cosignature by a trusted witness that does not verify.
    BadCosignature { witness: String },
    /// Fewer trusted witnesses cosigned the checkpoint than the policy requires.
    TooFewWitnesses { have: usize, need: usize },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed {
                index: Some(i),
                error,
            } => write!(f, "item {i} is malformed: {error}"),
            Self::Malformed { index: None, error } => write!(f, "malformed input: {error}"),
            Self::BadSignature => f.write_str("signature does not verify"),
            Self::UnknownKey(k) => write!(f, "key {k} is not in the cooperative's key history"),
            Self::RetiredKey(k) => write!(f, "key {k} had been retired when it signed"),
            Self::BadRotation { index } => {
                write!(f, "key rotation {index} is not properly signed or ordered")
            }
            Self::BrokenLink { index } => {
                write!(f, "entry {index} does not link to the entry before it")
            }
            Self::MissingGenesis => {
                f.write_str("the first entry of the chain claims a predecessor")
            }
            Self::SequenceNotIncreasing {
                index,
                previous,
                found,
            } => {
                write!(
                    f,
                    "entry {index} has sequence number {found}, not after its predecessor's {previous}"
                )
            }
            Self::Fork { index } => write!(f, "entry {index} forks the history"),
            Self::Duplicate { index } => write!(f, "entry {index} appears twice"),
            Self::WrongSubject { index } => write!(f, "entry {index} belongs to another subject"),
            Self::NotIncluded { index } => {
                write!(f, "entry {index} is not included in the checkpoint")
            }
            Self::Inconsistent => {
                f.write_str("the later checkpoint does not extend the earlier one")
            }
            Self::StaleCheckpoint { seen, given } => {
                write!(
                    f,
                    "checkpoint of size {given} is older than one of size {seen} already seen"
                )
            }
            Self::WrongOrigin => f.write_str("checkpoint belongs to another log"),
            Self::IdentityMismatch => f.write_str("signed identity does not match the tree"),
            Self::BadCosignature { witness } => {
                write!(f, "the cosignature of witness {witness} does not verify")
            }
            Self::TooFewWitnesses { have, need } => write!(
                f,
                "{have} trusted witnesses cosigned the checkpoint, {need} are required"
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

impl From<DecodeError> for VerifyError {
    fn from(error: DecodeError) -> Self {
        Self::Malformed { index: None, error }
    }
}

impl VerifyError {
    /// Attaches the position of the item that failed to decode.
    pub fn at(index: usize) -> impl Fn(DecodeError) -> VerifyError {
        move |error| VerifyError::Malformed {
            index: Some(index),
            error,
        }
    }
}
