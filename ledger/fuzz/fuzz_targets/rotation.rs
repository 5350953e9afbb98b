//! Key-rotation statements arrive inside entries and key histories: decoding never panics
//! and is canonical.
#![no_main]
use ledger::SignedRotation;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = SignedRotation::decode(data) {
        assert_eq!(r.encode(), data, "a decodable rotation is not canonical");
    }
});
