//! After adopting, on both engines: gifts accepted once or returned after 15 days, the
//! harvest's way to the adopter, transfers confirmed by hand, and adopters told of their
//! tree's new diary entries once, in the app and by mail.

use axum::http::StatusCode;
use ledger::Kind;
use server::access::{Actor, Membership, Role};
use server::market;
use server::store::{Applied, OrderRow};
use server::Services;

use crate::market::{buyers, held, offer, vnpay_report};
use crate::support::on_both;

/// A manager of the test cooperative, made of a buyer-shaped account.
async fn manager_of(s: &Services, who: Actor) -> (Actor, server::store::CooperativeRow) {
    let c = server::cooperatives::by_code(&s.store, "NA-LH")
        .await
        .unwrap();
    let boss = Actor {
        memberships: vec![Membership {
            cooperative_id: c.id,
            code: c.code.clone(),
            name: c.name.clone(),
            role: Role::Manager,
            alias: "m1".into(),
        }],
        ..who
    };
    (boss, c)
}

/// A paid adoption of the test tree by `buyer`.
async fn adopted(s: &Services, buyer: &Actor) -> OrderRow {
    let offer_id = offer(s).await;
    let order = held(s, buyer, offer_id).await;
    let done = vnpay_report(s, &order, "P1", true).await;
    assert_eq!(done, Some(Applied::Confirmed));
    s.store.order_by_code(&order.code).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_gift_is_accepted_once_by_one_recipient_however_many_open_the_link() {
    on_both(|db| async move {
        let s = &db.services;
        let people = buyers(&db, 22).await;
        let (giver, stranger, crowd) = (&people[0], &people[1], &people[2..]);
        let order = adopted(s, giver).await;
        market::name_tree(s, giver, &order.code, "Na của Bống")
            .await
            .unwrap();
        market::choose_harvest(
            s,
            giver,
            &order.code,
            "delivery",
            "Nhà chị Bống, 0987 000 000",
            "",
        )
        .await
        .unwrap();
        market::request_care(s, giver, &order.code, "Cho tôi xem ảnh hoa")
            .await
            .unwrap();

        // Only the adopter gives, once at a time.
        let not_theirs = market::give(s, stranger, &order.code, "")
            .await
            .unwrap_err();
        assert_eq!(not_theirs.status(), StatusCode::NOT_FOUND);
        let token = market::give(s, giver, &order.code, "Chúc mừng sinh nhật")
            .await
            .unwrap();
        let twice = market::give(s, giver, &order.code, "").await.unwrap_err();
        assert_eq!(twice.status(), StatusCode::CONFLICT);
        let own = market::accept_gift(s, giver, &token).await.unwrap_err();
        assert_eq!(
            own.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "the giver's own link"
        );

        // Twenty people open the link at once: one gets the tree.
        let tasks: Vec<_> = crowd
            .iter()
            .cloned()
            .map(|who| {
                let (s, token) = (s.clone(), token.clone());
                tokio::spawn(async move {
                    market::accept_gift(&s, &who, &token)
                        .await
                        .map(|o| o.buyer_id)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(buyer) => winners.push(buyer),
                Err(e) => assert_eq!(e.status(), StatusCode::NOT_FOUND, "{e:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "{winners:?}");
        let now = s.store.order_by_code(&order.code).await.unwrap().unwrap();
        assert_eq!(now.buyer_id, winners[0]);
        assert_eq!(
            now.tree_name, None,
            "the giver's name for the tree goes with the giver"
        );
        assert!(s
            .store
            .adoptions_of(giver.user_id)
            .await
            .unwrap()
            .is_empty());
        // The giver's address and questions stay the giver's.
        assert_eq!(s.store.harvest_choice_of(order.id).await.unwrap(), None);
        assert!(s
            .store
            .care_requests_of_buyer(winners[0])
            .await
            .unwrap()
            .is_empty());
        let again = market::accept_gift(s, stranger, &token).await.unwrap_err();
        assert_eq!(again.status(), StatusCode::NOT_FOUND, "a used link");
        let told = s.store.notifications_of(giver.user_id, 10).await.unwrap();
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].topic, "gift");
        assert_eq!(
            told[0].text_vi,
            "Người nhận đã nhận món quà cây CC001 của bạn"
        );
        // The recipient may give it on in turn; the old giver no longer can.
        let gone = market::give(s, giver, &order.code, "").await.unwrap_err();
        assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_gift_nobody_accepts_in_15_days_stays_with_the_giver_who_is_told_once() {
    on_both(|db| async move {
        let s = &db.services;
        let [giver, late] = <[Actor; 2]>::try_from(buyers(&db, 2).await).unwrap();
        let order = adopted(s, &giver).await;
        let token = market::give(s, &giver, &order.code, "").await.unwrap();
        // Sixteen days pass.
        db.raw_execute("UPDATE gifts SET expires_at = expires_at - 16 * 86400000")
            .await
            .unwrap();
        let refused = market::accept_gift(s, &late, &token).await.unwrap_err();
        assert_eq!(refused.status(), StatusCode::NOT_FOUND);
        assert_eq!(market::return_lapsed_gifts(s).await.unwrap(), 1);
        assert_eq!(
            market::return_lapsed_gifts(s).await.unwrap(),
            0,
            "returned once"
        );
        let still = s.store.order_by_code(&order.code).await.unwrap().unwrap();
        assert_eq!(still.buyer_id, giver.user_id);
        let told = s.store.notifications_of(giver.user_id, 10).await.unwrap();
        assert_eq!(told.len(), 1);
        assert!(
            told[0].text_en.contains("still yours"),
            "{}",
            told[0].text_en
        );
        // A withdrawn gift's link is dead too, and a new gift can be made.
        let token = market::give(s, &giver, &order.code, "").await.unwrap();
        market::withdraw_gift(s, &giver, &order.code).await.unwrap();
        let dead = market::accept_gift(s, &late, &token).await.unwrap_err();
        assert_eq!(dead.status(), StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_harvest_choice_is_checked_against_the_offer_and_shipments_tell_the_adopter() {
    on_both(|db| async move {
        let s = &db.services;
        let [adopter, other] = <[Actor; 2]>::try_from(buyers(&db, 2).await).unwrap();
        let order = adopted(s, &adopter).await;
        // The offer includes delivery, not pickup.
        let pickup = market::choose_harvest(s, &adopter, &order.code, "pickup", "", "2027-08-01")
            .await
            .unwrap_err();
        assert_eq!(pickup.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let empty = market::choose_harvest(s, &adopter, &order.code, "delivery", "  ", "")
            .await
            .unwrap_err();
        assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let theirs = market::choose_harvest(s, &other, &order.code, "delivery", "Hà Nội", "")
            .await
            .unwrap_err();
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            s.store.harvest_choice_of(order.id).await.unwrap(),
            None,
            "nothing stored"
        );
        let chosen = market::choose_harvest(
            s,
            &adopter,
            &order.code,
            "delivery",
            "12 Hàng Bạc, Hà Nội",
            "",
        )
        .await
        .unwrap();
        assert_eq!(chosen.address.as_deref(), Some("12 Hàng Bạc, Hà Nội"));

        let (boss, c) = manager_of(s, other.clone()).await;
        let today = ledger::Date::from_unix_ms(server::clock::now_ms()).to_string();
        let tomorrow = ledger::Date::from_unix_ms(server::clock::now_ms() + 86_400_000).to_string();
        let by_buyer = market::record_shipment(
            s,
            &adopter,
            &c,
            &order.code,
            &today,
            12.5,
            "Viettel Post",
            "VTP1",
        )
        .await
        .unwrap_err();
        assert_eq!(by_buyer.status(), StatusCode::FORBIDDEN);
        for (day, kg) in [
            ("10/08/2027", 12.5),
            (today.as_str(), 0.0),
            (today.as_str(), 20_000.0),
            ("2020-01-01", 1.0),
            (tomorrow.as_str(), 1.0),
        ] {
            let bad =
                market::record_shipment(s, &boss, &c, &order.code, day, kg, "Viettel Post", "")
                    .await
                    .unwrap_err();
            assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "{day} {kg}");
        }
        let long = market::name_tree(s, &adopter, &order.code, &"x".repeat(41))
            .await
            .unwrap_err();
        assert_eq!(long.status(), StatusCode::UNPROCESSABLE_ENTITY);
        market::name_tree(s, &adopter, &order.code, "Na của Bống")
            .await
            .unwrap();
        let ship = |kg: f64| {
            market::record_shipment(
                s,
                &boss,
                &c,
                &order.code,
                &today,
                kg,
                "Viettel Post",
                "VTP1",
            )
        };
        let row = ship(12.5).await.unwrap();
        assert_eq!(row.grams, 12_500);
        assert_eq!(s.store.shipments_of(order.id).await.unwrap(), vec![row]);
        // The offer has two deliveries: a third is refused.
        ship(10.0).await.unwrap();
        assert_eq!(ship(1.0).await.unwrap_err().status(), StatusCode::CONFLICT);
        // The sales desk and its CSV see the choice and what was sent.
        let sale = s.store.sales_of(c.id).await.unwrap().remove(0);
        assert_eq!(
            (
                sale.harvest_method.as_deref(),
                sale.harvest_address.as_deref(),
                sale.shipped_g,
                sale.refunded_vnd
            ),
            (Some("delivery"), Some("12 Hàng Bạc, Hà Nội"), 22_500, 0)
        );
        let csv = String::from_utf8(market::sales_csv(&[sale]).unwrap()).unwrap();
        assert!(
            csv.contains(",delivery,12 Hàng Bạc, Hà Nội,22.5,0")
                || csv.contains(",delivery,\"12 Hàng Bạc, Hà Nội\",22.5,0"),
            "{csv}"
        );
        let told = s.store.notifications_of(adopter.user_id, 10).await.unwrap();
        assert_eq!(told.len(), 2);
        assert_eq!(
            told[1].text_vi,
            "Quả của cây “Na của Bống” (CC001) đã được gửi: 12,5 kg qua Viettel Post VTP1"
        );
    })
    .await;
}

#[tokio::test]
async fn a_transfer_confirmed_by_hand_pays_once_and_says_who() {
    on_both(|db| async move {
        let s = &db.services;
        let [buyer, clerk] = <[Actor; 2]>::try_from(buyers(&db, 2).await).unwrap();
        let offer_id = offer(s).await;
        let order = held(s, &buyer, offer_id).await;
        let (boss, c) = manager_of(s, clerk).await;
        let no_note = market::confirm_by_hand(s, &boss, &c, &order.code, " ")
            .await
            .unwrap_err();
        assert_eq!(no_note.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let by_buyer = market::confirm_by_hand(s, &buyer, &c, &order.code, "FT123")
            .await
            .unwrap_err();
        assert_eq!(by_buyer.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            market::confirm_by_hand(s, &boss, &c, &order.code, "FT26123456")
                .await
                .unwrap(),
            Applied::Confirmed
        );
        assert_eq!(
            market::confirm_by_hand(s, &boss, &c, &order.code, "FT26123456")
                .await
                .unwrap(),
            Applied::Replayed
        );
        let events = s.store.payment_events_of(order.id).await.unwrap();
        assert_eq!(
            events[0],
            ("paid".to_owned(), Some(format!("manual:{}", order.code)))
        );
        assert_eq!(
            s.store
                .order_by_code(&order.code)
                .await
                .unwrap()
                .unwrap()
                .state,
            "paid"
        );
        // A care request, answered once; the adopter is told.
        let id = market::request_care(s, &buyer, &order.code, "Đừng phun thuốc\nxin cảm ơn")
            .await
            .unwrap();
        market::answer_care(s, &boss, &c, id, "Vâng ạ")
            .await
            .unwrap();
        let twice = market::answer_care(s, &boss, &c, id, "Vâng")
            .await
            .unwrap_err();
        assert_eq!(twice.status(), StatusCode::NOT_FOUND);
        let told = s.store.notifications_of(buyer.user_id, 10).await.unwrap();
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].topic, "care");
        // A refund of a transfer is made by hand, and recorded so.
        let r = market::refunds::refund(
            s,
            &s.store.order_by_code(&order.code).await.unwrap().unwrap(),
            "shortfall",
            100_000,
        )
        .await
        .unwrap();
        assert_eq!(
            (r.provider.as_str(), r.state.as_str()),
            ("by_hand", "by_hand")
        );
        let twice = market::refunds::refund(
            s,
            &s.store.order_by_code(&order.code).await.unwrap().unwrap(),
            "shortfall",
            100_000,
        )
        .await
        .unwrap_err();
        assert_eq!(twice.status(), StatusCode::CONFLICT);
    })
    .await;
}

#[tokio::test]
async fn adopters_are_told_of_new_diary_entries_once_in_the_app_and_by_mail() {
    on_both(|db| async move {
        let s = &db.services;
        let [adopter] = <[Actor; 1]>::try_from(buyers(&db, 1).await).unwrap();
        db.raw_execute(&format!(
            "UPDATE users SET email = 'lan@example.vn' WHERE id = {}",
            adopter.user_id
        ))
        .await
        .unwrap();
        let order = adopted(s, &adopter).await;
        assert_eq!(
            server::notify::diary_round(s).await.unwrap(),
            0,
            "the adoption itself is no news"
        );
        let c = server::cooperatives::by_code(&s.store, "NA-LH")
            .await
            .unwrap();
        let subject = ledger::Subject::Tree(ledger::TreeCode::parse("CC001").unwrap());
        let key = server::zones::subject_key(&subject);
        let photo = ledger::Digest([7; 32]);
        for (kind, photos) in [
            (
                Kind::Pruned {
                    note: String::new(),
                },
                vec![],
            ),
            (Kind::Harvested { grams: 12_500 }, vec![photo]),
        ] {
            let make = server::log::entry_with_photos(
                subject.clone(),
                "farmer:1",
                server::clock::now_ms(),
                kind,
                photos,
            );
            s.store.append_entry(c.id, &key, make).await.unwrap();
        }
        assert_eq!(
            server::notify::diary_round(s).await.unwrap(),
            1,
            "one notice for both entries"
        );
        assert_eq!(
            server::notify::diary_round(s).await.unwrap(),
            0,
            "told once"
        );
        let told = s.store.notifications_of(adopter.user_id, 10).await.unwrap();
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].topic, "harvest");
        assert_eq!(
            told[0].text_vi,
            "Cây CC001 có 2 mục nhật ký mới, 1 ảnh. Đã thu hoạch 12,5 kg"
        );
        assert_eq!(
            s.store.unread_notifications(adopter.user_id).await.unwrap(),
            1
        );
        s.store
            .mark_notifications_read(adopter.user_id, 1)
            .await
            .unwrap();
        assert_eq!(
            s.store.unread_notifications(adopter.user_id).await.unwrap(),
            0
        );
        // With no SMTP server, the mail waits in the outbox.
        let outbox = s.store.outbox(10).await.unwrap();
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox[0].to_addr, "lan@example.vn");
        assert!(
            outbox[0].body.contains("https://goc.example/my-trees"),
            "{}",
            outbox[0].body
        );
        assert_eq!(server::notify::mail_round(s).await.unwrap(), 0);
        assert_eq!(s.store.outbox(10).await.unwrap()[0].sent_at, None);
        let _ = order;
    })
    .await;
}
