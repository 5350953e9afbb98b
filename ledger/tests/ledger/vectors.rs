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

/// One entry of every kind the orchard's log lacks (3, 15, 16, 40, 50 with a scheduled and
/// a lost-key rotation), on a tree of their own: decoded fields, encoding and hash.
fn kinds() -> Value {
    let mut c = Coop::new();
    c.register("CC009");
    let t = tree("CC009");
    let rotation = |old: u8, new: u8, at: i64, size: u64, reason, signer: &SigningKey| {
        Box::new(SignedRotation::sign(
            RotationStatement {
                cooperative: coop(),
                old_key: key(old).key_id(),
                new_key: key(new).public_key(),
                effective_at: at,
                log_size: size,
                reason,
            },
            signer,
        ))
    };
    for kind in [
        Kind::Flowering {
            note: "Ra hoa rộ".into(),
        },
        Kind::PestObserved {
            pest: "Rệp sáp".into(),
            severity: 2,
            note: "Mặt dưới lá".into(),
        },
        Kind::Adopted {
            adoption: "AOF6QGSQ5AFVXUJED".into(),
            season: "2027".into(),
        },
        Kind::StatusChanged {
            active: false,
            reason: "Cây chết do lũ".into(),
        },
        Kind::StatusChanged {
            active: true,
            reason: "Trồng lại".into(),
        },
    ] {
        c.append(&t, kind);
    }
    c.append(
        &Subject::Cooperative,
        Kind::KeyRotated {
            rotation: rotation(1, 2, T0 + 86_400_000, 7, RotationReason::Scheduled, &key(1)),
        },
    );
    // Key 2 lost: the platform (key 9) names key 3.
    c.append(
        &Subject::Cooperative,
        Kind::KeyRotated {
            rotation: rotation(2, 3, T0 + 2 * 86_400_000, 8, RotationReason::Lost, &key(9)),
        },
    );
    let list: Vec<Value> = c
        .encoded
        .iter()
        .map(|b| json!({ "entry": Entry::decode(b).unwrap(), "encoding": hex(b), "hash": Digest::leaf(b) }))
        .collect();
    json!({
        "description": "One entry of each kind missing from entries.json: status changed (both ways), flowering, pest observed, adopted, and two key rotations (scheduled, signed by key 1; lost, signed by the platform key 9). Keys are ed25519 from the 32-byte seed [n; 32].",
        "platform_key": key(9).public_key(),
        "entries": list,
    })
}

/// The result of a check, as the vectors state it: `ok`, or the error.
fn outcome<T, E: std::fmt::Debug>(r: Result<T, E>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => format!("{e:?}"),
    }
}

/// `bytes` with the first occurrence of `from` replaced by `to`.
fn swap(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("present");
    [&bytes[..at], to, &bytes[at + from.len()..]].concat()
}

/// The same base32 or base64 text with the last character's lowest unused bit set: the
/// same bytes to a lax decoder, refused by a strict one.
fn non_canonical(text: &str, alphabet: &str) -> String {
    let (head, last) = text.split_at(text.len() - 1);
    let v = alphabet.find(last).expect("in the alphabet");
    format!("{head}{}", char::from(alphabet.as_bytes()[v ^ 1]))
}

/// Inputs at the edges of the format, each with what a verifier must answer.
fn cases() -> Value {
    const B32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let c = orchard();
    let mut out: Vec<Value> = Vec::new();
    let mut case = |name: &str, check: &str, input: Value, result: String| {
        out.push(json!({ "name": name, "check": check, "input": input, "expect": result }));
    };

    // Entry decoding: one encoding per value.
    let good = c.of_subject(&tree("CC001"))[1].clone();
    let decode = |b: &[u8]| outcome(Entry::decode(b));
    let trailing = [good.as_slice(), &[0]].concat();
    case(
        "trailing byte",
        "entry",
        json!(hex(&trailing)),
        decode(&trailing),
    );
    let mut v2 = good.clone();
    v2[0] = 2;
    case("version 2", "entry", json!(hex(&v2)), decode(&v2));
    // version (1) + "NA-TN" (4 + 5) + seq (8): the subject tag.
    let mut tag = good.clone();
    tag[18] = 3;
    case(
        "unknown subject tag",
        "entry",
        json!(hex(&tag)),
        decode(&tag),
    );
    let lower = swap(&good, b"CC001", b"cc001");
    case(
        "lower-case tree code",
        "entry",
        json!(hex(&lower)),
        decode(&lower),
    );
    let hyphen = swap(&good, b"CC001", b"-C001");
    case(
        "tree code with a leading hyphen",
        "entry",
        json!(hex(&hyphen)),
        decode(&hyphen),
    );
    let utf8 = swap(&good, b"member-7", b"member-\xff");
    case(
        "author not UTF-8",
        "entry",
        json!(hex(&utf8)),
        decode(&utf8),
    );
    // prev is present (0x01 then 32 bytes) right after the subject code.
    let at = good.windows(5).position(|w| w == b"CC001").unwrap() + 5;
    let mut opt = good.clone();
    opt[at] = 2;
    case("option tag 2", "entry", json!(hex(&opt)), decode(&opt));
    let status = c
        .entry(
            &tree("CC001"),
            Kind::StatusChanged {
                active: true,
                reason: "x".into(),
            },
        )
        .encode();
    let mut active = status.clone();
    let n = active.len();
    active[n - 6] = 2;
    case(
        "status changed with active = 2",
        "entry",
        json!(hex(&active)),
        decode(&active),
    );

    // Chains, in the check order of ledger-format.md.
    let cc1 = c.of_subject(&tree("CC001"));
    let cc2 = c.of_subject(&tree("CC002"));
    let chain = |entries: &[&Vec<u8>]| -> (Value, String) {
        (
            json!(entries.iter().map(|b| hex(b)).collect::<Vec<_>>()),
            outcome(verify_chain(entries)),
        )
    };
    let (i, r) = chain(&[&cc1[1], &cc1[2]]);
    case("first entry has a predecessor", "chain", i, r);
    let (i, r) = chain(&[&cc1[0], &cc2[1]]);
    case("another subject's entry", "chain", i, r);
    let (i, r) = chain(&[&cc1[0], &cc1[0]]);
    case("the same entry twice", "chain", i, r);
    let e1 = Entry::decode(&cc1[1]).unwrap();
    let fork = Entry {
        recorded_at: e1.recorded_at + 1,
        ..e1.clone()
    }
    .encode();
    let (i, r) = chain(&[&cc1[0], &cc1[1], &fork]);
    case("two entries with one predecessor (fork)", "chain", i, r);
    let (i, r) = chain(&[&cc1[0], &cc1[2]]);
    case("an entry left out (broken link)", "chain", i, r);
    let back = Entry {
        seq: 0,
        ..e1.clone()
    }
    .encode();
    let (i, r) = chain(&[&cc1[0], &back]);
    case("sequence number not increasing", "chain", i, r);

    // Identities against the orchard's key history.
    let url = c.identity("CC001").url("https://goc.example");
    let identity = |u: &str| {
        outcome(
            SignedIdentity::parse(u)
                .map_err(VerifyError::from)
                .and_then(|s| s.verify(&c.keys, None)),
        )
    };
    case("identity", "identity", json!(url), identity(&url));
    let sig_padded = non_canonical(&url, B32);
    case(
        "signature base32 with non-zero unused bits",
        "identity",
        json!(sig_padded),
        identity(&sig_padded),
    );
    let parts: Vec<&str> = url.rsplitn(3, '/').collect();
    let (sig, key_id, head) = (parts[0], parts[1], parts[2]);
    let key_padded = format!("{head}/{}/{sig}", non_canonical(key_id, B32));
    case(
        "key ID base32 with a non-zero unused bit",
        "identity",
        json!(key_padded),
        identity(&key_padded),
    );
    let stranger = Identity {
        cooperative: coop(),
        tree: TreeCode::parse("CC001").unwrap(),
        zone: Some(zone()),
        issued_on: Date::new(2025, 3, 1).unwrap(),
        key: key(3).key_id(),
    }
    .sign(&key(3))
    .url("https://goc.example");
    case(
        "signed by a key not in the history",
        "identity",
        json!(stranger),
        identity(&stranger),
    );
    let mut other = c.identity("CC001");
    other.identity.tree = TreeCode::parse("CC002").unwrap();
    let other = other.url("https://goc.example");
    case(
        "signature of another tree",
        "identity",
        json!(other),
        identity(&other),
    );
    // A small-order key with the "signature" R = identity point, S = 0 satisfies the
    // cofactorless equation for every message; strict verification refuses it.
    let mut small = [0u8; 32];
    small[0] = 1;
    let weak = PublicKey::from_bytes(&small).unwrap();
    let weak_history = KeyHistory::new(coop(), weak);
    let mut sig = [0u8; 64];
    sig[0] = 1;
    let forged = SignedIdentity {
        identity: Identity {
            key: weak.key_id(),
            ..c.identity("CC001").identity
        },
        signature: Signature(sig),
    };
    case(
        "small-order key and forged signature",
        "identity",
        json!({ "keys": weak_history, "url": forged.url("https://goc.example") }),
        outcome(forged.verify(&weak_history, None)),
    );

    // Checkpoints.
    let cp = c.checkpoint();
    let verify = |note: &str, keys: &KeyHistory| {
        outcome(checkpoint::verify_checkpoint(note, ORIGIN, keys, None))
    };
    let signed_body = |body: &str, k: &SigningKey| {
        let sig = k.sign(body.as_bytes());
        let mut blob = checkpoint::note_key_hash(ORIGIN, &k.public_key()).to_vec();
        blob.extend_from_slice(&sig.0);
        format!(
            "{body}\n\u{2014} {ORIGIN} {}\n",
            data_encoding::BASE64.encode(&blob)
        )
    };
    let extension = signed_body(&format!("{}extension line\n", cp.body()), &c.key);
    case(
        "an extension line after the root",
        "checkpoint",
        json!(extension),
        verify(&extension, &c.keys),
    );
    let witness = {
        let note = cp.sign(&c.key);
        let blob = [[7u8; 4].as_slice(), &[0u8; 8], &[5u8; 64]].concat();
        format!(
            "{note}\u{2014} witness.example/w1 {}\n",
            data_encoding::BASE64.encode(&blob)
        )
    };
    case(
        "a witness's cosignature line (ignored)",
        "checkpoint",
        json!(witness),
        verify(&witness, &c.keys),
    );
    let zero = signed_body(
        &cp.body()
            .replacen(&format!("\n{}\n", cp.size), &format!("\n0{}\n", cp.size), 1),
        &c.key,
    );
    case(
        "size with a leading zero",
        "checkpoint",
        json!(zero),
        verify(&zero, &c.keys),
    );
    let root = data_encoding::BASE64.encode(&cp.root.0);
    let lax_root = non_canonical(root.trim_end_matches('='), B64) + "=";
    let lax = signed_body(&cp.body().replace(&root, &lax_root), &c.key);
    case(
        "root base64 with non-zero unused bits",
        "checkpoint",
        json!(lax),
        verify(&lax, &c.keys),
    );
    // Key 1 replaced at log size 3: it signs sizes up to 3, no more; key 2 from 3 on.
    let rotated = KeyHistory {
        rotations: vec![SignedRotation::sign(
            RotationStatement {
                cooperative: coop(),
                old_key: key(1).key_id(),
                new_key: key(2).public_key(),
                effective_at: T0,
                log_size: 3,
                reason: RotationReason::Scheduled,
            },
            &key(1),
        )],
        ..c.keys.clone()
    };
    for (size, signer, name) in [
        (3, 1, "size equal to the rotation's, old key"),
        (3, 2, "size equal to the rotation's, new key"),
        (4, 1, "size after the rotation, old key"),
    ] {
        let note = Checkpoint { size, ..cp.clone() }.sign(&key(signer));
        case(
            name,
            "checkpoint",
            json!({ "keys": rotated, "note": note }),
            verify(&note, &rotated),
        );
    }
    let same = Checkpoint {
        root: Digest::leaf(b"another"),
        ..cp.clone()
    };
    case(
        "two checkpoints of the same size, different roots (split view)",
        "consistency",
        json!({ "seen": cp.sign(&c.key), "newer": same.sign(&c.key), "proof": [] }),
        outcome(checkpoint::verify_extends(&cp, &same, &[])),
    );
    case(
        "the same checkpoint again",
        "consistency",
        json!({ "seen": cp.sign(&c.key), "newer": cp.sign(&c.key), "proof": [] }),
        outcome(checkpoint::verify_extends(&cp, &cp, &[])),
    );

    // Key histories.
    let lost = |signer: &SigningKey, at: i64| KeyHistory {
        rotations: vec![SignedRotation::sign(
            RotationStatement {
                cooperative: coop(),
                old_key: key(1).key_id(),
                new_key: key(2).public_key(),
                effective_at: at,
                log_size: 3,
                reason: RotationReason::Lost,
            },
            signer,
        )],
        ..c.keys.clone()
    };
    let platform = key(9).public_key();
    let good_lost = lost(&key(9), T0);
    case(
        "lost-key rotation signed by the platform",
        "key_history",
        json!({ "keys": good_lost, "platform_key": platform }),
        outcome(good_lost.periods(Some(&platform))),
    );
    case(
        "lost-key rotation without the platform key",
        "key_history",
        json!({ "keys": good_lost, "platform_key": null }),
        outcome(good_lost.periods(None)),
    );
    let by_old = lost(&key(1), T0);
    case(
        "lost-key rotation signed by the old key",
        "key_history",
        json!({ "keys": by_old, "platform_key": platform }),
        outcome(by_old.periods(Some(&platform))),
    );
    let mut twice = rotated.clone();
    let mut back = twice.rotations[0].statement.clone();
    back.old_key = key(2).key_id();
    back.new_key = key(3).public_key();
    back.effective_at = T0 - 1;
    back.log_size = 5;
    twice.rotations.push(SignedRotation::sign(back, &key(2)));
    case(
        "a rotation earlier than the one before",
        "key_history",
        json!({ "keys": twice, "platform_key": null }),
        outcome(twice.periods(None)),
    );

    json!({
        "description": "Inputs at the edges of the format and what a verifier must answer: `ok` or the error (this library's names; the meaning is in ledger-format.md). Entries are hex; chains are lists of hex entries in order; identities are URLs checked against the key history of entries.json's log (genesis key = seed [1; 32]) unless the case gives `keys`; checkpoints are signed notes for origin goc.example/log/NA-TN; key 9 is the platform's.",
        "cases": out,
    })
}

/// The witness protocol, cosignatures and tiles over a small log whose entry `i` is the
/// single byte `i` (leaf `blake3(0x00 || [i])`), with keys from fixed seeds.
fn witness_vectors() -> Value {
    use ledger::note::{Alg, VerifierKey};
    use ledger::tiles::Tile;
    use ledger::witness::{check, AddCheckpoint, LogState};

    const ORIGIN: &str = "example.org/log";
    const WITNESS: &str = "witness.example/w1";
    const TIME: u64 = 1_764_000_000;
    let entries: Vec<Vec<u8>> = (0u8..9).map(|i| vec![i]).collect();
    let leaves: Vec<Digest> = entries.iter().map(|e| Digest::leaf(e)).collect();
    let log_key = SigningKey::from_seed(&[0x11; 32]);
    let witness_key = SigningKey::from_seed(&[0x22; 32]);
    let stranger = SigningKey::from_seed(&[0x33; 32]);
    let cp = |n: usize, key: &SigningKey, root: Digest| {
        let c = Checkpoint {
            origin: ORIGIN.into(),
            size: n as u64,
            root,
        };
        (c.clone(), c.sign(key))
    };
    let (cp4, note4) = cp(4, &log_key, merkle::root(&leaves[..4]));
    let (cp9, note9) = cp(9, &log_key, merkle::root(&leaves));
    let proof = merkle::consistency_proof(&leaves, 4).unwrap();
    let body = |old: u64, proof: &[Digest], note: &str| {
        AddCheckpoint {
            old,
            proof: proof.to_vec(),
            checkpoint: note.to_owned(),
        }
        .body()
    };
    let holding = |latest: Option<&Checkpoint>| LogState {
        keys: vec![log_key.public_key()],
        latest: latest.cloned(),
    };
    let case = |what: &str, state: Option<LogState>, request: String| {
        let parsed = AddCheckpoint::parse(&request).unwrap();
        let (status, answer) = match check(state.as_ref(), &parsed) {
            Ok(c) => (
                200,
                cosignature::cosign(WITNESS, &witness_key, &c.body(), TIME).line(),
            ),
            Err(ledger::witness::Refusal::Conflict { latest }) => (409, format!("{latest}\n")),
            Err(r) => (r.status(), String::new()),
        };
        json!({
            "case": what,
            "witness_holds": state.as_ref().map(|s| json!({
                "size": s.latest.as_ref().map_or(0, |c| c.size),
                "root": s.latest.as_ref().map(|c| c.root),
            })),
            "request": request,
            "status": status,
            "answer": answer,
        })
    };
    let (_, forged4) = cp(4, &log_key, Digest::leaf(b"another history"));
    let (_, strangers) = cp(9, &stranger, merkle::root(&leaves));
    let cases = vec![
        case(
            "first checkpoint a witness sees: no proof",
            Some(holding(None)),
            body(0, &[], &note9),
        ),
        case(
            "growth from what the witness holds",
            Some(holding(Some(&cp4))),
            body(4, &proof, &note9),
        ),
        case(
            "a log the witness does not follow",
            None,
            body(4, &proof, &note9),
        ),
        case(
            "signed by a key the witness does not trust",
            Some(holding(Some(&cp4))),
            body(4, &proof, &strangers),
        ),
        case(
            "old size after the new",
            Some(holding(Some(&cp4))),
            body(10, &[], &note9),
        ),
        case(
            "old size not the one the witness holds",
            Some(holding(Some(&cp4))),
            body(0, &[], &note9),
        ),
        case(
            "a proof that does not verify",
            Some(holding(Some(&cp4))),
            body(4, &proof[1..], &note9),
        ),
        case(
            "same size, another root: a split view",
            Some(holding(Some(&cp4))),
            body(4, &[], &forged4),
        ),
    ];
    let log_vkey = VerifierKey::new(ORIGIN, Alg::Ed25519, log_key.public_key()).unwrap();
    let witness_vkey =
        VerifierKey::new(WITNESS, Alg::Cosignature, witness_key.public_key()).unwrap();
    let line = cosignature::cosign(WITNESS, &witness_key, &cp9.body(), TIME);
    let tile = Tile::in_tree(9, 0, 0).unwrap();
    let bundle = tiles::encode_bundle(entries.iter().map(Vec::as_slice)).unwrap();
    let partial = |size: u64| -> Vec<String> {
        (0u8..8)
            .flat_map(|l| (0..).map_while(move |i| Tile::in_tree(size, l, i)))
            .filter(|t| t.width < 256)
            .map(|t| t.path())
            .collect()
    };
    let partials: Vec<Value> = [70_000u64, 256, 257, 65_536, 65_537, 16_777_216, 16_777_217]
        .iter()
        .map(|&n| json!({ "size": n, "partial": partial(n) }))
        .collect();
    json!({
        "description": "Witnessing (docs/transparency.md) over a log whose entry i (0..9) is the byte i. Seeds: log key 0x11 x 32, witness key 0x22 x 32, a stranger's key 0x33 x 32. Each case: what the witness holds, the add-checkpoint request, the status it must answer and, for 200, its cosignature line at time 1764000000 (for 409 with a size, the body).",
        "log": {
            "origin": ORIGIN,
            "vkey": log_vkey.to_string(),
            "checkpoint_4": note4,
            "checkpoint_9": note9,
            "consistency_4_to_9": proof,
        },
        "witness": {
            "name": WITNESS,
            "vkey": witness_vkey.to_string(),
            "cosigned_message": cosignature::message(&cp9.body(), TIME),
            "cosignature_line": line.line(),
            "cosigned_checkpoint_9": format!("{note9}{}", line.line()),
        },
        "cases": cases,
        "tiles": {
            "size_9": {
                "level_0_path": tile.path(),
                "level_0_hex": hex(&tiles::encode_hashes(&leaves)),
                "entries_path": tile.entries_path(),
                "entries_hex": hex(&bundle),
            },
            "partial_tiles_by_size": partials,
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
        ("kinds.json", kinds()),
        ("cases.json", cases()),
        ("witness.json", witness_vectors()),
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
