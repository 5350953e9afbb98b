//! The verifier a buyer's phone runs (feature `browser`, built to its own small wasm for the
//! tree page): a tree's exported history checked on the phone, starting from the key ID
//! printed on the label that was scanned, so the verdict does not rest on the page the
//! server rendered.

use wasm_bindgen::prelude::wasm_bindgen;

use crate::history::{TreeHistory, Trust};
use crate::{KeyId, VerifyError};

/// Verifies `history_json` (the `goc-tree-history/v1` document) with `anchor`, the key ID
/// of the label (13 base32 characters), as the trust anchor: the history's key history must
/// contain that key; and with the witness policy the document declares (the cosignatures
/// it asks for must be there). Returns JSON: `{"ok":true,"size":…,"entries":…,
/// "cooperative":…,"witnesses":[names]}` or `{"ok":false,"error":…}`.
#[wasm_bindgen]
pub fn verify_history(history_json: &str, anchor: &str) -> String {
    let verdict = (|| -> Result<serde_json::Value, VerifyError> {
        let history = TreeHistory::from_json(history_json)?;
        let trust = Trust {
            anchor: Some(KeyId::from_base32(anchor)?),
            witnesses: None,
        };
        let summary = history.verify_with(&trust)?;
        let witnesses: Vec<&str> = summary.vouches.iter().map(|v| v.witness.as_str()).collect();
        Ok(serde_json::json!({
            "ok": true,
            "size": summary.checkpoint.size,
            "entries": summary.entries.len(),
            "cooperative": summary.cooperative_name,
            "witnesses": witnesses,
        }))
    })();
    match verdict {
        Ok(v) => v.to_string(),
        Err(error) => serde_json::json!({ "ok": false, "error": error.to_string() }).to_string(),
    }
}
