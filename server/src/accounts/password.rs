//! argon2id password hashes, computed on tokio's blocking pool: each takes tens of
//! milliseconds of CPU on purpose, which must not stall the async threads serving pages.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::{Error, Result};

/// argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane): OWASP's recommended
/// minimum. The parameters are stored in each PHC string, so raising them later still
/// verifies old hashes.
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

pub async fn hash(password: String) -> Result<String> {
    blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing a password: {e}")))
    })
    .await
}

/// Checks `password` against a stored hash. With no stored hash (unknown account, or an
/// invited member who has not chosen a password yet) it still spends the same work on a
/// dummy hash, so response time does not tell which accounts exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    blocking(move || {
        let dummy = dummy_hash();
        let (phc, real) = match stored.as_deref() {
            Some(s) => (s, true),
            None => (dummy, false),
        };
        let parsed = PasswordHash::new(phc)
            .map_err(|e| Error::Internal(format!("a stored password hash is corrupt: {e}")))?;
        let ok = argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && real)
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"no account has this password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("password task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hash("mật khẩu dài".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("mật khẩu dài".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("mat khau dai".into(), Some(h)).await.unwrap());
        assert!(!verify("no account has this password".into(), None)
            .await
            .unwrap());
    }
}
