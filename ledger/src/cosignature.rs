//! Witness cosignatures (`c2sp.org/tlog-cosignature`, Ed25519 type `0x04`) and the policy a
//! verifier holds about them: which witnesses it trusts and how many must have vouched for
//! a checkpoint before it believes the log shows everyone the same history.

use serde::{Deserialize, Serialize};

use crate::error::{DecodeError, VerifyError};
use crate::keys::{Signature, SigningKey};
use crate::note::{Alg, Note, NoteSignature, VerifierKey};

/// The message a witness signs: a header line, a time line, then the checkpoint's body.
pub fn message(body: &str, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{body}")
}

/// Cosigns a checkpoint body at `time` (POSIX seconds) as the witness `name`.
pub fn cosign(name: &str, key: &SigningKey, body: &str, time: u64) -> NoteSignature {
    let mut signature = time.to_be_bytes().to_vec();
    signature.extend_from_slice(&key.sign(message(body, time).as_bytes()).0);
    NoteSignature {
        name: name.to_owned(),
        key_id: crate::note::key_id(name, Alg::Cosignature, &key.public_key()),
        signature,
    }
}

/// The time a cosignature claims, read without checking it. `None` if the line is not
/// shaped like a cosignature (8 bytes of time and 64 of signature).
pub fn timestamp(sig: &NoteSignature) -> Option<u64> {
    if sig.signature.len() != 72 {
        return None;
    }
    let mut t = [0u8; 8];
    t.copy_from_slice(&sig.signature[..8]);
    Some(u64::from_be_bytes(t)).filter(|t| *t <= i64::MAX as u64)
}

/// Checks one cosignature line by `witness` over `body`; returns its time.
pub fn verify(witness: &VerifierKey, body: &str, sig: &NoteSignature) -> Result<u64, VerifyError> {
    if witness.alg != Alg::Cosignature || !sig.is_by(&witness.name, Alg::Cosignature, &witness.key)
    {
        return Err(VerifyError::BadSignature);
    }
    let time = timestamp(sig).ok_or(DecodeError::BadLength)?;
    let ed = Signature::from_slice(&sig.signature[8..])?;
    witness.key.verify(message(body, time).as_bytes(), &ed)?;
    Ok(time)
}

/// A witness that vouched for a checkpoint, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vouch {
    pub witness: String,
    pub time: u64,
}

/// Which witnesses a verifier trusts, and how many of them must have cosigned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessPolicy {
    /// The witnesses' verifier keys (type `0x04`).
    pub witnesses: Vec<VerifierKey>,
    /// How many distinct witnesses must have cosigned; 0 asks for none.
    pub quorum: usize,
}

impl WitnessPolicy {
    /// A policy is usable when its quorum can be met and its witnesses are distinct.
    pub fn new(witnesses: Vec<VerifierKey>, quorum: usize) -> Result<Self, DecodeError> {
        let distinct = witnesses.iter().enumerate().all(|(i, w)| {
            w.alg == Alg::Cosignature
                && !witnesses[..i]
                    .iter()
                    .any(|o| o.name == w.name || o.key == w.key)
        });
        if !distinct || quorum > witnesses.len() {
            return Err(DecodeError::OutOfRange);
        }
        Ok(Self { witnesses, quorum })
    }

    /// Whether this policy asks at least what `other` asks: each of its witnesses (same
    /// name and key), and a quorum no lower.
    pub fn at_least(&self, other: &Self) -> bool {
        self.quorum >= other.quorum
            && other
                .witnesses
                .iter()
                .all(|w| self.witnesses.iter().any(|m| m == w))
    }

    /// The policy a verifier that remembers `pinned` (trust on first use) keeps after a
    /// history that met it, whose document declares `declared` and whose checkpoint is
    /// `note`. The first time, a well-formed declared policy asking for a witness; later,
    /// the declared one only if it asks at least as much and the checkpoint meets it, so a
    /// server can add witnesses but never weaken what a phone already expects.
    pub fn next_pin(pinned: Option<&Self>, declared: Option<&Self>, note: &str) -> Option<Self> {
        let usable = |d: &&Self| {
            Self::new(d.witnesses.clone(), d.quorum).is_ok()
                && d.quorum > 0
                && d.check(note).is_ok()
        };
        match (pinned, declared.filter(usable)) {
            (None, declared) => declared.cloned(),
            (Some(p), Some(d)) if d.at_least(p) => Some(d.clone()),
            (Some(p), _) => Some(p.clone()),
        }
    }

    /// The trusted witnesses that cosigned `note` (a checkpoint with its signature lines).
    /// Lines of unknown keys are ignored; a line of a trusted key that does not verify
    /// refuses the whole note, as the signed-note spec asks; fewer than the quorum fails.
    /// A witness counts once, however many names or lines its key has (a policy read
    /// from a document was not built by [`new`](Self::new)).
    pub fn check(&self, note: &str) -> Result<Vec<Vouch>, VerifyError> {
        let parsed = Note::parse(note)?;
        let mut vouches: Vec<Vouch> = Vec::new();
        let mut counted = Vec::new();
        for sig in &parsed.signatures {
            let Some(w) = self
                .witnesses
                .iter()
                .find(|w| sig.is_by(&w.name, Alg::Cosignature, &w.key))
            else {
                continue;
            };
            let time = verify(w, parsed.text, sig).map_err(|_| VerifyError::BadCosignature {
                witness: w.name.clone(),
            })?;
            if !counted.contains(&w.key) {
                counted.push(w.key);
                vouches.push(Vouch {
                    witness: w.name.clone(),
                    time,
                });
            }
        }
        if vouches.len() < self.quorum {
            return Err(VerifyError::TooFewWitnesses {
                have: vouches.len(),
                need: self.quorum,
            });
        }
        Ok(vouches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::VerifierKey;

    const BODY: &str = "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    fn witness(seed: u8, name: &str) -> (SigningKey, VerifierKey) {
        let key = SigningKey::from_seed(&[seed; 32]);
        let vkey = VerifierKey::new(name, Alg::Cosignature, key.public_key()).unwrap();
        (key, vkey)
    }

    fn note_with(lines: &[NoteSignature]) -> String {
        let mut note = format!("{BODY}\n");
        for l in lines {
            note.push_str(&l.line());
        }
        note
    }

    #[test]
    fn a_quorum_of_trusted_cosignatures_is_required() {
        let (k1, v1) = witness(1, "w1.example");
        let (k2, v2) = witness(2, "w2.example");
        let (k3, _) = witness(3, "stranger.example");
        let note = note_with(&[
            cosign("w1.example", &k1, BODY, 100),
            cosign("stranger.example", &k3, BODY, 101),
            cosign("w2.example", &k2, BODY, 102),
        ]);
        let policy = WitnessPolicy::new(vec![v1.clone(), v2.clone()], 2).unwrap();
        let vouches = policy.check(&note).unwrap();
        assert_eq!(
            vouches,
            vec![
                Vouch {
                    witness: "w1.example".into(),
                    time: 100
                },
                Vouch {
                    witness: "w2.example".into(),
                    time: 102
                }
            ]
        );
        let only_one = note_with(&[cosign("w1.example", &k1, BODY, 100)]);
        assert_eq!(
            policy.check(&only_one),
            Err(VerifyError::TooFewWitnesses { have: 1, need: 2 })
        );
        // The same witness twice counts once.
        let twice = note_with(&[
            cosign("w1.example", &k1, BODY, 100),
            cosign("w1.example", &k1, BODY, 200),
        ]);
        assert!(policy.check(&twice).is_err());
        // One key under two names counts once, even in a policy not built by `new`.
        let alias = VerifierKey::new("alias.example", Alg::Cosignature, v1.key).unwrap();
        assert!(WitnessPolicy::new(vec![v1.clone(), alias.clone()], 1).is_err());
        let sneaky = WitnessPolicy {
            witnesses: vec![v1.clone(), alias],
            quorum: 2,
        };
        let both = note_with(&[
            cosign("w1.example", &k1, BODY, 1),
            cosign("alias.example", &k1, BODY, 2),
        ]);
        assert_eq!(
            sneaky.check(&both),
            Err(VerifyError::TooFewWitnesses { have: 1, need: 2 })
        );
        assert!(WitnessPolicy::new(vec![v1.clone()], 2).is_err());
        assert!(WitnessPolicy::new(vec![v1.clone(), v1], 1).is_err());
    }

    #[test]
    fn a_pinned_policy_can_grow_but_never_weaken() {
        let (k1, v1) = witness(1, "w1.example");
        let (k2, v2) = witness(2, "w2.example");
        let by_both = note_with(&[
            cosign("w1.example", &k1, BODY, 1),
            cosign("w2.example", &k2, BODY, 2),
        ]);
        let only_w2 = note_with(&[cosign("w2.example", &k2, BODY, 2)]);
        let p1 = WitnessPolicy::new(vec![v1.clone()], 1).unwrap();
        let p12 = WitnessPolicy::new(vec![v1.clone(), v2.clone()], 1).unwrap();
        let p2 = WitnessPolicy::new(vec![v2.clone()], 1).unwrap();
        let none = WitnessPolicy::default();
        let pin = WitnessPolicy::next_pin;
        // First use: a policy that asks for a witness and is met; nothing else.
        assert_eq!(pin(None, Some(&p1), &by_both), Some(p1.clone()));
        assert_eq!(pin(None, Some(&none), &by_both), None);
        assert_eq!(pin(None, Some(&p1), &only_w2), None);
        // Growing is adopted; dropping, replacing or lowering is not.
        assert_eq!(pin(Some(&p1), Some(&p12), &by_both), Some(p12.clone()));
        assert_eq!(pin(Some(&p12), Some(&p2), &only_w2), Some(p12.clone()));
        assert_eq!(pin(Some(&p1), Some(&p2), &by_both), Some(p1.clone()));
        assert_eq!(pin(Some(&p1), Some(&none), &by_both), Some(p1.clone()));
        assert_eq!(pin(Some(&p1), None, &by_both), Some(p1.clone()));
        // A witness set kept while one is replaced: the pin stays met by the other.
        assert!(p12.check(&only_w2).is_ok());
        let forged = WitnessPolicy {
            witnesses: vec![v1.clone(), v1],
            quorum: 0,
        };
        assert_eq!(pin(Some(&p1), Some(&forged), &by_both), Some(p1));
    }

    #[test]
    fn a_cosignature_binds_its_time_and_the_body() {
        let (k1, v1) = witness(1, "w1.example");
        let mut sig = cosign("w1.example", &k1, BODY, 100);
        assert_eq!(verify(&v1, BODY, &sig), Ok(100));
        assert!(verify(&v1, &BODY.replace('3', "4"), &sig).is_err());
        sig.signature[7] = 101;
        assert!(verify(&v1, BODY, &sig).is_err());
        let policy = WitnessPolicy::new(vec![v1], 1).unwrap();
        assert_eq!(
            policy.check(&note_with(&[sig])),
            Err(VerifyError::BadCosignature {
                witness: "w1.example".into()
            })
        );
    }
}
