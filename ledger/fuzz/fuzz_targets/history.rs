//! Exported histories are what `goc verify-file` and browsers are handed: reading and
//! verifying any JSON never panics.
#![no_main]
use ledger::TreeHistory;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else { return };
    if let Ok(history) = TreeHistory::from_json(json) {
        let _ = history.verify();
    }
});
