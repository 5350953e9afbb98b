//! Every error variant has a test that reaches it (the tamper module covers the rest).

use ledger::codec::Writer;
use ledger::*;

use crate::support::*;

fn rotate(
    c: &mut Coop,
    to: &SigningKey,
    at: i64,
    reason: RotationReason,
    signer: &SigningKey,
) -> SignedRotation {
    let r = SignedRotation::sign(
        RotationStatement {
            cooperative: coop(),
            old_key: c.keys.current().key_id(),
            new_key: to.public_key(),
            effective_at: at,
            log_size: c.leaves.len() as u64,
            reason,
        },
        signer,
    );
    c.keys.rotations.push(r.clone());
    c.append(
        &Subject::Cooperative,
        Kind::KeyRotated {
            rotation: Box::new(r.clone()),
        },
    );
    r
}

const DAY: i64 = 86_400_000;

#[test]
fn a_rotated_key_is_retired_for_later_identities_and_the_new_key_takes_over() {
    let mut c = orchard();
    let old = key(1);
    rotate(
        &mut c,
        &key(2),
        T0 + 10 * DAY,
        RotationReason::Scheduled,
        &old,
    );
    let later = Identity {
        cooperative: coop(),
        tree: TreeCode::parse("CC001").unwrap(),
        zone: Some(zone()),
        issued_on: Date::new(2025, 4, 1).unwrap(),
        key: old.key_id(),
    };
    let forged = later.clone().sign(&old);
    assert_eq!(
        forged.verify(&c.keys, None),
        Err(VerifyError::RetiredKey(old.key_id()))
    );
    let good = Identity {
        key: key(2).key_id(),
        ..later
    }
    .sign(&key(2));
    assert_eq!(good.verify(&c.keys, None), Ok(key(2).public_key()));
    // An identity issued before the rotation stays valid under the old key.
    assert!(c.identity("CC001").verify(&c.keys, None).is_ok());
    // Checkpoints after the rotation must carry the new key.
    let new_key_note = c.checkpoint().sign(&key(2));
    assert!(verify_checkpoint(&new_key_note, ORIGIN, &c.keys, None).is_ok());
    let stale_key_note = c.checkpoint().sign(&old);
    assert_eq!(
        verify_checkpoint(&stale_key_note, ORIGIN, &c.keys, None),
        Err(VerifyError::RetiredKey(old.key_id()))
    );
}

#[test]
fn a_key_outside_the_history_is_unknown() {
    let c = orchard();
    let stranger = Identity {
        key: key(7).key_id(),
        ..c.identity("CC001").identity
    }
    .sign(&key(7));
    assert_eq!(
        stranger.verify(&c.keys, None),
        Err(VerifyError::UnknownKey(key(7).key_id()))
    );
}

#[test]
fn a_lost_key_rotation_needs_the_platform_signature() {
    let mut c = orchard();
    let platform = key(42);
    rotate(&mut c, &key(3), T0 + DAY, RotationReason::Lost, &platform);
    assert!(c.keys.periods(Some(&platform.public_key())).is_ok());
    assert_eq!(
        c.keys.periods(None),
        Err(VerifyError::BadRotation { index: 0 })
    );
    let mut forged = c.keys.clone();
    forged.rotations[0] = SignedRotation::sign(forged.rotations[0].statement.clone(), &key(9));
    assert_eq!(
        forged.periods(Some(&platform.public_key())),
        Err(VerifyError::BadRotation { index: 0 })
    );
}

#[test]
fn a_rotation_entry_round_trips_through_the_log() {
    let mut c = orchard();
    let r = rotate(
        &mut c,
        &key(2),
        T0 + DAY,
        RotationReason::Scheduled,
        &key(1),
    );
    let e = Entry::decode(c.encoded.last().unwrap()).unwrap();
    assert_eq!(
        e.kind,
        Kind::KeyRotated {
            rotation: Box::new(r)
        }
    );
}

#[test]
fn a_sequence_number_that_goes_backwards_is_a_gap() {
    let c = orchard();
    let mut chain: Vec<Entry> = c
        .of_subject(&tree("CC001"))
        .iter()
        .map(|b| Entry::decode(b).unwrap())
        .collect();
    chain[2].seq = chain[1].seq;
    chain[2].prev = Some(chain[1].hash());
    let bytes: Vec<Vec<u8>> = chain.iter().map(Entry::encode).collect();
    assert_eq!(
        verify_chain(&bytes),
        Err(VerifyError::SequenceNotIncreasing {
            index: 2,
            previous: chain[1].seq,
            found: chain[1].seq
        })
    );
}

#[test]
fn an_entry_of_another_tree_inside_a_chain_is_the_wrong_subject() {
    let c = orchard();
    let mut chain = c.of_subject(&tree("CC001"));
    chain.insert(1, c.of_subject(&tree("CC002"))[0].clone());
    assert_eq!(
        verify_chain(&chain),
        Err(VerifyError::WrongSubject { index: 1 })
    );
}

#[test]
fn a_checkpoint_of_another_log_has_the_wrong_origin() {
    let c = orchard();
    let note = Checkpoint {
        origin: "goc.example/log/OTHER".into(),
        ..c.checkpoint()
    }
    .sign(&c.key);
    assert_eq!(
        verify_checkpoint(&note, ORIGIN, &c.keys, None),
        Err(VerifyError::WrongOrigin)
    );
}

#[test]
fn each_decode_error_is_reachable() {
    let c = orchard();
    let good = c.encoded[1].clone();
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(Entry::decode(&trailing), Err(DecodeError::TrailingBytes));
    assert_eq!(Entry::decode(&good[..5]), Err(DecodeError::UnexpectedEnd));
    let mut v2 = good.clone();
    v2[0] = 2;
    assert_eq!(Entry::decode(&v2), Err(DecodeError::UnsupportedVersion(2)));

    let frame = |coop: &str, subject_tag: u8, code: &str, prev_tag: u8| {
        let mut w = Writer::new();
        w.u8(1)
            .str(coop)
            .u64(0)
            .u8(subject_tag)
            .str(code)
            .u8(prev_tag);
        w.finish()
    };
    assert_eq!(
        Entry::decode(&frame("NA-TN", 2, "CC1", 7)),
        Err(DecodeError::BadTag(7))
    );
    let mut long = Writer::new();
    long.u8(1).u32(1 << 20);
    assert_eq!(Entry::decode(&long.finish()), Err(DecodeError::TooLong));
    let mut bad_utf8 = Writer::new();
    bad_utf8.u8(1).bytes(&[0xff, 0xfe]);
    assert_eq!(
        Entry::decode(&bad_utf8.finish()),
        Err(DecodeError::InvalidUtf8)
    );
    let mut lower = good.clone();
    lower[5..10].copy_from_slice(b"na-tn"); // version, length prefix, then the code
    assert_eq!(Entry::decode(&lower), Err(DecodeError::InvalidCode));

    assert_eq!(Digest::from_hex("zz"), Err(DecodeError::BadEncoding));
    assert_eq!(Digest::from_hex("abcd"), Err(DecodeError::BadLength));
    // y = 2 is not on the curve.
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    assert_eq!(
        PublicKey::from_bytes(&not_a_point),
        Err(DecodeError::BadKey)
    );
    assert_eq!(
        SignedIdentity::parse("https://goc.example/t/NA-TN/CC1"),
        Err(DecodeError::BadSyntax)
    );
    assert_eq!(
        GeoPoint::from_degrees(91.0, 0.0),
        Err(DecodeError::OutOfRange)
    );
    assert_eq!(Date::new(2025, 2, 30), Err(DecodeError::OutOfRange));
    // The one i32 whose absolute value overflows (a fuzzer find).
    assert_eq!(GeoPoint::new(i32::MIN, 0), Err(DecodeError::OutOfRange));
    assert_eq!(GeoPoint::new(0, i32::MIN), Err(DecodeError::OutOfRange));
}

#[test]
fn an_unknown_kind_survives_decoding_and_verification() {
    let mut c = Coop::new();
    c.register("CC001");
    c.append(
        &tree("CC001"),
        Kind::Unknown {
            tag: 999,
            body: vec![1, 2, 3],
        },
    );
    let h = c.history("CC001");
    let s = h.verify().unwrap();
    assert_eq!(
        s.entries[1].kind,
        Kind::Unknown {
            tag: 999,
            body: vec![1, 2, 3]
        }
    );
}

#[test]
fn a_history_that_is_not_json_is_malformed() {
    assert_eq!(
        TreeHistory::from_json("{not json"),
        Err(VerifyError::Malformed {
            index: None,
            error: DecodeError::BadSyntax
        })
    );
}
