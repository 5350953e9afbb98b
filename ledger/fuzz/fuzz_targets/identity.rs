//! Scanned QR URLs are attacker-controlled: parsing never panics, and whatever parses
//! prints back to the same path (one identity, one URL).
#![no_main]
use ledger::SignedIdentity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(id) = SignedIdentity::parse(text) {
        let again = SignedIdentity::parse(&id.path()).expect("a printed identity parses");
        assert_eq!(again, id);
    }
});
