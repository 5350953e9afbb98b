//! The 32-byte blake3 digest and the domain-separated hashes built on it.

use core::fmt;
use subtle::ConstantTimeEq;

use crate::error::DecodeError;

/// RFC 9162 §2.1.1 leaf prefix: a leaf hash can never equal an interior node hash.
pub const LEAF_HASH_PREFIX: u8 = 0x00;
/// RFC 9162 §2.1.1 interior node prefix.
pub const NODE_HASH_PREFIX: u8 = 0x01;

/// A blake3 digest. Equality is constant-time: digests are compared against
/// attacker-supplied values during verification.
#[derive(Clone, Copy, Eq)]
pub struct Digest(pub [u8; 32]);

impl PartialEq for Digest {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl core::hash::Hash for Digest {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

impl Digest {
    /// The hash of a Merkle leaf (and of a ledger entry): `blake3(0x00 || data)`.
    pub fn leaf(data: &[u8]) -> Self {
        let mut h = blake3::Hasher::new();
        h.update(&[LEAF_HASH_PREFIX]);
        h.update(data);
        Self(*h.finalize().as_bytes())
    }

    /// The hash of an interior Merkle node: `blake3(0x01 || left || right)`.
    pub fn node(left: &Digest, right: &Digest) -> Self {
        let mut buf = [0u8; 65];
        buf[0] = NODE_HASH_PREFIX;
        buf[1..33].copy_from_slice(&left.0);
        buf[33..].copy_from_slice(&right.0);
        Self(*blake3::hash(&buf).as_bytes())
    }

    /// The root of the empty tree: `blake3("")` (RFC 9162 §2.1.1, with blake3 for SHA-256).
    pub fn empty() -> Self {
        Self(*blake3::hash(b"").as_bytes())
    }

    pub fn to_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.0)
    }

    pub fn from_hex(s: &str) -> Result<Self, DecodeError> {
        let v = data_encoding::HEXLOWER
            .decode(s.as_bytes())
            .map_err(|_| DecodeError::BadEncoding)?;
        Self::from_slice(&v)
    }

    pub fn from_slice(v: &[u8]) -> Result<Self, DecodeError> {
        <[u8; 32]>::try_from(v)
            .map(Self)
            .map_err(|_| DecodeError::BadLength)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.to_hex())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Digest::from_hex(&s).map_err(serde::de::Error::custom)
    }
}
