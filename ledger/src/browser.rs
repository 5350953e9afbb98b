//! The verifier a buyer's phone runs (feature `browser`, built to its own small wasm for the
//! tree page): a tree's exported history checked on the phone, starting from the key ID
//! printed on the label that was scanned, so the verdict does not rest on the page the
//! server rendered.

use wasm_bindgen::prelude::wasm_bindgen;

use crate::history::TreeHistory;
use crate::VerifyError;

/// Verifies `history_json` (the `goc-tree-history/v1` document) with `anchor`, the key ID
/// of the label (13 base32 characters), as the trust anchor: the history's key history must
/// contain that key. Returns JSON: `{"ok":true,"size":…,"entries":…,"cooperative":…}` or
/// `{"ok":false,"error":…}`.
#[wasm_bindgen]
pub fn verify_history(history_json: &str, anchor: &str) -> String {
    let verdict = (|| -> Result<serde_json::Value, String> {
        let history = TreeHistory::from_json(history_json).map_err(|e| e.to_string())?;
        let summary = history.verify().map_err(|e: VerifyError| e.to_string())?;
        let periods = history
            .keys
            .periods(history.platform_key.as_ref())
            .map_err(|e| e.to_string())?;
        if !periods.iter().any(|p| p.id.to_string() == anchor) {
            return Err(format!(
                "the label's key {anchor} is not in the cooperative's key history"
            ));
        }
        Ok(serde_json::json!({
            "ok": true,
            "size": summary.checkpoint.size,
            "entries": summary.entries.len(),
            "cooperative": summary.cooperative_name,
        }))
    })();
    match verdict {
        Ok(v) => v.to_string(),
        Err(error) => serde_json::json!({ "ok": false, "error": error }).to_string(),
    }
}
