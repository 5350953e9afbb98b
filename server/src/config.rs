//! Typed configuration. The binary fills it from flags and environment variables (every
//! one documented in `.env.sample`); the secret is wrapped so it never reaches a log.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// What the server connects to and how it presents itself.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://path/to/file.db` (created if missing) or `postgres://...`.
    pub database_url: String,
    /// Public base URL printed into QR codes, without trailing slash.
    pub base_url: String,
    /// Server secret that seals cooperatives' signing keys at rest.
    pub secret: SecretString,
    /// Tests only: derive every new signing key from this seed instead of the operating
    /// system's randomness, so a failing test reproduces with the same keys (and QR codes).
    /// The binary refuses it with an https base URL: predictable keys must never sign
    /// real labels.
    pub insecure_key_seed: Option<[u8; 32]>,
    /// Where photos are kept: a folder, or `s3://bucket[/prefix]` (see [`PhotoStore`]).
    ///
    /// [`PhotoStore`]: crate::photos::PhotoStore
    pub photos: String,
    /// `GOC_SMTP_URL`: where mail goes out; without one it waits in the outbox.
    pub smtp_url: Option<SecretString>,
    /// `GOC_MAIL_FROM`: the sender of that mail.
    pub mail_from: String,
}

impl Config {
    /// The host and path of the base URL: the prefix of every log's origin line.
    pub fn origin_prefix(&self) -> String {
        let s = self.base_url.trim_end_matches('/');
        s.split_once("://").map_or(s, |(_, rest)| rest).to_owned()
    }

    /// Checks what a typo could break, with messages that say what to fix.
    pub fn validate(&self) -> Result<()> {
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(Error::Config(
                "GOC_BASE_URL must start with http:// or https://".into(),
            ));
        }
        if self.secret.expose_secret().len() < 32 {
            return Err(Error::Config(
                "GOC_SECRET must be at least 32 characters".into(),
            ));
        }
        Ok(())
    }
}

/// Reads the secret from `path`, creating it with 64 random hex characters (mode 0600)
/// if it does not exist yet: a fresh machine runs without any manual step, and the
/// secret stays outside the repository.
pub fn load_or_create_secret(path: &Path) -> Result<SecretString> {
    if let Ok(s) = std::fs::read_to_string(path) {
        return Ok(SecretString::from(s.trim().to_owned()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("creating the secret's folder", e))?;
    }
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::Internal(format!("randomness: {e}")))?;
    let secret = data_encoding::HEXLOWER.encode(&bytes);
    write_private(path, &secret)?;
    Ok(SecretString::from(secret))
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .map_err(|e| Error::io("creating the secret file", e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| Error::io("writing the secret file", e))
}

/// The seed of `GOC_INSECURE_KEY_SEED`: any text, hashed to 32 bytes.
pub fn key_seed(text: &str) -> [u8; 32] {
    blake3::derive_key("goc 2026 insecure test key seed", text.as_bytes())
}
