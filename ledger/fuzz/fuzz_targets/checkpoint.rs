//! Signed notes come from servers we do not trust: verifying any text against a real key
//! history never panics, and nothing but the cooperative's own signature is accepted.
#![no_main]
use ledger::{verify_checkpoint, CoopCode, KeyHistory, SigningKey};
use libfuzzer_sys::fuzz_target;

const ORIGIN: &str = "goc.example/log/NA-TN";

fuzz_target!(|data: &[u8]| {
    let Ok(note) = std::str::from_utf8(data) else { return };
    let key = SigningKey::from_seed(&[1; 32]);
    let keys = KeyHistory::new(CoopCode::parse("NA-TN").unwrap(), key.public_key());
    if let Ok(cp) = verify_checkpoint(note, ORIGIN, &keys, None) {
        // The fuzzer cannot forge Ed25519: only a body we signed ourselves can pass.
        assert_eq!(cp.origin, ORIGIN);
        assert!(note.starts_with(&cp.body()));
    }
});
