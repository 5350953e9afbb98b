//! Known-answer vectors for independent verifiers, in `ledger/tests/vectors/`.
//!
//! Regenerate after an intended format change with
//! `GOC_REGENERATE_VECTORS=1 cargo test -p ledger --test ledger vectors`;
//! otherwise this test regenerates them in memory and fails on any difference.

use std::path::PathBuf;

use ledger::*;
use serde_json::{json, Value};

use crate::support::*;

fn hex(b: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(b)
}

fn entries() -> Value {
    let c = orchard();
    let list: Vec<Value> = c
        .encoded
        .iter()
        .map(|b| {
            let e = Entry::decode(b).unwrap();
            json!({ "entry": e, "encoding": hex(b), "hash": Digest::leaf(b) })
        })
        .collect();
    json!({
        "description": "Ledger entries of one cooperative log: decoded fields, canonical encoding (hex) and entry hash = blake3(0x00 || encoding).",
        "entries": list,
    })
}

fn merkle_vectors() -> Value {
    let leaves: Vec<Digest> = (0u8..8).map(|i| Digest::leaf(&[i])).collect();
    let roots: Vec<Value> = (0..=8)
        .map(|n| json!({ "size": n, "root": merkle::root(&leaves[..n]) }))
        .collect();
    let mut inclusion = vec![];
    let mut consistency = vec![];
    for n in 1..=8 {
        for m in 0..n {
            inclusion.push(json!({ "index": m, "size": n, "proof": merkle::inclusion_proof(&leaves[..n], m).unwrap() }));
            if m > 0 {
                consistency.push(json!({ "first": m, "second": n, "proof": merkle::consistency_proof(&leaves[..n], m).unwrap() }));
            }
        }
    }
    json!({
        "description": "Leaf i is blake3(0x00 || [i]) for i = 0..8. Roots for every size, inclusion and consistency proofs for every pair.",
        "leaves": leaves,
        "roots": roots,
        "inclusion": inclusion,
        "consistency": consistency,
    })
}

fn signatures() -> Value {
    let c = orchard();
    let id = c.identity("CC001");
    let rotation = SignedRotation::sign(
        RotationStatement {
            cooperative: coop(),
            old_key: key(1).key_id(),
            new_key: key(2).public_key(),
            effective_at: T0,
            log_size: 10,
            reason: RotationReason::Scheduled,
        },
        &key(1),
    );
    json!({
        "description": "Ed25519 keys from 32-byte seeds; all signatures are deterministic (RFC 8032).",
        "key": {
            "seed": hex(&[1u8; 32]),
            "public_key": key(1).public_key(),
            "key_id": key(1).key_id(),
        },
        "identity": {
            "base_url": "https://goc.example",
            "url": id.url("https://goc.example"),
            "signed_bytes": hex(&id.identity.signed_bytes()),
            "signature": id.signature,
        },
        "checkpoint": {
            "origin": ORIGIN,
            "note": c.checkpoint().sign(&c.key),
            "note_key_hash": hex(&checkpoint::note_key_hash(ORIGIN, &c.key.public_key())),
        },
        "rotation": {
            "new_key_seed": hex(&[2u8; 32]),
            "encoding": hex(&rotation.encode()),
        },
    })
}

fn history() -> Value {
    serde_json::to_value(orchard().history("CC001")).unwrap()
}

#[test]
fn vectors_match_what_the_code_produces() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let regenerate = std::env::var_os("GOC_REGENERATE_VECTORS").is_some();
    for (name, value) in [
        ("entries.json", entries()),
        ("merkle.json", merkle_vectors()),
        ("signatures.json", signatures()),
        ("tree-history.json", history()),
    ] {
        let text = serde_json::to_string_pretty(&value).unwrap() + "\n";
        let path = dir.join(name);
        if regenerate {
            std::fs::write(&path, &text).unwrap();
        } else {
            let stored = std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("{name} missing: run with GOC_REGENERATE_VECTORS=1"));
            assert!(stored == text, "{name} differs from what the code produces");
        }
    }
}

#[test]
fn the_stored_history_vector_verifies() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/tree-history.json");
    let h = TreeHistory::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(h.verify().unwrap().entries.len(), 6);
}
