//! A malicious writer edits an exported history; each edit must be caught by its own check.

use ledger::*;

use crate::support::*;

fn entry_hex(h: &TreeHistory, i: usize) -> Vec<u8> {
    data_encoding::HEXLOWER
        .decode(h.entries[i].entry.as_bytes())
        .unwrap()
}

fn set_entry(h: &mut TreeHistory, i: usize, bytes: &[u8]) {
    h.entries[i].entry = data_encoding::HEXLOWER.encode(bytes);
}

#[test]
fn an_untouched_history_verifies_and_summarises_the_tree() {
    let c = orchard();
    let s = c.history("CC001").verify().unwrap();
    assert_eq!(s.subject, tree("CC001"));
    assert_eq!(s.entries.len(), 6);
    assert_eq!(s.checkpoint.size, 16);
    assert!(matches!(
        s.entries.last().unwrap().kind,
        Kind::Harvested { grams: 18_500 }
    ));
    assert_eq!(s.identity.unwrap().identity.tree.as_str(), "CC001");
}

#[test]
fn flipping_any_bit_of_any_entry_is_caught_without_panicking() {
    let c = orchard();
    let h = c.history("CC001");
    for i in 0..h.entries.len() {
        let bytes = entry_hex(&h, i);
        for pos in 0..bytes.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = bytes.clone();
                bad[pos] ^= bit;
                let mut t = h.clone();
                set_entry(&mut t, i, &bad);
                let err = t.verify().unwrap_err();
                assert!(
                    matches!(err, VerifyError::Malformed { index: Some(x), .. } | VerifyError::NotIncluded { index: x } | VerifyError::WrongSubject { index: x } if x == i),
                    "entry {i} byte {pos}: {err:?}"
                );
            }
        }
    }
}

#[test]
fn a_re_encoded_edit_of_any_field_is_not_included_in_the_checkpoint() {
    let c = orchard();
    let h = c.history("CC001");
    let edits: Vec<fn(&mut Entry)> = vec![
        |e| e.recorded_at += 1,
        |e| e.received_at -= 1,
        |e| e.author.push('x'),
        |e| e.photos.clear(),
        |e| e.prev = None,
        |e| {
            e.kind = Kind::Note {
                text: "edited".into(),
            }
        },
    ];
    for (n, edit) in edits.iter().enumerate() {
        let mut t = h.clone();
        let mut e = Entry::decode(&entry_hex(&h, 3)).unwrap();
        edit(&mut e);
        set_entry(&mut t, 3, &e.encode());
        assert_eq!(
            t.verify().unwrap_err(),
            VerifyError::NotIncluded { index: 3 },
            "edit {n}"
        );
    }
}

#[test]
fn dropping_an_entry_breaks_the_chain_where_it_was() {
    let c = orchard();
    let mut h = c.history("CC001");
    h.entries.remove(2);
    assert_eq!(
        h.verify().unwrap_err(),
        VerifyError::BrokenLink { index: 2 }
    );
    let mut h = c.history("CC001");
    h.entries.remove(0);
    assert_eq!(h.verify().unwrap_err(), VerifyError::MissingGenesis);
}

#[test]
fn a_duplicated_entry_is_reported_as_a_duplicate() {
    let mut h = orchard().history("CC001");
    let copy = h.entries[3].clone();
    h.entries.insert(4, copy);
    assert_eq!(h.verify().unwrap_err(), VerifyError::Duplicate { index: 4 });
}

#[test]
fn reordered_entries_break_the_chain() {
    let mut h = orchard().history("CC001");
    h.entries.swap(2, 3);
    assert_eq!(
        h.verify().unwrap_err(),
        VerifyError::BrokenLink { index: 2 }
    );
}

#[test]
fn a_forked_chain_is_reported_as_a_fork() {
    let mut c = orchard();
    let chain = c.of_subject(&tree("CC002"));
    // The cooperative writes a second, different successor of the same entry.
    let e = c.entry(
        &tree("CC002"),
        Kind::Note {
            text: "nhánh khác".into(),
        },
    );
    let mut alt = e.clone();
    alt.prev = Entry::decode(&chain[0]).unwrap().hash().into();
    c.push(&alt);
    let forked = vec![chain[0].clone(), chain[1].clone(), alt.encode()];
    assert_eq!(
        verify_chain(&forked).unwrap_err(),
        VerifyError::Fork { index: 2 }
    );
}

#[test]
fn a_truncated_entry_is_malformed() {
    let mut h = orchard().history("CC001");
    let bytes = entry_hex(&h, 1);
    set_entry(&mut h, 1, &bytes[..bytes.len() - 1]);
    assert_eq!(
        h.verify().unwrap_err(),
        VerifyError::Malformed {
            index: Some(1),
            error: DecodeError::UnexpectedEnd
        }
    );
}

#[test]
fn a_checkpoint_signed_by_another_key_is_refused() {
    let c = orchard();
    let mut h = c.history("CC001");
    h.checkpoint = c.checkpoint().sign(&key(9));
    assert_eq!(h.verify().unwrap_err(), VerifyError::BadSignature);
}

#[test]
fn a_checkpoint_whose_signature_bytes_were_swapped_is_refused() {
    let c = orchard();
    let mut h = c.history("CC001");
    let other = Checkpoint {
        size: 9,
        ..c.checkpoint()
    }
    .sign(&c.key);
    let sig_line = |n: &str| n.split("\n\n").nth(1).unwrap().to_owned();
    h.checkpoint = h
        .checkpoint
        .replace(&sig_line(&h.checkpoint), &sig_line(&other));
    assert_eq!(h.verify().unwrap_err(), VerifyError::BadSignature);
}

#[test]
fn a_swapped_identity_signature_is_refused() {
    let c = orchard();
    let mut h = c.history("CC001");
    let good = c.identity("CC001").url("https://goc.example");
    let other = c.identity("CC002").url("https://goc.example");
    let sig = |u: &str| u.rsplit('/').next().unwrap().to_owned();
    h.identity = Some(good.replace(&sig(&good), &sig(&other)));
    assert_eq!(h.verify().unwrap_err(), VerifyError::BadSignature);
}

#[test]
fn an_identity_of_another_tree_does_not_match_the_history() {
    let c = orchard();
    let mut h = c.history("CC001");
    h.identity = Some(c.identity("CC002").url("https://goc.example"));
    assert_eq!(h.verify().unwrap_err(), VerifyError::IdentityMismatch);
}

#[test]
fn a_replayed_old_checkpoint_is_stale_and_a_rewritten_log_is_inconsistent() {
    let mut c = orchard();
    let old = c.checkpoint();
    c.register("CC003");
    let new = c.checkpoint();
    let proof = merkle::consistency_proof(&c.leaves, old.size as usize).unwrap();
    assert_eq!(verify_extends(&old, &new, &proof), Ok(()));
    assert_eq!(
        verify_extends(&new, &old, &[]),
        Err(VerifyError::StaleCheckpoint {
            seen: new.size,
            given: old.size
        })
    );
    // Rewrite entry 4 and re-grow the log: the new root cannot extend the old one.
    let mut rewritten = c.leaves.clone();
    rewritten[4] = Digest::leaf(b"rewritten");
    let forged = Checkpoint {
        root: merkle::root(&rewritten),
        ..new
    };
    let proof = merkle::consistency_proof(&rewritten, old.size as usize).unwrap();
    assert_eq!(
        verify_extends(&old, &forged, &proof),
        Err(VerifyError::Inconsistent)
    );
}
