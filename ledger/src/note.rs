//! C2SP signed notes (`c2sp.org/signed-note`): a text and the signature lines under it, and
//! the verifier keys (`vkeys`) that name a signer. Checkpoints and witness cosignatures are
//! both notes; this module reads and writes the envelope, the callers check the signatures.

use data_encoding::{BASE64, HEXLOWER};
use sha2::{Digest as _, Sha256};

use crate::error::DecodeError;
use crate::keys::PublicKey;

/// The em dash and space that open every signature line.
const SIG_LINE_PREFIX: &str = "\u{2014} ";

/// The most signature lines a note may carry here. The spec asks verifiers to accept at
/// least 16; a witness network large enough to need more is far off.
pub const MAX_SIGNATURES: usize = 64;

/// Signature types of the signed-note registry that this crate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// `0x01`: Ed25519 over the note text (a log signing its checkpoint).
    Ed25519 = 0x01,
    /// `0x04`: a timestamped Ed25519 cosignature (`c2sp.org/tlog-cosignature`).
    Cosignature = 0x04,
}

impl Alg {
    fn from_byte(b: u8) -> Result<Self, DecodeError> {
        match b {
            0x01 => Ok(Self::Ed25519),
            0x04 => Ok(Self::Cosignature),
            other => Err(DecodeError::BadTag(other)),
        }
    }
}

/// `SHA-256(name || 0x0A || type || public key)[:4]`: how a signature line names its key.
pub fn key_id(name: &str, alg: Alg, key: &PublicKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([alg as u8]);
    h.update(key.to_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// One signature line: the signer's name, the key ID, and the signature bytes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: [u8; 4],
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line as it appears under a note, newline included.
    pub fn line(&self) -> String {
        let mut blob = self.key_id.to_vec();
        blob.extend_from_slice(&self.signature);
        format!("{SIG_LINE_PREFIX}{} {}\n", self.name, BASE64.encode(&blob))
    }

    fn parse(line: &str) -> Result<Self, DecodeError> {
        let rest = line
            .strip_prefix(SIG_LINE_PREFIX)
            .ok_or(DecodeError::BadSyntax)?;
        let (name, blob) = rest.split_once(' ').ok_or(DecodeError::BadSyntax)?;
        check_name(name)?;
        let blob = BASE64
            .decode(blob.as_bytes())
            .map_err(|_| DecodeError::BadEncoding)?;
        if blob.len() < 5 {
            return Err(DecodeError::BadLength);
        }
        Ok(Self {
            name: name.to_owned(),
            key_id: [blob[0], blob[1], blob[2], blob[3]],
            signature: blob[4..].to_vec(),
        })
    }

    /// Whether this line claims to be by `name`'s key `key` of type `alg`.
    pub fn is_by(&self, name: &str, alg: Alg, key: &PublicKey) -> bool {
        self.name == name && self.key_id == key_id(name, alg, key)
    }
}

/// Key names are non-empty and hold no Unicode space and no `+` (a vkey's separator).
fn check_name(name: &str) -> Result<(), DecodeError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(DecodeError::BadSyntax);
    }
    Ok(())
}

/// A parsed note: its text (ending in a newline) and its signature lines, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note<'a> {
    pub text: &'a str,
    pub signatures: Vec<NoteSignature>,
}

impl<'a> Note<'a> {
    /// Splits a note at its last empty line. Refuses control characters other than the
    /// newline, a text without a final newline, no signatures, or more than
    /// [`MAX_SIGNATURES`].
    pub fn parse(note: &'a str) -> Result<Self, DecodeError> {
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(DecodeError::BadSyntax);
        }
        let split = note.rfind("\n\n").ok_or(DecodeError::BadSyntax)?;
        let (text, sigs) = (&note[..=split], &note[split + 2..]);
        let lines = sigs.strip_suffix('\n').ok_or(DecodeError::BadSyntax)?;
        let signatures = lines
            .split('\n')
            .map(NoteSignature::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if signatures.len() > MAX_SIGNATURES {
            return Err(DecodeError::TooLong);
        }
        Ok(Self { text, signatures })
    }

    /// The note written out: text, empty line, one line per signature.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n", self.text);
        for sig in &self.signatures {
            out.push_str(&sig.line());
        }
        out
    }
}

/// A verifier key as C2SP writes it: `<name>+<key ID, 8 hex>+<base64(type || key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub alg: Alg,
    pub key: PublicKey,
}

impl VerifierKey {
    pub fn new(name: &str, alg: Alg, key: PublicKey) -> Result<Self, DecodeError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            alg,
            key,
        })
    }

    pub fn key_id(&self) -> [u8; 4] {
        key_id(&self.name, self.alg, &self.key)
    }

    /// Reads a vkey. The key ID written in it must be the one its name and key make.
    pub fn parse(s: &str) -> Result<Self, DecodeError> {
        let mut parts = s.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(DecodeError::BadSyntax);
        };
        if id.len() != 8 {
            return Err(DecodeError::BadLength);
        }
        let id = HEXLOWER
            .decode(id.as_bytes())
            .map_err(|_| DecodeError::BadEncoding)?;
        let material = BASE64
            .decode(material.as_bytes())
            .map_err(|_| DecodeError::BadEncoding)?;
        let (&alg, key) = material.split_first().ok_or(DecodeError::BadLength)?;
        let key = <[u8; 32]>::try_from(key).map_err(|_| DecodeError::BadLength)?;
        let vkey = Self::new(name, Alg::from_byte(alg)?, PublicKey::from_bytes(&key)?)?;
        if vkey.key_id()[..] != id[..] {
            return Err(DecodeError::BadKey);
        }
        Ok(vkey)
    }
}

impl VerifierKey {
    /// Opens a note signed by this (type `0x01`) key, returning its text. Lines of other
    /// keys are ignored; a line of this key that does not verify refuses the note.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, crate::VerifyError> {
        let parsed = Note::parse(note)?;
        let mut found = false;
        for sig in parsed
            .signatures
            .iter()
            .filter(|s| s.is_by(&self.name, self.alg, &self.key))
        {
            if self.alg != Alg::Ed25519 {
                return Err(crate::VerifyError::BadSignature);
            }
            let sig = crate::keys::Signature::from_slice(&sig.signature)?;
            self.key.verify(parsed.text.as_bytes(), &sig)?;
            found = true;
        }
        if found {
            Ok(parsed.text)
        } else {
            Err(crate::VerifyError::BadSignature)
        }
    }
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut material = vec![self.alg as u8];
        material.extend_from_slice(&self.key.to_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            HEXLOWER.encode(&self.key_id()),
            BASE64.encode(&material)
        )
    }
}

impl serde::Serialize for VerifierKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for VerifierKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_split_at_its_last_empty_line() {
        let note = "a\n\nb\n\n\u{2014} n AAAAAAA=\n";
        let parsed = Note::parse(note).unwrap();
        assert_eq!(parsed.text, "a\n\nb\n");
        assert_eq!(parsed.signatures[0].name, "n");
        assert_eq!(parsed.to_text(), note);
    }

    #[test]
    fn malformed_notes_are_refused() {
        for bad in [
            "text\n",
            "text\n\n",
            "text\n\n\u{2014} n AAAAAAA=",
            "text\n\n- n AAAAAAA=\n",
            "text\n\n\u{2014} a+b AAAAAAA=\n",
            "text\n\n\u{2014} n AAAA\n",
            "te\u{7}xt\n\n\u{2014} n AAAAAAA=\n",
            "text\r\n\n\u{2014} n AAAAAAA=\n",
        ] {
            assert!(Note::parse(bad).is_err(), "{bad:?}");
        }
        let many = format!(
            "t\n\n{}",
            "\u{2014} n AAAAAAA=\n".repeat(MAX_SIGNATURES + 1)
        );
        assert_eq!(Note::parse(&many), Err(DecodeError::TooLong));
    }

    #[test]
    fn a_vkey_round_trips_and_its_key_id_must_match() {
        let key = crate::SigningKey::from_seed(&[7; 32]).public_key();
        let vkey = VerifierKey::new("witness.example/w1", Alg::Cosignature, key).unwrap();
        let text = vkey.to_string();
        assert_eq!(VerifierKey::parse(&text).unwrap(), vkey);
        let (_, rest) = text.split_once('+').unwrap();
        let wrong_id = format!("witness.example/w1+00000000+{}", &rest[9..]);
        assert_eq!(VerifierKey::parse(&wrong_id), Err(DecodeError::BadKey));
        assert!(VerifierKey::parse("no-plus").is_err());
        assert!(VerifierKey::new("has space", Alg::Ed25519, key).is_err());
    }
}
