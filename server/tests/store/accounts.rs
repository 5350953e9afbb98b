//! Accounts, sessions, invitations, throttling and the access matrix, on both engines.

use server::access::{Action, Actor, Role};
use server::accounts::{self, Session};
use server::cooperatives::{self, NewCooperative};
use server::labels::{self, Selection};
use server::store::CooperativeRow;
use server::trees::{self, NewTree};
use server::zones::{self, NewZone};
use server::{Error, Services};

use crate::support::{on_both, Db};

async fn actor(s: &Services, session: &Session) -> Actor {
    accounts::actor(&s.store, &session.token)
        .await
        .unwrap()
        .unwrap()
}

async fn coop_of(s: &Services, owner: &Actor, code: &str) -> CooperativeRow {
    let new = NewCooperative::parse(code, "HTX", ("Sơn La", "Yên Châu", "Chiềng Khoi"), "", None)
        .unwrap();
    cooperatives::create(&s.store, &s.sealer, &s.origin_prefix, owner, new)
        .await
        .unwrap();
    cooperatives::by_code(&s.store, code).await.unwrap()
}

#[tokio::test]
async fn a_person_signs_up_by_phone_logs_in_with_any_spelling_and_logs_out() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let first = accounts::sign_up(&s.store, "0912 345 678", "Lò Thị Lan", "na dai Yen Chau")
            .await
            .unwrap();
        let me = actor(s, &first).await;
        assert_eq!(me.name, "Lò Thị Lan");
        assert!(!me.is_admin && me.memberships.is_empty());
        let again = accounts::sign_up(&s.store, "+84912345678", "Lan", "another password")
            .await
            .unwrap_err();
        assert!(matches!(again, Error::Conflict(_)), "{again:?}");
        let second = accounts::log_in(&s.store, "+84 912 345 678", "na dai Yen Chau")
            .await
            .unwrap();
        assert_ne!(second.token, first.token);
        let wrong = accounts::log_in(&s.store, "0912345678", "na dai yen chau")
            .await
            .unwrap_err();
        assert_eq!(
            wrong.public_text().en,
            "Wrong phone number, email or password"
        );
        let nobody = accounts::log_in(&s.store, "0987654321", "na dai Yen Chau")
            .await
            .unwrap_err();
        assert_eq!(nobody.public_text(), wrong.public_text());
        accounts::log_out(&s.store, &second.token).await.unwrap();
        assert!(accounts::actor(&s.store, &second.token)
            .await
            .unwrap()
            .is_none());
        assert!(accounts::actor(&s.store, &first.token)
            .await
            .unwrap()
            .is_some());
        assert!(accounts::actor(&s.store, "forged-token")
            .await
            .unwrap()
            .is_none());
        let bad = accounts::sign_up(&s.store, "lan@example", "Lan", "long enough")
            .await
            .unwrap_err();
        assert!(matches!(bad, Error::Invalid(_)));
    })
    .await;
}

#[tokio::test]
async fn concurrent_wrong_passwords_all_count_and_lock_the_account_out() {
    on_both(|db: Db| async move {
        let s = &db.services;
        accounts::sign_up(&s.store, "lan@example.vn", "Lan", "the right password")
            .await
            .unwrap();
        // Four failures are forgiven; the fifth locks for 30 s.
        for _ in 0..4 {
            let e = accounts::log_in(&s.store, "lan@example.vn", "wrong password")
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Invalid(_)), "{e:?}");
        }
        let e = accounts::log_in(&s.store, "LAN@example.vn", "wrong password")
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::TooManyRequests(s) if (29..=30).contains(&s)),
            "{e:?}"
        );
        let e = accounts::log_in(&s.store, "lan@example.vn", "the right password")
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::TooManyRequests(_)),
            "locked even with the right password: {e:?}"
        );

        // Twenty failures recorded at once on another identifier: none may be lost, so
        // the lock reaches the one-hour cap (lost updates would leave it shorter), and a
        // lock set by an earlier failure finishing last never shortens it.
        let now = server::clock::now_ms();
        let failures = (0..20).map(|_| {
            let store = s.store.clone();
            tokio::spawn(async move { store.record_login_failure("+84911111111", now).await })
        });
        for f in failures {
            f.await.unwrap().unwrap();
        }
        let until = s.store.login_locked_until("+84911111111").await.unwrap();
        assert_eq!(until, now + 60 * 60 * 1000);
        let e = accounts::log_in(&s.store, "0911111111", "guess guess")
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::TooManyRequests(s) if s > 59 * 60),
            "{e:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_needs_the_old_one_and_ends_other_sessions() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let here = accounts::sign_up(&s.store, "0912345678", "Lan", "old password")
            .await
            .unwrap();
        let elsewhere = accounts::log_in(&s.store, "0912345678", "old password")
            .await
            .unwrap();
        let me = actor(s, &here).await;
        let e = accounts::change_password(&s.store, &me, &here.token, "not it", "new password")
            .await
            .unwrap_err();
        assert_eq!(e.public_text().en, "The current password is wrong");
        let e = accounts::change_password(&s.store, &me, &here.token, "old password", "short")
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)));
        accounts::change_password(&s.store, &me, &here.token, "old password", "new password")
            .await
            .unwrap();
        assert!(accounts::actor(&s.store, &here.token)
            .await
            .unwrap()
            .is_some());
        assert!(accounts::actor(&s.store, &elsewhere.token)
            .await
            .unwrap()
            .is_none());
        assert!(accounts::log_in(&s.store, "0912345678", "old password")
            .await
            .is_err());
        accounts::log_in(&s.store, "0912345678", "new password")
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_manager_adds_a_farmer_by_phone_who_joins_once_with_the_invite_code() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let boss = actor(
            s,
            &accounts::sign_up(&s.store, "0900000001", "Quản lý", "manager password")
                .await
                .unwrap(),
        )
        .await;
        let coop = coop_of(s, &boss, "XOAI-MX").await;
        let boss = actor(
            s,
            &accounts::log_in(&s.store, "0900000001", "manager password")
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(boss.role_in(coop.id), Some(Role::Manager));

        let added = accounts::add_member(
            &s.store,
            &boss,
            &coop,
            "0977 123 456",
            "Bà Tư",
            Role::Farmer,
        )
        .await
        .unwrap();
        let code = added.invite_code.clone().unwrap();
        assert_eq!(added.phone, "+84977123456");
        let members = accounts::members(&s.store, &boss, &coop).await.unwrap();
        assert!(members
            .iter()
            .any(|m| m.name == "Bà Tư" && m.pending && m.role == "farmer"));
        // Not a password account yet: neither logging in nor signing up takes the number.
        assert!(accounts::log_in(&s.store, "0977123456", "anything at all")
            .await
            .is_err());
        let e = accounts::sign_up(&s.store, "0977123456", "X", "a password here")
            .await
            .unwrap_err();
        assert!(e.public_text().en.contains("invite code"), "{e:?}");
        let dup = accounts::add_member(&s.store, &boss, &coop, "0977123456", "Bà Tư", Role::Farmer)
            .await
            .unwrap_err();
        assert!(matches!(dup, Error::Conflict(_)));

        let e = accounts::accept_invite(&s.store, "0977123456", "AAAA-AAAA", "farmer password")
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)));
        let joined = accounts::accept_invite(
            &s.store,
            "0977123456",
            &code.to_lowercase(),
            "farmer password",
        )
        .await
        .unwrap();
        let farmer = actor(s, &joined).await;
        assert_eq!(farmer.role_in(coop.id), Some(Role::Farmer));
        let again = accounts::accept_invite(&s.store, "0977123456", &code, "other password")
            .await
            .unwrap_err();
        assert!(matches!(again, Error::Invalid(_)), "an invite works once");
        accounts::log_in(&s.store, "0977123456", "farmer password")
            .await
            .unwrap();
        let members = accounts::members(&s.store, &boss, &coop).await.unwrap();
        assert!(members.iter().all(|m| !m.pending));

        // Someone who already has an account simply gains the role, no code.
        accounts::sign_up(&s.store, "0966000000", "Anh Ba", "buyer password")
            .await
            .unwrap();
        let plain = accounts::add_member(&s.store, &boss, &coop, "0966000000", "", Role::Manager)
            .await
            .unwrap();
        assert_eq!(plain.invite_code, None);
    })
    .await;
}

/// Every role against every action on cooperative A, including a manager of cooperative
/// B, who must be able to read or change nothing of A.
#[tokio::test]
async fn the_access_matrix_holds_for_every_role_and_action_across_two_cooperatives() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let person = |phone: &'static str| async move {
            let session = accounts::sign_up(&s.store, phone, phone, "a long password")
                .await
                .unwrap();
            session
        };
        let manager_a = person("0900000001").await;
        let manager_b = person("0900000002").await;
        let admin = person("0900000003").await;
        let buyer = person("0900000005").await;
        let a = coop_of(s, &actor(s, &manager_a).await, "NA-A").await;
        coop_of(s, &actor(s, &manager_b).await, "NA-B").await;
        accounts::make_admin(&s.store, "0900000003").await.unwrap();
        let added = accounts::add_member(
            &s.store,
            &actor(s, &manager_a).await,
            &a,
            "0900000004",
            "Nông dân",
            Role::Farmer,
        )
        .await
        .unwrap();
        let farmer_a = accounts::accept_invite(
            &s.store,
            "0900000004",
            &added.invite_code.unwrap(),
            "a long password",
        )
        .await
        .unwrap();
        let zone = NewZone::parse(None, "Đồi", &["na"], 2.0, 1).unwrap();
        zones::create(&s.store, &Actor::system(), &a, zone)
            .await
            .unwrap();
        let zone_row = s.store.zones_of(a.id).await.unwrap().remove(0);

        let everyone = [
            ("admin", &admin, [true; 5]),
            ("manager of A", &manager_a, [true; 5]),
            ("farmer of A", &farmer_a, [true, false, false, false, false]),
            ("manager of B", &manager_b, [false; 5]),
            ("buyer", &buyer, [false; 5]),
        ];
        let mut n = 0;
        for (who, session, allowed) in everyone {
            let me = actor(s, session).await;
            for (action, want) in Action::ALL.into_iter().zip(allowed) {
                n += 1;
                let got: Result<(), Error> = match action {
                    Action::View => accounts::members(&s.store, &me, &a).await.map(|_| ()),
                    Action::Register => {
                        let z =
                            NewZone::parse(None, &format!("Vùng {n}"), &["na"], 1.5, 1).unwrap();
                        let zone = zones::create(&s.store, &me, &a, z).await.map(|_| ());
                        let t = NewTree::parse(
                            &format!("T{n}"),
                            "custard_apple",
                            "Na dai",
                            "2020-01-01",
                            None,
                        )
                        .unwrap();
                        let tree = trees::create(&s.store, &s.sealer, &me, &a, &zone_row, t)
                            .await
                            .map(|_| ());
                        assert_eq!(zone.is_ok(), tree.is_ok(), "{who}: zones and trees differ");
                        zone
                    }
                    Action::PrintLabels => {
                        labels::collect(&s.store, &s.base_url, &me, &a, &Selection::default())
                            .await
                            .map(|_| ())
                    }
                    Action::ManageMembers => accounts::add_member(
                        &s.store,
                        &me,
                        &a,
                        &format!("09100000{n:02}"),
                        "Mới",
                        Role::Farmer,
                    )
                    .await
                    .map(|_| ()),
                    Action::ManageCooperative => {
                        cooperatives::rotate_key(&s.store, &s.sealer, &me, &a)
                            .await
                            .map(|_| ())
                    }
                };
                match (want, got) {
                    (true, Ok(())) | (false, Err(Error::Forbidden)) => {}
                    (want, got) => panic!("{who} × {action:?}: wanted allowed={want}, got {got:?}"),
                }
            }
        }
        assert_eq!(n, 25);
        // Refused attempts left nothing behind: the setup's zone plus those of the admin
        // and of A's manager.
        assert_eq!(s.store.zones_of(a.id).await.unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn an_admin_adds_a_species_that_trees_then_use() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let boss = actor(s, &accounts::sign_up(&s.store, "0900000001", "Quản lý", "a long password").await.unwrap()).await;
        let c = coop_of(s, &boss, "SR-CT").await;
        let boss = actor(s, &accounts::log_in(&s.store, "0900000001", "a long password").await.unwrap()).await;
        let add = |who: Actor, key: &'static str, sci: &'static str| async move {
            server::species::add(&s.store, &who, key, "Sầu riêng", "Durian", sci).await
        };
        assert!(matches!(add(boss.clone(), "durian", "Durio zibethinus").await, Err(Error::Forbidden)));
        assert!(matches!(add(Actor::system(), "Durian!", "Durio zibethinus").await, Err(Error::Invalid(_))));
        assert!(matches!(add(Actor::system(), "durian", "durian").await, Err(Error::Invalid(_))));
        add(Actor::system(), "durian", "Durio zibethinus").await.unwrap();
        assert!(matches!(add(Actor::system(), "durian", "Durio zibethinus").await, Err(Error::Conflict(_))));

        zones::create(&s.store, &boss, &c, NewZone::parse(None, "Vườn", &["sầu riêng"], 3.0, 1).unwrap()).await.unwrap();
        let zone = s.store.zones_of(c.id).await.unwrap().remove(0);
        let tree = NewTree::parse("SR001", "durian", "Ri6", "2018-05-01", None).unwrap();
        trees::create(&s.store, &s.sealer, &boss, &c, &zone, tree).await.unwrap();
        let unknown = NewTree::parse("SR002", "jackfruit", "Thái", "2018-05-01", None).unwrap();
        let e = trees::create(&s.store, &s.sealer, &boss, &c, &zone, unknown).await.unwrap_err();
        assert_eq!(e.public_text().en, "unknown species \"jackfruit\"");
        let entry = s.store.entries_of(c.id, "tree:SR001").await.unwrap().remove(0);
        let kind = ledger::Entry::decode(&entry.bytes).unwrap().kind;
        assert!(matches!(kind, ledger::Kind::TreeRegistered { species, .. } if species == "Durio zibethinus"));
        let label = labels::collect(&s.store, &s.base_url, &boss, &c, &Selection::default()).await.unwrap();
        assert!(label[0].species.starts_with("Sầu riêng · Ri6"), "{}", label[0].species);
    })
    .await;
}
