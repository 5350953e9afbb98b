//! A tree's signed QR identity and the URL form a phone camera opens.
//!
//! URL: `{base}/t/{COOP}/{TREE}/{ZONE or -}/{YYYYMMDD}/{KEY ID}/{SIGNATURE}`, where the key
//! ID is 13 and the signature 103 characters of unpadded RFC 4648 base32. After `/t/` every
//! character is in the QR alphanumeric set (`0-9 A-Z -/`), which packs 5.5 bits per
//! character instead of 8: a typical identity fits a version 8 QR at error correction M.

use data_encoding::BASE32_NOPAD;

use crate::code::{CoopCode, TreeCode, ZoneCode};
use crate::codec::Writer;
use crate::date::Date;
use crate::error::{DecodeError, VerifyError};
use crate::keys::{pick, KeyHistory, KeyId, PublicKey, Signature, SigningKey};

/// Domain separation for identity signatures.
pub const IDENTITY_CONTEXT: &str = "goc tree identity v1";
/// The path segment that introduces a tree identity in a URL.
pub const URL_SEGMENT: &str = "t";
/// Written in place of the zone code when a tree's zone has no official code yet.
pub const NO_ZONE: &str = "-";

/// The facts a QR identity binds together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub cooperative: CoopCode,
    pub tree: TreeCode,
    pub zone: Option<ZoneCode>,
    pub issued_on: Date,
    pub key: KeyId,
}

impl Identity {
    /// The exact bytes signed (see `docs/qr-identity.md`).
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.str(IDENTITY_CONTEXT)
            .str(self.cooperative.as_str())
            .str(self.tree.as_str())
            .str(self.zone.as_ref().map_or("", |z| z.as_str()))
            .u16(self.issued_on.year())
            .u8(self.issued_on.month())
            .u8(self.issued_on.day())
            .raw(&self.key.0);
        w.finish()
    }

    /// Signs with the cooperative's current key; `key` must be that key's ID.
    pub fn sign(self, key: &SigningKey) -> SignedIdentity {
        debug_assert_eq!(self.key, key.key_id());
        let signature = key.sign(&self.signed_bytes());
        SignedIdentity {
            identity: self,
            signature,
        }
    }
}

/// An identity and the cooperative's signature over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIdentity {
    pub identity: Identity,
    pub signature: Signature,
}

impl SignedIdentity {
    /// The path after the base URL: `/t/COOP/TREE/ZONE/DATE/KEYID/SIG`.
    pub fn path(&self) -> String {
        let i = &self.identity;
        format!(
            "/{URL_SEGMENT}/{}/{}/{}/{}/{}/{}",
            i.cooperative,
            i.tree,
            i.zone.as_ref().map_or(NO_ZONE, |z| z.as_str()),
            i.issued_on.compact(),
            i.key.to_base32(),
            BASE32_NOPAD.encode(&self.signature.0)
        )
    }

    /// The URL to print in the QR code. `base` has no trailing slash.
    pub fn url(&self, base: &str) -> String {
        format!("{}{}", base.trim_end_matches('/'), self.path())
    }

    /// Reads an identity from a URL or a path; whatever precedes the last `/t/` that is
    /// followed by exactly six segments is taken as the base URL and ignored.
    pub fn parse(url: &str) -> Result<Self, DecodeError> {
        let url = url.split(['?', '#']).next().unwrap_or(url);
        let marker = format!("/{URL_SEGMENT}/");
        let start = url.rfind(&marker).ok_or(DecodeError::BadSyntax)?;
        Self::parse_segments(&url[start + marker.len()..].split('/').collect::<Vec<_>>())
    }

    /// Reads an identity from the six path segments after `/t/`.
    pub fn parse_segments(s: &[&str]) -> Result<Self, DecodeError> {
        let [coop, tree, zone, date, key, sig] = s else {
            return Err(DecodeError::BadSyntax);
        };
        let sig = BASE32_NOPAD
            .decode(sig.as_bytes())
            .map_err(|_| DecodeError::BadEncoding)?;
        Ok(Self {
            identity: Identity {
                cooperative: CoopCode::parse(coop)?,
                tree: TreeCode::parse(tree)?,
                zone: if *zone == NO_ZONE {
                    None
                } else {
                    Some(ZoneCode::parse(zone)?)
                },
                issued_on: Date::parse_compact(date)?,
                key: KeyId::from_base32(key)?,
            },
            signature: Signature::from_slice(&sig)?,
        })
    }

    /// Verifies the signature and that the signing key was the cooperative's key on the
    /// day of issue. Returns the key that signed.
    pub fn verify(
        &self,
        keys: &KeyHistory,
        platform: Option<&PublicKey>,
    ) -> Result<PublicKey, VerifyError> {
        if keys.cooperative != self.identity.cooperative {
            return Err(VerifyError::IdentityMismatch);
        }
        // Any moment of the issue day counts: a rotation may fall within the day.
        let start = self.identity.issued_on.start_ms();
        let periods = keys.periods(platform)?;
        let key = pick(&periods, self.identity.key, |p| {
            p.overlaps(start, start + 86_400_000 - 1)
        })?;
        key.verify(&self.identity.signed_bytes(), &self.signature)?;
        Ok(key)
    }
}
