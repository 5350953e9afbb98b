//! The verifier a buyer's phone runs (feature `browser`, built to its own small wasm for the
//! tree page): a tree's exported history checked on the phone, starting from the key ID
//! printed on the label that was scanned, so the verdict does not rest on the page the
//! server rendered.

use wasm_bindgen::prelude::wasm_bindgen;

use crate::history::{TreeHistory, Trust};
use crate::{KeyId, VerifyError, WitnessPolicy};

/// Verifies `history_json` (the `goc-tree-history/v1` document) with `anchor`, the key ID
/// of the label (13 base32 characters), as the trust anchor: the history's key history must
/// contain that key. `pinned` is the witness policy this phone remembered for the
/// cooperative (JSON, or empty the first time): when there is one, the history must meet
/// it, whatever the document now declares, so a server that drops its witnesses is caught
/// ([`WitnessPolicy::next_pin`] says what to remember next).
/// Returns JSON: `{"ok":true,"size":…,"entries":…,"cooperative":…,"witnesses":[names],
/// "pin":policy}`, where `pin` is the policy to remember from now on, or
/// `{"ok":false,"error":…}`.
#[wasm_bindgen]
pub fn verify_history(history_json: &str, anchor: &str, pinned: &str) -> String {
    let verdict = (|| -> Result<serde_json::Value, VerifyError> {
        let history = TreeHistory::from_json(history_json)?;
        // A memory that does not read is not a first visit: fail closed.
        let pinned: Option<WitnessPolicy> = match pinned {
            "" => None,
            json => Some(serde_json::from_str(json).map_err(|_| crate::DecodeError::BadSyntax)?),
        };
        let anchor = Some(KeyId::from_base32(anchor)?);
        let summary = history.verify_with(&Trust {
            anchor,
            witnesses: pinned.clone(),
        })?;
        let pin = WitnessPolicy::next_pin(
            pinned.as_ref(),
            history.witnesses.as_ref(),
            &history.checkpoint,
        );
        let witnesses: Vec<&str> = summary.vouches.iter().map(|v| v.witness.as_str()).collect();
        Ok(serde_json::json!({
            "ok": true,
            "size": summary.checkpoint.size,
            "entries": summary.entries.len(),
            "cooperative": summary.cooperative_name,
            "witnesses": witnesses,
            "pin": pin,
        }))
    })();
    match verdict {
        Ok(v) => v.to_string(),
        // The page says this one in the reader's language: the witnesses it remembered.
        Err(VerifyError::TooFewWitnesses { have, need }) => serde_json::json!({
            "ok": false, "have": have, "need": need,
            "error": VerifyError::TooFewWitnesses { have, need }.to_string(),
        })
        .to_string(),
        Err(error) => serde_json::json!({ "ok": false, "error": error.to_string() }).to_string(),
    }
}
