//! One-time codes a person reads aloud or types: invitations and password resets.

use crate::error::{Error, Result};

/// Letters and digits a person reads aloud or types without confusion (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|e| Error::Internal(format!("randomness: {e}")))?;
    Ok(b)
}

/// Eight characters shown as `XXXX-XXXX`: about 40 bits, single-use, expiring, bound to
/// one phone number, and guessed only through the login throttle.
pub(crate) fn new_code() -> Result<String> {
    let mut code = String::with_capacity(9);
    while code.len() < 9 {
        for b in random_bytes::<16>()? {
            // Rejection sampling keeps every character equally likely.
            if usize::from(b) < 256 - 256 % ALPHABET.len() && code.len() < 9 {
                if code.len() == 4 {
                    code.push('-');
                }
                code.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(code)
}

/// A member's pseudonym in a cooperative's public log: 40 random bits, lower-case base32.
pub fn new_alias() -> Result<String> {
    Ok(data_encoding::BASE32_NOPAD
        .encode(&random_bytes::<5>()?)
        .to_lowercase())
}

/// The stored form of a code: hashed, after forgiving case, spaces and dashes.
pub(crate) fn code_hash(code: &str) -> [u8; 32] {
    let canonical: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    *blake3::hash(canonical.as_bytes()).as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_forgiving() {
        let c = new_code().unwrap();
        assert_eq!(c.len(), 9);
        assert_eq!(&c[4..5], "-");
        assert!(c
            .bytes()
            .filter(|&b| b != b'-')
            .all(|b| ALPHABET.contains(&b)));
        assert_eq!(
            code_hash(&c),
            code_hash(&c.to_lowercase().replace('-', " "))
        );
        assert_ne!(new_code().unwrap(), c);
    }
}
