//! Accounts, sessions, invitations, throttling and the access matrix, on both engines.

use server::access::{Action, Actor, Role};
use server::accounts::{self, invitations, recovery, Session};
use server::cooperatives::{self, NewCooperative};
use server::diary;
use server::labels::{self, Selection};
use server::market::{self, NewOffer};
use server::store::CooperativeRow;
use server::trace;
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
            tokio::spawn(async move { store.record_login_failure("+84911111111", now, 5).await })
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

/// A manager and their cooperative, signed in again so the session sees the role.
async fn manager_of(s: &Services, phone: &str, code: &str) -> (Actor, CooperativeRow) {
    let me = actor(
        s,
        &accounts::sign_up(&s.store, phone, "Quản lý", "manager password")
            .await
            .unwrap(),
    )
    .await;
    let coop = coop_of(s, &me, code).await;
    let me = actor(
        s,
        &accounts::log_in(&s.store, phone, "manager password")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me.role_in(coop.id), Some(Role::Manager));
    (me, coop)
}

#[tokio::test]
async fn an_invited_farmer_signs_up_with_the_invited_number_and_the_code_works_once() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let (boss, coop) = manager_of(s, "0900000001", "XOAI-MX").await;
        let invited = invitations::invite(
            &s.store,
            &boss,
            &coop,
            "0977 123 456",
            "Bà Tư",
            Role::Farmer,
        )
        .await
        .unwrap();
        assert_eq!(invited.phone, "+84977123456");
        // Nothing about the number exists yet: no account, no member; one open invitation.
        assert!(s
            .store
            .user_by_identifier("+84977123456")
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            invitations::members(&s.store, &boss, &coop)
                .await
                .unwrap()
                .len(),
            1
        );
        let open = invitations::pending(&s.store, &boss, &coop).await.unwrap();
        assert_eq!(
            (open.len(), open[0].name.as_str(), open[0].role.as_str()),
            (1, "Bà Tư", "farmer")
        );

        // The code is bound to the number: another number cannot use it.
        let e = invitations::sign_up_and_accept(
            &s.store,
            "0977000000",
            "Kẻ lạ",
            "a password here",
            &invited.code,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");
        assert!(s
            .store
            .user_by_identifier("+84977000000")
            .await
            .unwrap()
            .is_none());
        let e = invitations::sign_up_and_accept(
            &s.store,
            "0977123456",
            "Bà Tư",
            "farmer password",
            "AAAA-AAAA",
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");

        let (joined, row) = invitations::sign_up_and_accept(
            &s.store,
            "0977123456",
            "Bà Tư",
            "farmer password",
            &invited.code.to_lowercase(),
        )
        .await
        .unwrap();
        assert_eq!(row.coop_code, "XOAI-MX");
        let farmer = actor(s, &joined).await;
        assert_eq!(farmer.role_in(coop.id), Some(Role::Farmer));
        assert!(invitations::pending(&s.store, &boss, &coop)
            .await
            .unwrap()
            .is_empty());
        let again = invitations::accept(&s.store, &farmer, &invited.code)
            .await
            .unwrap_err();
        assert!(
            matches!(again, Error::Invalid(_)),
            "an invitation works once: {again:?}"
        );
        accounts::log_in(&s.store, "0977123456", "farmer password")
            .await
            .unwrap();

        // Farmers see who is in the cooperative, not how to reach them.
        let seen = invitations::members(&s.store, &farmer, &coop)
            .await
            .unwrap();
        assert!(
            seen.iter().all(|m| m.phone.is_none() && m.email.is_none()),
            "{seen:?}"
        );
        let managed = invitations::members(&s.store, &boss, &coop).await.unwrap();
        assert!(managed
            .iter()
            .any(|m| m.phone.as_deref() == Some("+84977123456")));
        // The public log names the manager by a pseudonym, never by account number.
        let zone = NewZone::parse(None, "Đồi", &["xoài"], 2.0, 1).unwrap();
        zones::create(&s.store, &boss, &coop, zone).await.unwrap();
        let entry = s
            .store
            .entries_of(coop.id, "cooperative")
            .await
            .unwrap()
            .pop()
            .unwrap();
        let author = ledger::Entry::decode(&entry.bytes).unwrap().author;
        let alias = &boss
            .memberships
            .iter()
            .find(|m| m.cooperative_id == coop.id)
            .unwrap()
            .alias;
        assert_eq!(author, format!("member:{alias}"));
        assert!(alias.len() == 8 && !author.starts_with("user:"), "{author}");
        // Inviting a member again is refused; the manager already sees them.
        let dup = invitations::invite(&s.store, &boss, &coop, "0977123456", "Bà Tư", Role::Farmer)
            .await
            .unwrap_err();
        assert!(matches!(dup, Error::Conflict(_)), "{dup:?}");
    })
    .await;
}

/// The attack that used to work: manager B invites the phone of someone who holds a role
/// in A, and tries to use the code to get into that person's account or into A.
#[tokio::test]
async fn an_invitation_never_takes_over_an_account_nor_grants_more_than_its_one_role() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let (boss_a, a) = manager_of(s, "0900000001", "NA-A").await;
        let (boss_b, b) = manager_of(s, "0900000002", "NA-B").await;
        // A invites a second manager, who has not answered yet.
        let to_a = invitations::invite(
            &s.store,
            &boss_a,
            &a,
            "0911111111",
            "Chị Hoa",
            Role::Manager,
        )
        .await
        .unwrap();
        // B invites the same number and holds B's code.
        let to_b = invitations::invite(&s.store, &boss_b, &b, "0911111111", "Ai đó", Role::Farmer)
            .await
            .unwrap();
        assert_ne!(to_a.code, to_b.code);
        // B cannot redeem it for themselves: their account's number is not the invited one.
        let e = invitations::accept(&s.store, &boss_b, &to_b.code)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");
        // Nor sign up as the number with A's role: B's code grants only B's farmer role.
        let (taken, _) = invitations::sign_up_and_accept(
            &s.store,
            "0911111111",
            "B",
            "attacker password",
            &to_b.code,
        )
        .await
        .unwrap();
        let who = actor(s, &taken).await;
        assert_eq!(who.role_in(b.id), Some(Role::Farmer));
        assert_eq!(who.role_in(a.id), None, "A's role came with B's code");
        let zone = NewZone::parse(None, "Đồi", &["na"], 2.0, 1).unwrap();
        assert!(matches!(
            zones::create(&s.store, &who, &a, zone).await,
            Err(Error::Forbidden)
        ));
        // The number now has an account: A's invitation cannot be used to set its password
        // or sign up again; only the account's owner, signed in, can accept it.
        let e = invitations::sign_up_and_accept(
            &s.store,
            "0911111111",
            "X",
            "another password",
            &to_a.code,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::Conflict(_)), "{e:?}");
        accounts::log_in(&s.store, "0911111111", "attacker password")
            .await
            .unwrap();

        // An existing account is never added without its owner accepting.
        let buyer = accounts::sign_up(&s.store, "0922222222", "Người mua", "buyer password")
            .await
            .unwrap();
        let inv = invitations::invite(
            &s.store,
            &boss_a,
            &a,
            "0922222222",
            "Người mua",
            Role::Manager,
        )
        .await
        .unwrap();
        assert_eq!(actor(s, &buyer).await.role_in(a.id), None);
        // The reply to the manager is the same shape whether or not the number has an account.
        assert_eq!((inv.code.len(), inv.phone.as_str()), (9, "+84922222222"));
        let buyer_now = actor(s, &buyer).await;
        invitations::accept(&s.store, &buyer_now, &inv.code)
            .await
            .unwrap();
        assert_eq!(actor(s, &buyer).await.role_in(a.id), Some(Role::Manager));
    })
    .await;
}

#[tokio::test]
async fn reissued_codes_replace_old_ones_and_withdrawn_or_expired_invitations_do_not_work() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let (boss, coop) = manager_of(s, "0900000001", "NA-LH").await;
        let first =
            invitations::invite(&s.store, &boss, &coop, "0933333333", "Anh Ba", Role::Farmer)
                .await
                .unwrap();
        let id = invitations::pending(&s.store, &boss, &coop).await.unwrap()[0].id;
        let second = invitations::reissue(&s.store, &boss, &coop, id)
            .await
            .unwrap();
        assert_ne!(first.code, second.code);
        assert!(invitations::preview(&s.store, &first.code)
            .await
            .unwrap()
            .is_none());
        assert!(invitations::preview(&s.store, &second.code)
            .await
            .unwrap()
            .is_some());
        let open = invitations::pending(&s.store, &boss, &coop).await.unwrap();
        assert_eq!(open.len(), 1, "one open invitation per number");
        invitations::withdraw(&s.store, &boss, &coop, open[0].id)
            .await
            .unwrap();
        assert!(invitations::preview(&s.store, &second.code)
            .await
            .unwrap()
            .is_none());
        let e = invitations::sign_up_and_accept(
            &s.store,
            "0933333333",
            "Anh Ba",
            "a long password",
            &second.code,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)));
        // A farmer may not invite, reissue or withdraw.
        let third =
            invitations::invite(&s.store, &boss, &coop, "0944444444", "Em Tư", Role::Farmer)
                .await
                .unwrap();
        let (farmer, _) = invitations::sign_up_and_accept(
            &s.store,
            "0944444444",
            "Em Tư",
            "a long password",
            &third.code,
        )
        .await
        .unwrap();
        let farmer = actor(s, &farmer).await;
        let e =
            invitations::invite(&s.store, &farmer, &coop, "0955555555", "X", Role::Manager).await;
        assert!(matches!(e, Err(Error::Forbidden)));
        // An expired code does not work: made to expire by the clock in the database.
        let late = invitations::invite(
            &s.store,
            &boss,
            &coop,
            "0966666666",
            "Chú Năm",
            Role::Farmer,
        )
        .await
        .unwrap();
        db.raw_execute("UPDATE invitations SET expires_at = 1 WHERE phone = '+84966666666'")
            .await
            .unwrap();
        assert!(invitations::preview(&s.store, &late.code)
            .await
            .unwrap()
            .is_none());
        let e = invitations::sign_up_and_accept(
            &s.store,
            "0966666666",
            "Chú Năm",
            "a long password",
            &late.code,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)));
        // Hostile names are refused before anything is stored.
        let e = invitations::invite(
            &s.store,
            &boss,
            &coop,
            "0977777777",
            "A\u{202E}B",
            Role::Farmer,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)));
    })
    .await;
}

#[tokio::test]
async fn members_are_removed_but_never_the_last_manager_and_reset_codes_stay_within_reach() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let (boss, coop) = manager_of(s, "0900000001", "NA-LH").await;
        let (boss_b, b) = manager_of(s, "0900000002", "NA-B").await;
        let join = |boss: Actor, c: CooperativeRow, phone: &'static str, role: Role| async move {
            let inv = invitations::invite(&s.store, &boss, &c, phone, "Thành viên", role)
                .await
                .unwrap();
            match s.store.user_by_identifier(&inv.phone).await.unwrap() {
                None => {
                    invitations::sign_up_and_accept(
                        &s.store,
                        phone,
                        "Thành viên",
                        "a long password",
                        &inv.code,
                    )
                    .await
                    .unwrap()
                    .0
                }
                Some(_) => {
                    let session = accounts::log_in(&s.store, phone, "a long password")
                        .await
                        .unwrap();
                    invitations::accept(&s.store, &actor(s, &session).await, &inv.code)
                        .await
                        .unwrap();
                    session
                }
            }
        };
        let farmer = join(boss.clone(), coop.clone(), "0911000001", Role::Farmer).await;
        let farmer_id = actor(s, &farmer).await.user_id;
        // Someone who farms here and manages B: A's manager cannot reset their password.
        let both = join(boss.clone(), coop.clone(), "0911000002", Role::Farmer).await;
        join(boss_b.clone(), b.clone(), "0911000002", Role::Manager).await;
        let both_id = actor(s, &both).await.user_id;

        let code = recovery::issue_reset(&s.store, &boss, &coop, farmer_id)
            .await
            .unwrap();
        let e = recovery::issue_reset(&s.store, &boss, &coop, both_id)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");
        let e = recovery::issue_reset(&s.store, &boss_b, &b, farmer_id)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::NotFound(_)),
            "B cannot reach A's farmer: {e:?}"
        );
        recovery::issue_reset(&s.store, &Actor::system(), &b, both_id)
            .await
            .unwrap();

        let wrong =
            recovery::reset_password(&s.store, "0911000001", "AAAA-AAAA", "brand new password")
                .await
                .unwrap_err();
        assert!(matches!(wrong, Error::Invalid(_)));
        let fresh = recovery::reset_password(&s.store, "0911000001", &code, "brand new password")
            .await
            .unwrap();
        assert!(
            accounts::actor(&s.store, &farmer.token)
                .await
                .unwrap()
                .is_none(),
            "old sessions end"
        );
        assert!(accounts::actor(&s.store, &fresh.token)
            .await
            .unwrap()
            .is_some());
        let e = recovery::reset_password(&s.store, "0911000001", &code, "third password!")
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "a reset code works once");
        accounts::log_in(&s.store, "0911000001", "brand new password")
            .await
            .unwrap();

        // A code issued while the farmer was within reach stops working once they take a
        // stronger role elsewhere (found by probing: the reset then took over B's manager).
        let late = recovery::issue_reset(&s.store, &boss, &coop, farmer_id)
            .await
            .unwrap();
        let inv = invitations::invite(&s.store, &boss_b, &b, "0911000001", "Lan", Role::Manager)
            .await
            .unwrap();
        invitations::accept(&s.store, &actor(s, &fresh).await, &inv.code)
            .await
            .unwrap();
        let e = recovery::reset_password(&s.store, "0911000001", &late, "taken over!!")
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");
        accounts::log_in(&s.store, "0911000001", "brand new password")
            .await
            .unwrap();
        invitations::remove_member(&s.store, &boss_b, &b, farmer_id)
            .await
            .unwrap();

        invitations::remove_member(&s.store, &boss, &coop, farmer_id)
            .await
            .unwrap();
        assert!(actor(s, &fresh).await.role_in(coop.id).is_none());
        let e = invitations::remove_member(&s.store, &boss, &coop, boss.user_id)
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Conflict(_)),
            "the last manager stays: {e:?}"
        );
        let e = invitations::remove_member(&s.store, &boss_b, &coop, both_id)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Forbidden));
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
        let added = invitations::invite(
            &s.store,
            &actor(s, &manager_a).await,
            &a,
            "0900000004",
            "Nông dân",
            Role::Farmer,
        )
        .await
        .unwrap();
        let (farmer_a, _) = invitations::sign_up_and_accept(
            &s.store,
            "0900000004",
            "Nông dân",
            "a long password",
            &added.code,
        )
        .await
        .unwrap();
        let zone = NewZone::parse(None, "Đồi", &["na"], 2.0, 1).unwrap();
        zones::create(&s.store, &Actor::system(), &a, zone)
            .await
            .unwrap();
        let zone_row = s.store.zones_of(a.id).await.unwrap().remove(0);
        let t0 = NewTree::parse("T0", "custard_apple", "Na dai", "2020-01-01", None).unwrap();
        trees::create(&s.store, &s.sealer, &Actor::system(), &a, &zone_row, t0)
            .await
            .unwrap();

        let everyone = [
            // Care is recorded by members only, not by a platform administrator.
            (
                "admin",
                &admin,
                [true, false, true, true, true, true, true, true, true],
            ),
            ("manager of A", &manager_a, [true; 9]),
            (
                "farmer of A",
                &farmer_a,
                [true, true, false, false, false, false, false, false, false],
            ),
            ("manager of B", &manager_b, [false; 9]),
            ("buyer", &buyer, [false; 9]),
        ];
        let mut n = 0;
        for (who, session, allowed) in everyone {
            let me = actor(s, session).await;
            for (action, want) in Action::ALL.into_iter().zip(allowed) {
                n += 1;
                let got: Result<(), Error> = match action {
                    Action::View => invitations::members(&s.store, &me, &a).await.map(|_| ()),
                    Action::Record => {
                        let entry = serde_json::json!({
                            "id": format!("0193a5c4-8f1e-7cc2-9d3a-5b0f2e6a1c{n:02}"),
                            "tree": "T0",
                            "recorded_at": 1_764_000_000_000i64,
                            "action": {"kind": "watered", "litres": 20},
                        });
                        let req = diary::SyncRequest {
                            coop: "NA-A".into(),
                            entries: vec![entry],
                        };
                        diary::sync(s, &me, req).await.map(|acks| {
                            assert_eq!(acks[0].status, diary::Status::Stored, "{who}: {acks:?}");
                        })
                    }
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
                    Action::ManageMembers => invitations::invite(
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
                    Action::Sell => {
                        // A season per attempt: each allowed one publishes its own offer.
                        let start = format!("{}-03-01", 2030 + n);
                        let end = format!("{}-09-30", 2030 + n);
                        let offer = NewOffer::parse(
                            &start,
                            &end,
                            5_500_000,
                            (40.0, 60.0),
                            30.0,
                            &["care"],
                            1,
                            false,
                            0,
                        )
                        .unwrap();
                        market::publish(s, &me, &a, "T0", &offer).await.map(|_| ())
                    }
                    Action::Trace => {
                        let q = trace::RecallQuery::parse("RG-1", "", "").unwrap();
                        trace::recall(s, &me, &a, q).await.map(|_| ())
                    }
                    Action::Export => {
                        let pass = secrecy::SecretString::from("a long passphrase");
                        server::archive::export(s, &me, &a, &pass, false, Vec::new())
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
        assert_eq!(n, 45);
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

#[tokio::test]
async fn a_session_in_use_stays_alive_for_the_season_and_an_unused_one_ends() {
    on_both(|db: Db| async move {
        let s = &db.services;
        let lan = accounts::sign_up(&s.store, "0900000001", "Lan", "a long password")
            .await
            .unwrap();
        let other = accounts::log_in(&s.store, "0900000001", "a long password")
            .await
            .unwrap();
        // Both sessions near their end: one is used, the other is not.
        let soon = server::clock::now_ms() + 3_600_000;
        db.raw_execute(&format!("UPDATE sessions SET expires_at = {soon}"))
            .await
            .unwrap();
        assert!(accounts::actor(&s.store, &lan.token)
            .await
            .unwrap()
            .is_some());
        db.raw_execute(&format!(
            "UPDATE sessions SET expires_at = expires_at - 3600000 - 1 WHERE expires_at = {soon}"
        ))
        .await
        .unwrap();
        assert!(
            accounts::actor(&s.store, &lan.token)
                .await
                .unwrap()
                .is_some(),
            "used a month ago at most: alive"
        );
        assert!(
            accounts::actor(&s.store, &other.token)
                .await
                .unwrap()
                .is_none(),
            "unused: it ended"
        );
    })
    .await;
}

#[tokio::test]
async fn an_api_token_reads_as_a_manager_of_its_one_cooperative_until_revoked() {
    use server::accounts::tokens;
    on_both(|db: Db| async move {
        let s = &db.services;
        let boss = actor(
            s,
            &accounts::sign_up(&s.store, "0900000001", "Quản lý", "a long password")
                .await
                .unwrap(),
        )
        .await;
        let a = coop_of(s, &boss, "NA-A").await;
        let b = coop_of(s, &boss, "NA-B").await;
        let boss = actor(
            s,
            &accounts::log_in(&s.store, "0900000001", "a long password")
                .await
                .unwrap(),
        )
        .await;
        let farmer = Actor {
            memberships: vec![server::access::Membership {
                role: Role::Farmer,
                ..boss.memberships[0].clone()
            }],
            ..boss.clone()
        };
        assert!(matches!(
            tokens::issue(&s.store, &farmer, &a, "Kế toán").await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            tokens::issue(&s.store, &boss, &a, "  ").await,
            Err(Error::Invalid(_))
        ));

        let (id, token) = tokens::issue(&s.store, &boss, &a, "Kế toán MISA")
            .await
            .unwrap();
        assert!(token.starts_with("goc_") && token.len() > 50, "{token}");
        let (_, other) = tokens::issue(&s.store, &boss, &b, "Cổng tỉnh")
            .await
            .unwrap();
        let reader = tokens::actor(&s.store, &token).await.unwrap().unwrap();
        assert!(reader.may(a.id, Action::Trace) && reader.may(a.id, Action::Sell));
        assert!(!reader.may(b.id, Action::View), "one cooperative only");
        assert!(!reader.is_admin);
        assert!(
            reader.account() != Some(boss.user_id),
            "it is nobody's account"
        );
        // A token that is not one, or only almost one.
        assert!(tokens::actor(&s.store, "goc_nope").await.unwrap().is_none());
        assert!(tokens::actor(&s.store, &token[..token.len() - 1])
            .await
            .unwrap()
            .is_none());
        let listed = tokens::list(&s.store, &boss, &a).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].name.as_str(), listed[0].created_by.as_str()),
            ("Kế toán MISA", "Quản lý")
        );
        assert!(listed[0].last_used_at.is_some() && listed[0].revoked_at.is_none());

        // Revoked through another cooperative: not found there. Through its own: gone.
        let b_id = tokens::list(&s.store, &boss, &b).await.unwrap()[0].id;
        assert!(matches!(
            tokens::revoke(&s.store, &boss, &a, b_id).await,
            Err(Error::NotFound(_))
        ));
        assert!(tokens::actor(&s.store, &other).await.unwrap().is_some());
        tokens::revoke(&s.store, &boss, &a, id).await.unwrap();
        assert!(tokens::actor(&s.store, &token).await.unwrap().is_none());
        assert!(matches!(
            tokens::revoke(&s.store, &boss, &a, id).await,
            Err(Error::NotFound(_))
        ));
        // A token cannot issue another (it is no person).
        let reader = tokens::actor(&s.store, &other).await.unwrap().unwrap();
        assert!(matches!(
            tokens::issue(&s.store, &reader, &b, "x").await,
            Err(Error::Forbidden)
        ));
    })
    .await;
}
