//! The Store suite: every test runs on SQLite and on PostgreSQL, each on a fresh database.

mod accounts;
mod aftercare;
mod archive;
mod diary;
mod import;
mod labels;
mod market;
mod support;
mod trace;
mod witness;

use ledger::{Kind, Subject, TreeCode, TreeHistory};
use server::access::Actor;
use server::cooperatives::{self, NewCooperative};
use server::photos::Size;
use server::trees::{self, NewTree, Verdict};
use server::zones::{self, subject_key, NewZone};
use server::{demo, Error, Services};

use support::{on_both, Db};

pub(crate) async fn coop(s: &Services, code: &str) -> server::store::CooperativeRow {
    let new = NewCooperative::parse(
        code,
        "HTX Thử",
        ("Thái Nguyên", "Võ Nhai", "La Hiên"),
        "",
        None,
    )
    .unwrap();
    cooperatives::create(&s.store, &s.sealer, &s.origin_prefix, &Actor::system(), new)
        .await
        .unwrap();
    cooperatives::by_code(&s.store, code).await.unwrap()
}

pub(crate) async fn zone_and_tree(
    s: &Services,
    c: &server::store::CooperativeRow,
    tree: &str,
) -> ledger::SignedIdentity {
    let zone = NewZone::parse(Some("VN-TN-VNH-LHN-001-2023"), "Đồi na", &["na"], 2.0, 3).unwrap();
    if s.store.zones_of(c.id).await.unwrap().is_empty() {
        zones::create(&s.store, &Actor::system(), c, zone)
            .await
            .unwrap();
    }
    let z = s.store.zones_of(c.id).await.unwrap().remove(0);
    let t = NewTree::parse(
        tree,
        "custard_apple",
        "Na dai",
        "2019-04-12",
        Some((21.72, 105.93)),
    )
    .unwrap();
    trees::create(&s.store, &s.sealer, &Actor::system(), c, &z, t)
        .await
        .unwrap()
}

#[tokio::test]
async fn migrations_can_run_again_and_the_database_answers() {
    on_both(|db: Db| async move {
        db.services.store.migrate().await.unwrap();
        db.services.store.ping().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_cooperative_code_can_be_registered_only_once() {
    on_both(|db: Db| async move {
        let s = &db.services;
        coop(s, "NA-LH").await;
        let again = NewCooperative::parse("NA-LH", "Khác", ("a", "b", "c"), "", None).unwrap();
        let err = cooperatives::create(
            &s.store,
            &s.sealer,
            &s.origin_prefix,
            &Actor::system(),
            again,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        assert_eq!(s.store.count_cooperatives().await.unwrap(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_registered_tree_is_read_back_with_a_verified_identity() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        let id = zone_and_tree(s, &c, "CC001").await;
        let view = trees::view(
            &s.store,
            &s.sealer.platform_public(),
            "NA-LH",
            "CC001",
            None,
        )
        .await
        .unwrap();
        assert_eq!(view.tree.variety, "Na dai");
        assert_eq!(
            view.tree.zone_code.as_deref(),
            Some("VN-TN-VNH-LHN-001-2023")
        );
        assert_eq!(view.tree.identity_path, id.path());
        assert!(matches!(view.verdict, Verdict::Verified { .. }));
        let list = s.store.list_cooperatives().await.unwrap();
        assert_eq!((list[0].zones, list[0].trees), (1, 1));
    })
    .await;
}

#[tokio::test]
async fn a_tampered_or_foreign_identity_fails_verification() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        let one = zone_and_tree(s, &c, "CC001").await;
        let two = zone_and_tree(s, &c, "CC002").await;
        let tampered = one.path().replace("/CC001/", "/CC002/");
        let v = trees::view(
            &s.store,
            &s.sealer.platform_public(),
            "NA-LH",
            "CC002",
            Some(&tampered),
        )
        .await
        .unwrap();
        assert_eq!(
            v.verdict,
            Verdict::Failed {
                reason: ledger::VerifyError::BadSignature
            }
        );
        let foreign = trees::view(
            &s.store,
            &s.sealer.platform_public(),
            "NA-LH",
            "CC001",
            Some(&two.path()),
        )
        .await
        .unwrap();
        assert_eq!(
            foreign.verdict,
            Verdict::Failed {
                reason: ledger::VerifyError::IdentityMismatch
            }
        );
    })
    .await;
}

#[tokio::test]
async fn a_tree_code_is_unique_within_its_cooperative_and_a_clash_changes_nothing() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        zone_and_tree(s, &c, "CC001").await;
        let z = s.store.zones_of(c.id).await.unwrap().remove(0);
        let t = NewTree::parse("CC001", "custard_apple", "Na bở", "2020-01-01", None).unwrap();
        let err = trees::create(&s.store, &s.sealer, &Actor::system(), &c, &z, t)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        // The failed registration appended nothing to the log.
        let c = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
        assert_eq!(c.log_size, 2);
    })
    .await;
}

#[tokio::test]
async fn concurrent_appends_get_distinct_sequence_numbers_and_one_unbroken_chain() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        zone_and_tree(s, &c, "CC001").await;
        let subject = Subject::Tree(TreeCode::parse("CC001").unwrap());
        let mut tasks = vec![];
        for i in 0..24u32 {
            let (store, subject, id) = (s.store.clone(), subject.clone(), c.id);
            tasks.push(tokio::spawn(async move {
                store
                    .append_entry(id, &subject_key(&subject), move |code, seq, prev| {
                        Ok(ledger::Entry {
                            cooperative: ledger::CoopCode::parse(code)?,
                            seq,
                            subject,
                            prev,
                            recorded_at: 1,
                            received_at: 2,
                            author: "m".into(),
                            photos: vec![],
                            kind: Kind::Bagged { fruits: i },
                        })
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let rows = s.store.entries_of(c.id, "tree:CC001").await.unwrap();
        assert_eq!(rows.len(), 25);
        let bytes: Vec<Vec<u8>> = rows.iter().map(|r| r.bytes.clone()).collect();
        assert_eq!(ledger::verify_chain(&bytes).unwrap().len, 25);
        assert_eq!(s.store.leaf_hashes(c.id, 26).await.unwrap().len(), 26);
    })
    .await;
}

#[tokio::test]
async fn the_ledger_table_refuses_updates_and_deletes() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        zone_and_tree(s, &c, "CC001").await;
        assert!(db
            .raw_execute("UPDATE ledger_entries SET kind = 99")
            .await
            .is_err());
        assert!(db.raw_execute("DELETE FROM ledger_entries").await.is_err());
        assert_eq!(
            s.store.entries_of(c.id, "tree:CC001").await.unwrap().len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn an_exported_history_verifies_offline_and_later_checkpoints_extend_earlier_ones() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        zone_and_tree(s, &c, "CC001").await;
        let first =
            server::log::export_tree(&s.store, &s.sealer, "https://goc.example", "NA-LH", "CC001")
                .await
                .unwrap();
        let json = serde_json::to_string(&first).unwrap();
        let summary = TreeHistory::from_json(&json).unwrap().verify().unwrap();
        assert_eq!(summary.entries.len(), 1);
        zone_and_tree(s, &c, "CC002").await;
        let c = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
        let cp = server::log::checkpoint(&s.store, &s.sealer, &c)
            .await
            .unwrap();
        let leaves = s.store.leaf_hashes(c.id, cp.size).await.unwrap();
        let old = summary.checkpoint;
        let new = ledger::Checkpoint {
            origin: old.origin.clone(),
            size: cp.size as u64,
            root: ledger::Digest::from_slice(&cp.root).unwrap(),
        };
        let proof = ledger::merkle::consistency_proof(&leaves, old.size as usize).unwrap();
        assert_eq!(ledger::verify_extends(&old, &new, &proof), Ok(()));
    })
    .await;
}

#[tokio::test]
async fn the_demo_set_loads_into_an_empty_database_only() {
    on_both(|db: Db| async move {
        let s = &db.services;
        demo::load(s).await.unwrap();
        let list = s.store.list_cooperatives().await.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list.iter().map(|c| c.trees).sum::<i64>(), 44);
        assert!(matches!(demo::load(s).await, Err(Error::Conflict(_))));
        let v = trees::view(
            &s.store,
            &s.sealer.platform_public(),
            "XOAI-MX",
            "XM001",
            None,
        )
        .await
        .unwrap();
        assert!(matches!(v.verdict, Verdict::Verified { .. }));
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_refused_with_a_reason() {
    assert!(matches!(
        NewCooperative::parse("x", "a", ("a", "b", "c"), "", None),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        NewCooperative::parse("NA", " ", ("a", "b", "c"), "", None),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        NewCooperative::parse("NA", "a", ("a", "b", "c"), "", Some("12ab")),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        NewZone::parse(Some("VN/TN"), "z", &["na"], 1.0, 0),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        NewZone::parse(None, "z", &["na"], -1.0, 0),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        NewZone::parse(None, "z", &[" "], 1.0, 0),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        NewTree::parse("CC1", "Sầu riêng", "x", "2020-01-01", None),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        NewTree::parse("CC1", "mango", "x", "2020-02-30", None),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        NewTree::parse("CC1", "mango", "x", "2999-01-01", None),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        NewTree::parse("CC1", "mango", "x", "2020-01-01", Some((95.0, 0.0))),
        Err(Error::Invalid(_))
    ));
    assert!(NewTree::parse("cc1", "mango", "Xoài cát chu", "2020-01-01", None).is_ok());
}

#[tokio::test]
async fn a_rotated_key_signs_from_then_on_and_every_earlier_identity_still_verifies() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        zone_and_tree(s, &c, "CC001").await;
        let first_key = cooperatives::key_history(&s.store, &c)
            .await
            .unwrap()
            .genesis
            .key_id();
        let c = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
        let new_key = cooperatives::rotate_key(&s.store, &s.sealer, &Actor::system(), &c)
            .await
            .unwrap();
        assert_ne!(new_key, first_key.to_string());
        let c = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
        let later = zone_and_tree(s, &c, "CC002").await;
        assert_eq!(later.identity.key.to_string(), new_key);
        for tree in ["CC001", "CC002"] {
            let v = trees::view(&s.store, &s.sealer.platform_public(), "NA-LH", tree, None)
                .await
                .unwrap();
            assert!(
                matches!(v.verdict, Verdict::Verified { .. }),
                "{tree}: {:?}",
                v.verdict
            );
            // Each history, with its checkpoint now signed by the new key, verifies.
            let h =
                server::log::export_tree(&s.store, &s.sealer, "https://goc.example", "NA-LH", tree)
                    .await
                    .unwrap();
            let json = serde_json::to_string(&h).unwrap();
            TreeHistory::from_json(&json).unwrap().verify().unwrap();
        }
        let history = cooperatives::key_history(&s.store, &c).await.unwrap();
        assert_eq!(history.rotations.len(), 1);
        let log = s.store.entries_of(c.id, "cooperative").await.unwrap();
        let rotated = ledger::Entry::decode(&log.last().unwrap().bytes).unwrap();
        assert!(matches!(rotated.kind, Kind::KeyRotated { .. }));
        // Signed by the old key, so replaying it from a stale page is refused.
        let farmer = Actor {
            is_admin: false,
            ..Actor::system()
        };
        let e = cooperatives::rotate_key(&s.store, &s.sealer, &farmer, &c)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Forbidden));

        // The new key is then reported stolen: only a platform administrator replaces it,
        // with a rotation the platform key signs (reason 2); every label still verifies,
        // and so does every history, given the platform's public key.
        let c = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
        let manager = Actor {
            is_admin: false,
            memberships: vec![server::access::Membership {
                cooperative_id: c.id,
                code: c.code.clone(),
                name: c.name.clone(),
                role: server::access::Role::Manager,
                alias: "m1".into(),
            }],
            user_id: 1,
            name: "Quản lý".into(),
        };
        let e = cooperatives::replace_lost_key(&s.store, &s.sealer, &manager, &c)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Forbidden),
            "the platform vouches, not the manager"
        );
        let third = cooperatives::replace_lost_key(&s.store, &s.sealer, &Actor::system(), &c)
            .await
            .unwrap();
        let history = cooperatives::key_history(&s.store, &c).await.unwrap();
        let lost = &history.rotations[1];
        assert_eq!(lost.statement.reason, ledger::RotationReason::Lost);
        assert_eq!(lost.statement.old_key.to_string(), new_key);
        let platform = s.sealer.platform_public();
        assert!(
            history.periods(None).is_err(),
            "without the platform key it cannot be followed"
        );
        assert_eq!(history.periods(Some(&platform)).unwrap().len(), 3);
        let c = cooperatives::by_code(&s.store, "NA-LH").await.unwrap();
        let after = zone_and_tree(s, &c, "CC003").await;
        assert_eq!(after.identity.key.to_string(), third);
        for tree in ["CC001", "CC002", "CC003"] {
            let v = trees::view(&s.store, &platform, "NA-LH", tree, None)
                .await
                .unwrap();
            assert!(
                matches!(v.verdict, Verdict::Verified { .. }),
                "{tree}: {:?}",
                v.verdict
            );
            let h =
                server::log::export_tree(&s.store, &s.sealer, "https://goc.example", "NA-LH", tree)
                    .await
                    .unwrap();
            let json = serde_json::to_string(&h).unwrap();
            TreeHistory::from_json(&json).unwrap().verify().unwrap();
        }
        // A different platform key (another server's) does not vouch for it.
        let stranger = ledger::SigningKey::from_seed(&[7; 32]).public_key();
        let v = trees::view(&s.store, &stranger, "NA-LH", "CC003", None)
            .await
            .unwrap();
        assert!(matches!(v.verdict, Verdict::Failed { .. }));
    })
    .await;
}

#[tokio::test]
async fn a_tree_leaves_and_returns_to_the_register_and_its_photos_are_logged_by_hash() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        zone_and_tree(s, &c, "CC001").await;
        let me = Actor::system();
        trees::set_status(&s.store, &me, &c, "CC001", false, "Cây chết do lũ").await.unwrap();
        let again = trees::set_status(&s.store, &me, &c, "CC001", false, "lần nữa").await.unwrap_err();
        assert!(matches!(again, Error::Conflict(_)));
        assert!(matches!(
            trees::set_status(&s.store, &me, &c, "CC001", true, " ").await,
            Err(Error::Invalid(_))
        ));
        let mut png = Vec::new();
        image::DynamicImage::new_rgb8(640, 480)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let hash = server::photos::add(s, &me, &c, "CC001", png.clone()).await.unwrap();
        let dup = server::photos::add(s, &me, &c, "CC001", png).await.unwrap_err();
        assert!(matches!(dup, Error::Conflict(_)), "the same photo twice");
        let raw = data_encoding::HEXLOWER.decode(hash.as_bytes()).unwrap();
        let key: [u8; 32] = raw.clone().try_into().unwrap();
        let full = s.photos.get(&key, Size::Full).await.unwrap().unwrap();
        assert_eq!(blake3::hash(&full).to_hex().to_string(), hash);
        assert!(s.photos.get(&key, Size::Thumb).await.unwrap().unwrap().len() < full.len());
        assert!(s.photos.get(&[7; 32], Size::Full).await.unwrap().is_none());

        let entries = s.store.entries_of(c.id, "tree:CC001").await.unwrap();
        let kinds: Vec<Kind> = entries.iter().map(|e| ledger::Entry::decode(&e.bytes).unwrap().kind).collect();
        assert!(matches!(&kinds[1], Kind::StatusChanged { active: false, reason } if reason == "Cây chết do lũ"));
        let photo_entry = ledger::Entry::decode(&entries[2].bytes).unwrap();
        assert_eq!(photo_entry.photos, vec![ledger::Digest(raw.try_into().unwrap())]);
        let h = server::log::export_tree(&s.store, &s.sealer, "https://goc.example", "NA-LH", "CC001").await.unwrap();
        let summary = TreeHistory::from_json(&serde_json::to_string(&h).unwrap()).unwrap().verify().unwrap();
        assert_eq!(summary.entries.len(), 3);
        let farmer = Actor { is_admin: false, ..Actor::system() };
        assert!(matches!(
            trees::set_status(&s.store, &farmer, &c, "CC001", true, "x").await,
            Err(Error::Forbidden)
        ));
    })
    .await;
}

#[tokio::test]
async fn photos_an_earlier_version_kept_in_the_database_move_to_the_photo_store_once() {
    on_both(|db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        zone_and_tree(s, &c, "CC001").await;
        let tree = s.store.tree_row(c.id, "CC001").await.unwrap().unwrap();
        // Rows as version 0.1 wrote them: the bytes inside the database.
        let blob = |hex: &str| {
            if db.is_postgres() {
                format!("'\\x{hex}'::bytea")
            } else {
                format!("X'{hex}'")
            }
        };
        let (hash, full, thumb) = ("ab".repeat(32), "ffd8ffe0aa01", "ffd8ffe0bb");
        db.raw_execute(&format!(
            "INSERT INTO tree_photos (tree_id, hash, width, height, image, thumb, created_at) \
             VALUES ({}, {}, 2, 2, {}, {}, 0)",
            tree.id,
            blob(&hash),
            blob(full),
            blob(thumb)
        ))
        .await
        .unwrap();
        assert_eq!(s.store.photos_kept_inside(10).await.unwrap().len(), 1);
        assert_eq!(s.photos.move_out_of(&s.store).await.unwrap(), 1);
        let key = [0xab; 32];
        let got = s.photos.get(&key, Size::Full).await.unwrap().unwrap();
        assert_eq!(got.as_ref(), &[0xff, 0xd8, 0xff, 0xe0, 0xaa, 0x01]);
        let got = s.photos.get(&key, Size::Thumb).await.unwrap().unwrap();
        assert_eq!(got.as_ref(), &[0xff, 0xd8, 0xff, 0xe0, 0xbb]);
        assert!(
            s.store.photos_kept_inside(10).await.unwrap().is_empty(),
            "the database copy is emptied"
        );
        assert_eq!(s.photos.move_out_of(&s.store).await.unwrap(), 0, "once");
        assert_eq!(
            s.store.photos_of(tree.id).await.unwrap().len(),
            1,
            "the photo is still the tree's"
        );
    })
    .await;
}
