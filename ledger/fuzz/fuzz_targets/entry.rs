//! Entry bytes from anywhere: decoding never panics, the borrowed view agrees with the full
//! decoder on the frame, and whatever decodes is canonical (re-encodes to the same bytes,
//! so no two encodings of one entry can have different hashes).
#![no_main]
use ledger::{Entry, EntryView};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let view = EntryView::parse(data);
    if let Ok(entry) = Entry::decode(data) {
        let view = view.expect("the full decoder accepted what the view refused");
        assert_eq!(view.seq, entry.seq);
        assert_eq!(entry.encode(), data, "a decodable entry is not canonical");
    }
});
