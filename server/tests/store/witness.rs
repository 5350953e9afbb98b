//! A cooperative's log on one instance witnessed by another (both engines): the witness
//! cosigns only what extends what it cosigned before, its memory moves by compare-and-swap
//! under concurrent requests, and what a rewriting log sends it is refused and kept.

use ledger::merkle;
use ledger::note::{Alg, VerifierKey};
use ledger::witness::{AddCheckpoint, Refusal};
use ledger::{Checkpoint, Digest, SigningKey, WitnessPolicy};
use server::store::CooperativeRow;
use server::{cooperatives, witness, Services};

use crate::support::{on_both_twice, Db};
use crate::{coop, zone_and_tree};

/// The log's newest checkpoint, signed now.
async fn checkpoint(s: &Services, code: &str) -> (CooperativeRow, String, Checkpoint) {
    let c = cooperatives::by_code(&s.store, code).await.unwrap();
    let row = server::log::checkpoint(&s.store, &s.sealer, &c)
        .await
        .unwrap();
    let cp = Checkpoint::parse_unverified(&row.note).unwrap();
    (c, row.note, cp)
}

/// A request from `old` to the log's newest checkpoint, its proof from the stored tree.
async fn request(s: &Services, c: &CooperativeRow, old: u64, note: &str, size: u64) -> String {
    let nodes = s
        .store
        .merkle_nodes(c.id, &merkle::consistency_nodes(old, size))
        .await
        .unwrap();
    let proof = merkle::consistency_proof_from(old, size, |id| nodes.get(&id).copied()).unwrap();
    AddCheckpoint {
        old,
        proof,
        checkpoint: note.to_owned(),
    }
    .body()
}

/// A cooperative with one tree, its first checkpoint, its key and that key as a vkey.
async fn first_checkpoint(
    a: &Services,
) -> (CooperativeRow, SigningKey, VerifierKey, String, Checkpoint) {
    let c = coop(a, "NA-LH").await;
    zone_and_tree(a, &c, "CC001").await;
    let (c, note, cp) = checkpoint(a, "NA-LH").await;
    let key = cooperatives::signing_key(&a.store, &a.sealer, &c)
        .await
        .unwrap();
    let vkey = VerifierKey::new(&c.origin, Alg::Ed25519, key.public_key()).unwrap();
    (c, key, vkey, note, cp)
}

#[tokio::test]
async fn a_witness_cosigns_what_extends_what_it_saw_and_nothing_else() {
    on_both_twice(|log: Db, wit: Db| async move {
        let (a, b) = (&log.services, &wit.services);
        let (c, key, log_vkey, note1, cp1) = first_checkpoint(a).await;

        // Unknown until the operator follows it.
        let first = request(a, &c, 0, &note1, cp1.size).await;
        assert_eq!(
            witness::add_checkpoint(b, &first).await.unwrap(),
            Err(Refusal::UnknownLog)
        );
        assert!(witness::follow(&b.store, &["not a key".into()])
            .await
            .is_err());
        let origin = witness::follow(&b.store, &[log_vkey.to_string()])
            .await
            .unwrap();
        assert_eq!(origin, c.origin);

        // The first checkpoint needs no proof; the cosignature verifies under B's key.
        let line = witness::add_checkpoint(b, &first).await.unwrap().unwrap();
        let b_vkey = witness::vkey(b).unwrap();
        let policy = WitnessPolicy::new(vec![b_vkey.clone()], 1).unwrap();
        let vouches = policy.check(&format!("{note1}{line}")).unwrap();
        assert_eq!(vouches[0].witness, b_vkey.name);

        // Growth is cosigned with a proof from what B holds; from anything else, a 409.
        zone_and_tree(a, &c, "CC002").await;
        let (_, note2, cp2) = checkpoint(a, "NA-LH").await;
        let stale = request(a, &c, 0, &note2, cp2.size).await;
        assert_eq!(
            witness::add_checkpoint(b, &stale).await.unwrap(),
            Err(Refusal::Conflict { latest: cp1.size })
        );
        let grow = request(a, &c, cp1.size, &note2, cp2.size).await;
        let line2 = witness::add_checkpoint(b, &grow).await.unwrap().unwrap();
        assert_eq!(policy.check(&format!("{note2}{line2}")).unwrap().len(), 1);

        // A rewritten past, re-signed with the cooperative's own key: same size, another
        // root (a split view) and a larger log whose proof cannot hold. Both refused,
        // both kept as evidence; what B holds does not move.
        let forged = |size: u64, seed: &[u8]| {
            Checkpoint {
                origin: c.origin.clone(),
                size,
                root: Digest::leaf(seed),
            }
            .sign(&key)
        };
        let split = AddCheckpoint {
            old: cp2.size,
            proof: vec![],
            checkpoint: forged(cp2.size, b"split"),
        }
        .body();
        assert_eq!(
            witness::add_checkpoint(b, &split).await.unwrap(),
            Err(Refusal::SplitView { latest: cp2.size })
        );
        let bigger = forged(cp2.size + 3, b"rewritten");
        // The honest tree has nothing past its size: any proof for it is made up.
        let rewritten = AddCheckpoint {
            old: cp2.size,
            proof: vec![Digest::leaf(b"x"); 3],
            checkpoint: bigger,
        }
        .body();
        assert_eq!(
            witness::add_checkpoint(b, &rewritten).await.unwrap(),
            Err(Refusal::Inconsistent)
        );
        // Only the split view is proof (the log signed both); it is kept once, with the log's
        // signature alone, however often and however padded it is sent.
        // Padding under another name, and under the log's own name with a made-up key ID.
        let padded = format!(
            "{split}\u{2014} pad.example {junk}\n\u{2014} {} {junk}\n",
            c.origin,
            junk = "QUJD".repeat(4_000)
        );
        for _ in 0..3 {
            assert!(witness::add_checkpoint(b, &padded).await.unwrap().is_err());
        }
        let evidence = b.store.evidence_of(&c.origin).await.unwrap();
        assert_eq!(evidence.len(), 1);
        assert_eq!(evidence[0].size as u64, cp2.size);
        assert_eq!(evidence[0].note, forged(cp2.size, b"split"));
        let held = b.store.witnessed_log(&c.origin).await.unwrap().unwrap();
        assert_eq!(
            (held.size as u64, held.note.as_deref()),
            (cp2.size, Some(note2.as_str()))
        );

        // A checkpoint signed by another key is not the log's.
        let stranger = SigningKey::from_seed(&[3; 32]);
        let unsigned = AddCheckpoint {
            old: cp2.size,
            proof: vec![],
            checkpoint: Checkpoint {
                origin: c.origin.clone(),
                size: cp2.size,
                root: cp2.root,
            }
            .sign(&stranger),
        }
        .body();
        assert_eq!(
            witness::add_checkpoint(b, &unsigned).await.unwrap(),
            Err(Refusal::NotSigned)
        );
        assert!(matches!(
            witness::add_checkpoint(b, "old 1\n\nnot a checkpoint")
                .await
                .unwrap(),
            Err(Refusal::Malformed(_))
        ));

        // The log's key is stolen: the operator follows its new key and drops the old one,
        // whose checkpoints are refused from then on. The last key cannot be dropped, and
        // a key never followed cannot be either.
        let new_vkey = VerifierKey::new(&c.origin, Alg::Ed25519, stranger.public_key()).unwrap();
        assert!(matches!(
            witness::unfollow(&b.store, &log_vkey.to_string()).await,
            Err(server::Error::Invalid(_))
        ));
        assert!(matches!(
            witness::unfollow(&b.store, &new_vkey.to_string()).await,
            Err(server::Error::NotFound(_))
        ));
        witness::follow(&b.store, &[new_vkey.to_string()])
            .await
            .unwrap();
        assert_eq!(
            witness::unfollow(&b.store, &log_vkey.to_string())
                .await
                .unwrap(),
            c.origin
        );
        let by_old_key = request(a, &c, cp2.size, &note2, cp2.size).await;
        assert_eq!(
            witness::add_checkpoint(b, &by_old_key).await.unwrap(),
            Err(Refusal::NotSigned)
        );
        let held = b.store.witnessed_log(&c.origin).await.unwrap().unwrap();
        assert_eq!(held.size as u64, cp2.size, "what the witness holds stays");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_move_the_witness_once_and_never_back() {
    on_both_twice(|log: Db, wit: Db| async move {
        let (a, b) = (&log.services, &wit.services);
        let (c, _, vkey, note1, cp1) = first_checkpoint(a).await;
        witness::follow(&b.store, &[vkey.to_string()])
            .await
            .unwrap();
        witness::add_checkpoint(b, &request(a, &c, 0, &note1, cp1.size).await)
            .await
            .unwrap()
            .unwrap();
        // Two later checkpoints, each extending cp1: ten racing requests for each.
        zone_and_tree(a, &c, "CC002").await;
        let (_, note2, cp2) = checkpoint(a, "NA-LH").await;
        zone_and_tree(a, &c, "CC003").await;
        let (_, note3, cp3) = checkpoint(a, "NA-LH").await;
        let r2 = request(a, &c, cp1.size, &note2, cp2.size).await;
        let r3 = request(a, &c, cp1.size, &note3, cp3.size).await;
        let mut racing = tokio::task::JoinSet::new();
        for i in 0..20 {
            let (b, body) = (b.clone(), if i % 2 == 0 { r2.clone() } else { r3.clone() });
            racing.spawn(async move { witness::add_checkpoint(&b, &body).await });
        }
        let answers = racing.join_all().await;
        let ok: Vec<_> = answers.iter().filter(|a| matches!(a, Ok(Ok(_)))).collect();
        assert_eq!(
            ok.len(),
            1,
            "exactly one request moves the witness: {answers:?}"
        );
        let held = b.store.witnessed_log(&c.origin).await.unwrap().unwrap();
        assert!(held.size as u64 == cp2.size || held.size as u64 == cp3.size);
        for a in &answers {
            match a {
                Ok(Ok(_)) => {}
                Ok(Err(refusal)) => assert_eq!(
                    *refusal,
                    Refusal::Conflict {
                        latest: held.size as u64
                    }
                ),
                Err(e) => panic!("a racing request failed: {e}"),
            }
        }
        // The log catches up from what the witness says it holds.
        if held.size as u64 == cp2.size {
            let catch_up = request(a, &c, cp2.size, &note3, cp3.size).await;
            assert!(witness::add_checkpoint(b, &catch_up).await.unwrap().is_ok());
        }
        let held = b.store.witnessed_log(&c.origin).await.unwrap().unwrap();
        assert_eq!(held.size as u64, cp3.size);
    })
    .await;
}
