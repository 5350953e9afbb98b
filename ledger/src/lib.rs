//! Gốc's trust core.
//!
//! A cooperative signs each tree's QR identity with its Ed25519 key ([`identity`]). Every
//! event (a registration, a diary action, an adoption, a key rotation) is an [`entry`]
//! appended to the cooperative's log; the entries of one subject link by hash into a
//! chain, the whole log is a Merkle tree ([`merkle`], RFC 9162 structure with blake3), and
//! the cooperative signs checkpoints of it ([`checkpoint`], C2SP signed notes). A tree's
//! history exports as one document that anyone verifies offline ([`history`]).
//!
//! Trust without trusting the server: the log is published as C2SP tiles ([`tiles`]) that
//! anyone can mirror; witnesses check each checkpoint extends the last they saw and cosign
//! it ([`witness`], [`cosignature`]); a verifier brings its own policy of which witnesses
//! must have vouched, and the key of the label it scanned ([`history::Trust`]).
//!
//! The crate is pure: no I/O, no clock (times are arguments), no randomness (keys are
//! built from seeds the caller draws), so it builds for `wasm32-unknown-unknown` and the
//! browser can verify too. Every byte that is hashed or signed is specified in
//! `docs/ledger-format.md` and `docs/qr-identity.md`.

#[cfg(feature = "browser")]
pub mod browser;
pub mod checkpoint;
pub mod code;
pub mod codec;
pub mod cosignature;
pub mod date;
pub mod digest;
pub mod entry;
pub mod error;
pub mod history;
pub mod identity;
pub mod keys;
pub mod merkle;
pub mod note;
#[cfg(feature = "scan")]
pub mod scan;
pub mod tiles;
pub mod witness;

pub use checkpoint::{verify_checkpoint, verify_extends, Checkpoint};
pub use code::{CoopCode, TreeCode, ZoneCode};
pub use cosignature::{Vouch, WitnessPolicy};
pub use date::Date;
pub use digest::Digest;
pub use entry::{verify_chain, Entry, EntryView, GeoPoint, Kind, Quantity, Subject, Unit};
pub use error::{DecodeError, VerifyError};
pub use history::{HistorySummary, ProvenEntry, TreeHistory, Trust};
pub use identity::{Identity, SignedIdentity};
pub use keys::{
    KeyHistory, KeyId, PublicKey, RotationReason, RotationStatement, Signature, SignedRotation,
    SigningKey,
};
pub use note::{Alg, VerifierKey};
