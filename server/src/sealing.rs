//! Sealing cooperatives' signing keys at rest with a key derived from the server secret.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

const KDF_CONTEXT: &str = "goc 2025 cooperative signing key sealing v1";
const PLATFORM_CONTEXT: &str = "goc 2026 platform signing key v1";
const WITNESS_CONTEXT: &str = "goc 2026 witness cosigning key v1";

/// Encrypts and decrypts signing-key seeds. The cooperative code is bound as associated
/// data, so a sealed key copied to another cooperative's row will not open.
#[derive(Clone)]
pub struct Sealer {
    cipher: Cipher,
    /// The platform's own signing key (derived from the secret, like the sealing key):
    /// it signs the rotation that replaces a cooperative's lost or stolen key.
    platform: [u8; 32],
    /// The key this instance cosigns other logs' checkpoints with, as a witness. Its own
    /// key, not the platform's: a cosignature is a different statement.
    witness: [u8; 32],
    /// Tests only: new keys derive from this seed (see `Config::insecure_key_seed`).
    key_seed: Option<[u8; 32]>,
}

impl Sealer {
    pub fn new(secret: &SecretString) -> Self {
        let key = blake3::derive_key(KDF_CONTEXT, secret.expose_secret().as_bytes());
        Self {
            cipher: Cipher::new(&key),
            platform: blake3::derive_key(PLATFORM_CONTEXT, secret.expose_secret().as_bytes()),
            witness: blake3::derive_key(WITNESS_CONTEXT, secret.expose_secret().as_bytes()),
            key_seed: None,
        }
    }

    /// The platform key, for signing a lost key's replacement (administrators only).
    pub fn platform_key(&self) -> ledger::SigningKey {
        ledger::SigningKey::from_seed(&self.platform)
    }

    /// The key this instance cosigns with when it witnesses other logs.
    pub fn witness_key(&self) -> ledger::SigningKey {
        ledger::SigningKey::from_seed(&self.witness)
    }

    /// The platform's public key, which verifiers need to accept such a rotation.
    pub fn platform_public(&self) -> ledger::PublicKey {
        self.platform_key().public_key()
    }

    /// A sealer whose new keys are reproducible (tests only).
    pub fn with_key_seed(mut self, seed: Option<[u8; 32]>) -> Self {
        self.key_seed = seed;
        self
    }

    /// The seed of a cooperative's `index`-th signing key (0 at registration, then one
    /// per rotation): fresh randomness, or under a test seed a value derived from the
    /// seed, the cooperative and the index.
    pub fn new_key_seed(&self, cooperative: &str, index: usize) -> Result<[u8; 32]> {
        match &self.key_seed {
            None => random_seed(),
            Some(seed) => {
                let mut h = blake3::Hasher::new_keyed(seed);
                h.update(cooperative.as_bytes());
                h.update(&(index as u64).to_le_bytes());
                Ok(*h.finalize().as_bytes())
            }
        }
    }

    /// Returns `nonce (12 bytes) || ciphertext+tag`.
    pub fn seal(&self, seed: &[u8; 32], cooperative: &str) -> Result<Vec<u8>> {
        self.seal_bytes(seed, cooperative.as_bytes())
    }

    pub fn open(&self, sealed: &[u8], cooperative: &str) -> Result<ledger::SigningKey> {
        let fail = || {
            Error::Internal(format!(
                "signing key of {cooperative} does not open: wrong GOC_SECRET?"
            ))
        };
        let seed = self
            .open_bytes(sealed, cooperative.as_bytes())
            .ok_or_else(fail)?;
        let seed: [u8; 32] = seed.try_into().map_err(|_| fail())?;
        Ok(ledger::SigningKey::from_seed(&seed))
    }

    /// Seals another secret of a cooperative (a payment provider's key), bound to `label`
    /// (`payments:NA-LH:vnpay`): sealed for one use, it opens for no other.
    pub fn seal_secret(&self, secret: &SecretString, label: &str) -> Result<Vec<u8>> {
        self.seal_bytes(secret.expose_secret().as_bytes(), label.as_bytes())
    }

    pub fn open_secret(&self, sealed: &[u8], label: &str) -> Result<SecretString> {
        self.open_bytes(sealed, label.as_bytes())
            .and_then(|b| String::from_utf8(b).ok())
            .map(SecretString::from)
            .ok_or_else(|| Error::Internal(format!("{label} does not open: wrong GOC_SECRET?")))
    }

    fn seal_bytes(&self, msg: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        self.cipher.seal(msg, aad)
    }

    fn open_bytes(&self, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        self.cipher.open(sealed, aad)
    }

    /// A cooperative's secret as it is sealed here, opened and sealed again under `to` with
    /// the same binding (`aad`): how an archive carries secrets between servers whose
    /// secrets differ.
    pub fn reseal(&self, sealed: &[u8], aad: &[u8], to: &Cipher) -> Result<Vec<u8>> {
        let plain = self.open_bytes(sealed, aad).ok_or_else(|| {
            Error::Internal(format!(
                "a sealed secret ({}) does not open: wrong GOC_SECRET?",
                String::from_utf8_lossy(aad)
            ))
        })?;
        to.seal(&plain, aad)
    }

    /// The reverse of [`Sealer::reseal`]: a secret sealed under `from`, sealed here.
    pub fn adopt(&self, sealed: &[u8], aad: &[u8], from: &Cipher) -> Option<Vec<u8>> {
        from.open(sealed, aad)
            .and_then(|plain| self.seal_bytes(&plain, aad).ok())
    }
}

/// ChaCha20-Poly1305 under one key, with a fresh random nonce per message and associated
/// data binding each message to its use.
#[derive(Clone)]
pub struct Cipher(ChaCha20Poly1305);

impl Cipher {
    pub fn new(key: &[u8; 32]) -> Self {
        Self(ChaCha20Poly1305::new(Key::from_slice(key)))
    }

    /// Returns `nonce (12 bytes) || ciphertext+tag`.
    pub fn seal(&self, msg: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce)
            .map_err(|e| Error::Internal(format!("randomness: {e}")))?;
        let ct = self
            .0
            .encrypt(Nonce::from_slice(&nonce), Payload { msg, aad })
            .map_err(|_| Error::Internal("sealing a secret failed".into()))?;
        Ok([nonce.as_slice(), &ct].concat())
    }

    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 12 {
            return None;
        }
        let (nonce, ct) = sealed.split_at(12);
        self.0
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
            .ok()
    }
}

/// 32 fresh random bytes for a new signing key.
fn random_seed() -> Result<[u8; 32]> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| Error::Internal(format!("randomness: {e}")))?;
    Ok(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_for_its_cooperative_and_secret() {
        let s = Sealer::new(&SecretString::from("a".repeat(40)));
        let sealed = s.seal(&[7; 32], "NA-LH").unwrap();
        assert_eq!(s.open(&sealed, "NA-LH").unwrap().to_seed(), [7; 32]);
        assert!(s.open(&sealed, "XOAI-MX").is_err());
        assert!(Sealer::new(&SecretString::from("b".repeat(40)))
            .open(&sealed, "NA-LH")
            .is_err());
    }
}
