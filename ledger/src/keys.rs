//! Cooperative signing keys, key IDs, key rotation and the key history a verifier uses to
//! know which key was valid when.

use core::fmt;

use data_encoding::{BASE32_NOPAD, HEXLOWER};
use ed25519_dalek::Signer;
use serde::{Deserialize, Serialize};

use crate::code::CoopCode;
use crate::codec::{Reader, Writer};
use crate::error::{DecodeError, VerifyError};

/// Domain separation for key IDs, so a key ID can never collide with another blake3 use.
pub const KEY_ID_CONTEXT: &[u8] = b"goc key id v1\0";
/// Domain separation for rotation statements.
pub const ROTATION_CONTEXT: &str = "goc key rotation v1";

/// A cooperative's Ed25519 signing key. Deliberately not `Serialize`, not `Debug`-printed,
/// and zeroed on drop (ed25519-dalek's `zeroize`).
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// Builds a key from 32 secret random bytes. The caller supplies the randomness, so
    /// this crate needs no OS random source and the browser build pulls none in.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed))
    }
    /// The secret seed, for storing the key encrypted. Handle with care.
    pub fn to_seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }
    pub fn key_id(&self) -> KeyId {
        self.public_key().key_id()
    }
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message).to_bytes())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.key_id())
    }
}

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    pub fn from_bytes(b: &[u8; 32]) -> Result<Self, DecodeError> {
        ed25519_dalek::VerifyingKey::from_bytes(b)
            .map(Self)
            .map_err(|_| DecodeError::BadKey)
    }
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
    /// `KeyId` = the first 8 bytes of `blake3("goc key id v1\0" || public key)`.
    pub fn key_id(&self) -> KeyId {
        let mut h = blake3::Hasher::new();
        h.update(KEY_ID_CONTEXT);
        h.update(self.0.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&h.finalize().as_bytes()[..8]);
        KeyId(id)
    }
    /// Checks with `verify_strict`: rejects small-order keys and non-canonical signatures,
    /// so one message has one valid signature per key.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), VerifyError> {
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        self.0
            .verify_strict(message, &sig)
            .map_err(|_| VerifyError::BadSignature)
    }
    /// The dalek key, for batch verification.
    pub fn as_dalek(&self) -> &ed25519_dalek::VerifyingKey {
        &self.0
    }
    pub fn to_hex(&self) -> String {
        HEXLOWER.encode(self.0.as_bytes())
    }
    pub fn from_hex(s: &str) -> Result<Self, DecodeError> {
        let v = HEXLOWER
            .decode(s.as_bytes())
            .map_err(|_| DecodeError::BadEncoding)?;
        let a = <[u8; 32]>::try_from(v.as_slice()).map_err(|_| DecodeError::BadLength)?;
        Self::from_bytes(&a)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// A short, stable name for a public key: 8 bytes, shown as 13 base32 characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    pub fn to_base32(&self) -> String {
        BASE32_NOPAD.encode(&self.0)
    }
    pub fn from_base32(s: &str) -> Result<Self, DecodeError> {
        let v = BASE32_NOPAD
            .decode(s.as_bytes())
            .map_err(|_| DecodeError::BadEncoding)?;
        <[u8; 8]>::try_from(v.as_slice())
            .map(KeyId)
            .map_err(|_| DecodeError::BadLength)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base32())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base32())
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_base32(&s).map_err(serde::de::Error::custom)
    }
}

/// A 64-byte Ed25519 signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; 64]);

impl Signature {
    pub fn to_hex(&self) -> String {
        HEXLOWER.encode(&self.0)
    }
    pub fn from_slice(v: &[u8]) -> Result<Self, DecodeError> {
        <[u8; 64]>::try_from(v)
            .map(Signature)
            .map_err(|_| DecodeError::BadLength)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_hex())
    }
}

impl Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let v = HEXLOWER
            .decode(s.as_bytes())
            .map_err(serde::de::Error::custom)?;
        Signature::from_slice(&v).map_err(serde::de::Error::custom)
    }
}

/// Why a key was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationReason {
    /// Planned replacement: the old key signs the statement.
    Scheduled,
    /// The old key is lost or compromised: the platform key signs the statement.
    Lost,
}

impl RotationReason {
    fn tag(self) -> u8 {
        match self {
            Self::Scheduled => 1,
            Self::Lost => 2,
        }
    }
    fn from_tag(t: u8) -> Result<Self, DecodeError> {
        match t {
            1 => Ok(Self::Scheduled),
            2 => Ok(Self::Lost),
            t => Err(DecodeError::BadTag(t)),
        }
    }
}

/// "From `effective_at` (and from log size `log_size` on), `new_key` replaces `old_key`."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationStatement {
    pub cooperative: CoopCode,
    pub old_key: KeyId,
    pub new_key: PublicKey,
    /// Unix milliseconds (UTC) from which identities must be issued by the new key.
    pub effective_at: i64,
    /// Checkpoints of a log larger than this must be signed by the new key.
    pub log_size: u64,
    pub reason: RotationReason,
}

impl RotationStatement {
    /// The exact bytes that are signed (see `docs/ledger-format.md`, "Key rotation").
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.str(ROTATION_CONTEXT)
            .str(self.cooperative.as_str())
            .raw(&self.old_key.0)
            .raw(&self.new_key.to_bytes())
            .i64(self.effective_at)
            .u64(self.log_size)
            .u8(self.reason.tag());
        w.finish()
    }

    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        if r.str()? != ROTATION_CONTEXT {
            return Err(DecodeError::BadSyntax);
        }
        Ok(Self {
            cooperative: CoopCode::parse(r.str()?)?,
            old_key: KeyId(r.array()?),
            new_key: PublicKey::from_bytes(&r.array()?)?,
            effective_at: r.i64()?,
            log_size: r.u64()?,
            reason: RotationReason::from_tag(r.u8()?)?,
        })
    }
}

/// A rotation statement with its signature (by the old key, or by the platform).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedRotation {
    pub statement: RotationStatement,
    pub signature: Signature,
}

impl SignedRotation {
    /// Signs `statement` with `signer`: the old key for a scheduled rotation, the platform
    /// key for a lost one.
    pub fn sign(statement: RotationStatement, signer: &SigningKey) -> Self {
        let signature = signer.sign(&statement.signed_bytes());
        Self {
            statement,
            signature,
        }
    }

    /// The canonical encoding, carried inside a key-rotation ledger entry.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = self.statement.signed_bytes();
        bytes.extend_from_slice(&self.signature.0);
        bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let statement = RotationStatement::decode_from(&mut r)?;
        let signature = Signature(r.array()?);
        r.finish()?;
        Ok(Self {
            statement,
            signature,
        })
    }
}

/// The period during which one key was the cooperative's signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPeriod {
    pub key: PublicKey,
    pub id: KeyId,
    pub from_time: i64,
    /// `None` while the key is current.
    pub until_time: Option<i64>,
    pub from_size: u64,
    pub until_size: Option<u64>,
}

impl KeyPeriod {
    /// Whether the key was current at some moment of `[start, end]` (unix ms, inclusive).
    pub fn overlaps(&self, start: i64, end: i64) -> bool {
        self.from_time <= end && self.until_time.is_none_or(|u| start < u)
    }
    /// Whether the key may sign a checkpoint of a log of `size` entries.
    pub fn covers_size(&self, size: u64) -> bool {
        self.from_size <= size && self.until_size.is_none_or(|u| size <= u)
    }
}

/// A cooperative's keys from its first (genesis) key through every rotation: what a
/// verifier needs to know which key was valid when. Published at the well-known URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyHistory {
    pub cooperative: CoopCode,
    pub genesis: PublicKey,
    pub rotations: Vec<SignedRotation>,
}

impl KeyHistory {
    pub fn new(cooperative: CoopCode, genesis: PublicKey) -> Self {
        Self {
            cooperative,
            genesis,
            rotations: Vec::new(),
        }
    }

    /// Checks every rotation (signed by the key it replaces, or by `platform` for a lost
    /// key; times and sizes never going backwards) and returns the key periods.
    pub fn periods(&self, platform: Option<&PublicKey>) -> Result<Vec<KeyPeriod>, VerifyError> {
        let mut periods = vec![KeyPeriod {
            key: self.genesis,
            id: self.genesis.key_id(),
            from_time: i64::MIN,
            until_time: None,
            from_size: 0,
            until_size: None,
        }];
        for (index, rotation) in self.rotations.iter().enumerate() {
            let s = &rotation.statement;
            let bad = VerifyError::BadRotation { index };
            let current = periods.last_mut().ok_or(bad.clone())?;
            if s.cooperative != self.cooperative
                || s.old_key != current.id
                || s.effective_at < current.from_time
                || s.log_size < current.from_size
            {
                return Err(bad);
            }
            let signer = match s.reason {
                RotationReason::Scheduled => &current.key,
                RotationReason::Lost => platform.ok_or(bad.clone())?,
            };
            signer
                .verify(&s.signed_bytes(), &rotation.signature)
                .map_err(|_| bad)?;
            current.until_time = Some(s.effective_at);
            current.until_size = Some(s.log_size);
            periods.push(KeyPeriod {
                key: s.new_key,
                id: s.new_key.key_id(),
                from_time: s.effective_at,
                until_time: None,
                from_size: s.log_size,
                until_size: None,
            });
        }
        Ok(periods)
    }

    /// The key signing now.
    pub fn current(&self) -> PublicKey {
        self.rotations
            .last()
            .map_or(self.genesis, |r| r.statement.new_key)
    }
}

/// The key with ID `id` from verified `periods`, if one of its periods is `valid`:
/// `UnknownKey` if the history never had it, `RetiredKey` if it was not valid then.
pub fn pick(
    periods: &[KeyPeriod],
    id: KeyId,
    valid: impl Fn(&KeyPeriod) -> bool,
) -> Result<PublicKey, VerifyError> {
    let mut mine = periods.iter().filter(|p| p.id == id).peekable();
    if mine.peek().is_none() {
        return Err(VerifyError::UnknownKey(id));
    }
    mine.find(|p| valid(p))
        .map(|p| p.key)
        .ok_or(VerifyError::RetiredKey(id))
}
