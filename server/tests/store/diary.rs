//! The diary on both engines: idempotent batches, refusals that store nothing, concurrent
//! submits, corrections, and tampering found by the audit.

use serde_json::{json, Value};
use server::access::{Actor, Role};
use server::accounts::{self, invitations};
use server::audit;
use server::diary::{self, timeline, Status, SyncRequest};
use server::Services;

use crate::support::{on_both, Db};
use crate::{coop, zone_and_tree};

/// A farmer of the cooperative, signed up through an invitation as in real life.
pub(crate) async fn farmer(s: &Services, c: &server::store::CooperativeRow, phone: &str) -> Actor {
    let manager = accounts::sign_up(&s.store, &format!("{phone}9"), "Quản lý", "a long password")
        .await
        .unwrap();
    let manager = accounts::actor(&s.store, &manager.token)
        .await
        .unwrap()
        .unwrap();
    let as_manager = Actor {
        memberships: vec![server::access::Membership {
            cooperative_id: c.id,
            code: c.code.clone(),
            name: c.name.clone(),
            role: Role::Manager,
            alias: "boss".into(),
        }],
        ..manager
    };
    let inv = invitations::invite(&s.store, &as_manager, c, phone, "Nông dân", Role::Farmer)
        .await
        .unwrap();
    let (session, _) =
        invitations::sign_up_and_accept(&s.store, phone, "Nông dân", "a long password", &inv.code)
            .await
            .unwrap();
    accounts::actor(&s.store, &session.token)
        .await
        .unwrap()
        .unwrap()
}

/// A UUIDv7 with a fixed time and `n` in its last bytes: deterministic ids.
pub(crate) fn id(n: u32) -> String {
    format!("0193a5c4-8f1e-7cc2-9d3a-5b0f{n:08x}")
}

const T: i64 = 1_764_000_000_000;

pub(crate) fn entry(n: u32, tree: &str, action: Value) -> Value {
    json!({ "id": id(n), "tree": tree, "recorded_at": T + i64::from(n), "action": action })
}

pub(crate) async fn sync(
    s: &Services,
    who: &Actor,
    coop: &str,
    entries: Vec<Value>,
) -> Vec<diary::Ack> {
    diary::sync(
        s,
        who,
        SyncRequest {
            coop: coop.into(),
            entries,
        },
    )
    .await
    .unwrap()
}

fn statuses(acks: &[diary::Ack]) -> Vec<Status> {
    acks.iter().map(|a| a.status).collect()
}

#[tokio::test]
async fn a_batch_is_stored_once_and_a_retry_gets_the_original_acknowledgement() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        zone_and_tree(s, &c, "CC001").await;
        zone_and_tree(s, &c, "CC002").await;
        let f = farmer(s, &c, "0911000001").await;
        let batch = vec![
            entry(1, "CC001", json!({"kind": "watered", "litres": 40})),
            entry(2, "CC001", json!({"kind": "sprayed", "product": "Abamectin 1.8EC",
                "active_ingredient": "abamectin", "dose": "10 ml/8 l", "lot": "AB-2411-07", "phi_days": 7})),
            entry(3, "CC002", json!({"kind": "harvested", "kg": 12.5, "grade": "loại 1"})),
        ];
        let first = sync(s, &f, "NA-LH", batch.clone()).await;
        assert_eq!(statuses(&first), vec![Status::Stored; 3]);
        let again = sync(s, &f, "NA-LH", batch.clone()).await;
        assert_eq!(statuses(&again), vec![Status::Duplicate; 3]);
        for (a, b) in first.iter().zip(&again) {
            assert_eq!((&a.seq, &a.hash, &a.received_at), (&b.seq, &b.hash, &b.received_at));
        }
        // The same id with other content: a conflict, and nothing changes.
        let mut changed = batch[0].clone();
        changed["action"]["litres"] = json!(41);
        // Repeated within one batch: once stored, then the same acknowledgement.
        let fresh = entry(4, "CC002", json!({"kind": "bagged", "fruits": 35}));
        let mixed = sync(s, &f, "NA-LH", vec![changed, fresh.clone(), fresh]).await;
        assert_eq!(
            statuses(&mixed),
            vec![Status::Conflict, Status::Stored, Status::Duplicate]
        );
        assert_eq!(mixed[1].seq, mixed[2].seq);
        assert!(mixed[0].message.as_ref().unwrap().en.contains("different content"));
        let c2 = server::cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
        assert_eq!(c2.log_size, c.log_size + 3 + 4, "a zone, two trees and four entries");
        // The entries carry the farmer's pseudonym, the phone's time and the lot.
        let rows = s.store.entries_of(c.id, "tree:CC001").await.unwrap();
        let sprayed = ledger::Entry::decode(&rows[2].bytes).unwrap();
        assert_eq!(sprayed.recorded_at, T + 2);
        assert!(sprayed.author.starts_with("member:"));
        assert!(matches!(sprayed.kind, ledger::Kind::SprayedLot { ref lot, .. } if lot == "AB-2411-07"));
        // A checkpoint was signed after the batch, and the whole log checks.
        let cp = s.store.latest_checkpoint(c.id).await.unwrap().unwrap();
        assert_eq!(cp.size, c2.log_size);
        let report = audit::verify(s, &["NA-LH".into()]).await.unwrap();
        assert!(report[0].1.problems.is_empty(), "{:?}", report[0].1.problems);
    })
    .await;
}

#[tokio::test]
async fn bad_entries_are_refused_alone_and_nothing_of_them_is_stored() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        zone_and_tree(s, &c, "CC001").await;
        let other = coop(s, "XOAI-MX").await;
        zone_and_tree(s, &other, "XM001").await;
        let f = farmer(s, &c, "0911000002").await;
        let foreign = s.store.entries_of(other.id, "tree:XM001").await.unwrap()[0].hash.clone();
        let foreign = data_encoding::HEXLOWER.encode(&foreign);
        let mut v4 = entry(1, "CC001", json!({"kind": "watered"}));
        v4["id"] = json!("0193a5c4-8f1e-4cc2-9d3a-5b0f00000001");
        let mut future = entry(6, "CC001", json!({"kind": "watered"}));
        future["recorded_at"] = json!(4_102_444_800_000i64);
        let mut photo = entry(7, "CC001", json!({"kind": "note", "text": "ảnh"}));
        photo["photos"] = json!(["ab".repeat(32)]);
        let mut extra = entry(9, "CC001", json!({"kind": "watered"}));
        extra["password"] = json!("x");
        let batch = vec![
            v4,
            entry(2, "CC999", json!({"kind": "watered"})),
            entry(3, "CC001", json!({"kind": "pest", "pest": "rệp sáp", "severity": 5})),
            entry(4, "CC001", json!({"kind": "dance"})),
            entry(5, "CC001", json!({"kind": "correction", "corrects": foreign, "reason": "x"})),
            future,
            photo,
            entry(8, "CC001", json!({"kind": "fertilised", "product": "NPK", "amount": 2.5, "unit": "kg", "lot": "L-1"})),
            extra,
            json!("not an object"),
        ];
        let acks = sync(s, &f, "NA-LH", batch).await;
        let mut want = vec![Status::Rejected; 10];
        want[7] = Status::Stored;
        assert_eq!(statuses(&acks), want, "{acks:#?}");
        let said: Vec<String> = acks.iter().filter_map(|a| a.message.as_ref().map(|m| m.en.clone())).collect();
        for (i, needle) in [
            "UUIDv7", "no tree CC999", "Severity must be from 1 to 3", "malformed",
            "not in the diary of tree CC001", "phone's clock", "not been uploaded", "malformed",
        ]
        .iter()
        .enumerate()
        {
            assert!(said[i].contains(needle), "{i}: {:?} lacks {needle}", said[i]);
        }
        assert!(acks.iter().all(|a| a.message.as_ref().is_none_or(|m| !m.vi.is_empty())));
        let after = server::cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
        assert_eq!(after.log_size, c.log_size + 2 + 1, "only the good entry was appended");
        // Whole requests: a visitor's role elsewhere, a stranger, too many entries.
        let stranger = farmer(s, &other, "0911000003").await;
        let refused = diary::sync(s, &stranger, SyncRequest { coop: "NA-LH".into(), entries: vec![] }).await;
        assert!(matches!(refused, Err(server::Error::Forbidden)));
        let many = (0..501).map(|n| entry(100 + n, "CC001", json!({"kind": "watered"}))).collect();
        let too_many = diary::sync(s, &f, SyncRequest { coop: "NA-LH".into(), entries: many }).await;
        assert!(matches!(too_many, Err(server::Error::TooLarge(_))));
    })
    .await;
}

#[tokio::test]
async fn concurrent_submits_of_one_queue_store_each_entry_exactly_once() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        for t in ["CC001", "CC002", "CC003"] {
            zone_and_tree(s, &c, t).await;
        }
        let f = farmer(s, &c, "0911000004").await;
        let g = farmer(s, &c, "0911000005").await;
        let queue: Vec<Value> = (0..30)
            .map(|n| {
                entry(
                    n,
                    ["CC001", "CC002", "CC003"][n as usize % 3],
                    json!({"kind": "bagged", "fruits": n + 1}),
                )
            })
            .collect();
        let others: Vec<Value> = (100..130)
            .map(|n| entry(n, "CC002", json!({"kind": "watered", "litres": n})))
            .collect();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (s, who) = (s.clone(), if i % 2 == 0 { f.clone() } else { g.clone() });
            let batch = if i == 7 {
                others.clone()
            } else {
                queue.clone()
            };
            tasks.push(tokio::spawn(
                async move { sync(&s, &who, "NA-LH", batch).await },
            ));
        }
        let mut stored = 0;
        for t in tasks {
            let acks = t.await.unwrap();
            assert!(
                acks.iter()
                    .all(|a| matches!(a.status, Status::Stored | Status::Duplicate)),
                "{acks:?}"
            );
            stored += acks.iter().filter(|a| a.status == Status::Stored).count();
        }
        assert_eq!(stored, 60, "each of the 60 ids stored exactly once");
        let after = server::cooperatives::by_code(&s.store, "NA-LH")
            .await
            .unwrap();
        assert_eq!(after.log_size, c.log_size + 4 + 60);
        let report = audit::verify(s, &[]).await.unwrap();
        assert!(
            report.iter().all(|(_, r)| r.problems.is_empty()),
            "{report:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_correction_stands_beside_the_entry_it_amends() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        zone_and_tree(s, &c, "CC001").await;
        let f = farmer(s, &c, "0911000006").await;
        let day = 86_400_000;
        let mut spray = entry(
            1,
            "CC001",
            json!({"kind": "sprayed", "product": "Radiant 60SC",
            "active_ingredient": "spinetoram", "dose": "10 ml/16 l", "lot": "R-1", "phi_days": 7}),
        );
        spray["recorded_at"] = json!(T);
        let mut harvest = entry(2, "CC001", json!({"kind": "harvested", "kg": 21}));
        harvest["recorded_at"] = json!(T + 3 * day);
        let acks = sync(s, &f, "NA-LH", vec![spray, harvest]).await;
        let fix = entry(
            3,
            "CC001",
            json!({"kind": "correction", "corrects": acks[1].hash, "reason": "cân nhầm",
            "replacement": {"kind": "harvested", "kg": 12}}),
        );
        assert_eq!(
            statuses(&sync(s, &f, "NA-LH", vec![fix]).await),
            vec![Status::Stored]
        );
        let rows = s.store.entries_of(c.id, "tree:CC001").await.unwrap();
        let items = timeline::build(&timeline::check_chain(&rows).unwrap());
        assert_eq!(
            items.len(),
            3,
            "registration, spray, harvest; the correction sits beside"
        );
        let h = &items[2];
        assert_eq!(
            h.kind,
            ledger::Kind::HarvestedGraded {
                grams: 21_000,
                grade: String::new()
            }
        );
        assert_eq!(
            h.effective(),
            Some(&ledger::Kind::HarvestedGraded {
                grams: 12_000,
                grade: String::new()
            })
        );
        assert_eq!(h.corrections[0].reason, "cân nhầm");
        let flag = h.phi.as_ref().expect("picked 3 days after a 7-day spray");
        assert_eq!(flag.safe_from, T + 7 * day);
    })
    .await;
}

/// Drops the append-only triggers, as someone with direct database access could.
async fn drop_triggers(db: &Db) {
    for sql in [
        "DROP TRIGGER IF EXISTS ledger_entries_no_update",
        "DROP TRIGGER IF EXISTS ledger_entries_no_delete",
    ] {
        if db.raw_execute(sql).await.is_err() {
            db.raw_execute("DROP TRIGGER ledger_entries_no_update_or_delete ON ledger_entries")
                .await
                .unwrap();
            return;
        }
    }
}

#[tokio::test]
async fn rows_edited_deleted_or_reordered_in_the_database_are_named_by_the_audit() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let mut ids = Vec::new();
        for code in ["EDIT", "GONE", "SWAP"] {
            let c = coop(s, code).await;
            for t in ["CC001", "CC002", "CC003", "CC004"] {
                zone_and_tree(s, &c, t).await;
            }
            let c = server::cooperatives::by_code(&s.store, code).await.unwrap();
            server::log::checkpoint(&s.store, &s.sealer, &c).await.unwrap();
            ids.push(c.id);
        }
        assert!(audit::verify(s, &[]).await.unwrap().iter().all(|(_, r)| r.problems.is_empty()));
        drop_triggers(&db).await;
        let (edit, gone, swap) = (ids[0], ids[1], ids[2]);
        // Entry #2 is the registration of CC002 (#0 the zone, #1 CC001).
        db.raw_execute(&format!(
            "UPDATE ledger_entries SET bytes = (SELECT bytes FROM ledger_entries WHERE cooperative_id = {edit} AND seq = 3) \
             WHERE cooperative_id = {edit} AND seq = 2")).await.unwrap();
        db.raw_execute(&format!("DELETE FROM ledger_entries WHERE cooperative_id = {gone} AND seq = 3")).await.unwrap();
        for sql in [
            format!("UPDATE ledger_entries SET seq = -1 WHERE cooperative_id = {swap} AND seq = 3"),
            format!("UPDATE ledger_entries SET seq = 3 WHERE cooperative_id = {swap} AND seq = 4"),
            format!("UPDATE ledger_entries SET seq = 4 WHERE cooperative_id = {swap} AND seq = -1"),
        ] {
            db.raw_execute(&sql).await.unwrap();
        }
        let reports = audit::verify(s, &[]).await.unwrap();
        let said = |code: &str| -> Vec<String> {
            reports.iter().find(|(c, _)| c == code).unwrap().1.problems.iter().map(|p| p.to_string()).collect()
        };
        let e = said("EDIT");
        assert!(e[0].starts_with("EDIT entry #2: its bytes do not match"), "{e:?}");
        assert!(e.iter().any(|p| p.contains("checkpoint of size")), "{e:?}");
        let g = said("GONE");
        assert!(g[0].starts_with("GONE entry #3: missing"), "{g:?}");
        let w = said("SWAP");
        assert!(w[0].starts_with("SWAP entry #3:"), "{w:?}");
        // The exported history and the tree page refuse what no longer checks.
        let tree = server::log::export_tree(&s.store, &s.sealer, "https://goc.example", "EDIT", "CC002").await;
        assert!(tree.is_err(), "a damaged history is not exported as if nothing happened: {tree:?}");
        let rows = s.store.entries_of(edit, "tree:CC002").await.unwrap();
        assert_eq!(timeline::check_chain(&rows).unwrap_err().seq, 2);
    })
    .await;
}

#[tokio::test]
async fn the_stored_merkle_tree_is_rebuilt_when_missing_and_a_changed_node_is_caught() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        for t in ["CC001", "CC002", "CC003", "CC004", "CC005", "CC006"] {
            zone_and_tree(s, &c, t).await;
        }
        let c = server::cooperatives::by_code(&s.store, "NA-LH")
            .await
            .unwrap();
        let size = c.log_size as u64;
        let expected = size - u64::from(size.count_ones());
        assert_eq!(
            s.store.merkle_node_count(c.id).await.unwrap() as u64,
            expected
        );
        // The tree stored as entries were appended is the one all the leaves make.
        let leaves = s.store.leaf_hashes(c.id, c.log_size).await.unwrap();
        let cp = server::log::checkpoint(&s.store, &s.sealer, &c)
            .await
            .unwrap();
        assert_eq!(cp.root, ledger::merkle::root(&leaves).0.to_vec());
        // A log stored before the tree was (or a lost tree) gets it back at start-up.
        db.raw_execute("DELETE FROM merkle_nodes").await.unwrap();
        server::log::backfill_trees(&s.store).await.unwrap();
        assert_eq!(
            s.store.merkle_node_count(c.id).await.unwrap() as u64,
            expected
        );
        assert!(audit::verify(s, &[]).await.unwrap()[0]
            .1
            .problems
            .is_empty());
        // A node changed behind the application's back is named by the audit.
        db.raw_execute(
            "UPDATE merkle_nodes SET hash = (SELECT hash FROM ledger_entries e \
             WHERE e.seq = 0 AND e.cooperative_id = merkle_nodes.cooperative_id)",
        )
        .await
        .unwrap();
        let report = audit::verify(s, &[]).await.unwrap();
        assert!(
            report[0]
                .1
                .problems
                .iter()
                .any(|p| p.what.contains("stored Merkle tree")),
            "{:?}",
            report[0].1.problems
        );
    })
    .await;
}
