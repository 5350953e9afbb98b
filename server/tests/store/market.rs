//! The marketplace's storage: one buyer per tree and season under a crowd, holds that
//! lapse, payment reports applied once, on both engines.

use ledger::{Kind, TreeHistory};
use server::access::Actor;
use server::market::{self, Channel, NewOffer};
use server::store::{Applied, Hold};
use server::Services;

use crate::support::{on_both, Db};
use crate::{coop, zone_and_tree};

pub(crate) const PRICE: i64 = 5_500_000;

/// Buyers as rows (signing 200 people up would time argon2, not the marketplace).
pub(crate) async fn buyers(db: &Db, n: usize) -> Vec<Actor> {
    let mut out = Vec::new();
    for i in 0..n {
        db.raw_execute(&format!(
            "INSERT INTO users (phone, name, created_at) VALUES ('+8490{i:07}', 'Người mua {i}', 0)"
        ))
        .await
        .unwrap();
    }
    for i in 0..n {
        let phone = format!("+8490{i:07}");
        let user = db
            .services
            .store
            .user_by_identifier(&phone)
            .await
            .unwrap()
            .unwrap();
        out.push(Actor {
            user_id: user.id,
            name: user.name,
            is_admin: false,
            memberships: Vec::new(),
        });
    }
    out
}

/// The season's terms every test offer shares.
fn terms() -> NewOffer {
    NewOffer::parse(
        "2027-03-01",
        "2027-09-30",
        PRICE,
        (40.0, 60.0),
        30.0,
        &["care", "delivery"],
        2,
        true,
        40_000,
    )
    .unwrap()
}

/// A report about `order` from its own cooperative's VNPay terminal, for its amount, as
/// transaction `reference`: paid, or failed.
pub(crate) async fn vnpay_report(
    s: &Services,
    order: &server::store::OrderRow,
    reference: &str,
    paid: bool,
) -> Option<Applied> {
    let via = Channel {
        provider: "vnpay",
        cooperative_id: order.cooperative_id,
    };
    market::settle(
        s,
        via,
        reference,
        &order.code,
        order.amount_vnd,
        paid,
        "raw",
    )
    .await
    .unwrap()
}

/// Tree `code` of `c`, in a zone of its own, offered on `terms`; the offer's id.
async fn offered_tree(
    s: &Services,
    c: &server::store::CooperativeRow,
    code: &str,
    terms: &NewOffer,
) -> i64 {
    zone_and_tree(s, c, code).await;
    market::publish(s, &Actor::system(), c, code, terms)
        .await
        .unwrap()
}

pub(crate) async fn offer(s: &Services) -> i64 {
    let c = coop(s, "NA-LH").await;
    zone_and_tree(s, &c, "CC001").await;
    let o = terms();
    let id = market::publish(s, &Actor::system(), &c, "CC001", &o)
        .await
        .unwrap();
    let again = market::publish(s, &Actor::system(), &c, "CC001", &o)
        .await
        .unwrap_err();
    assert_eq!(
        again.status(),
        axum::http::StatusCode::CONFLICT,
        "one offer per tree and season"
    );
    id
}

/// The buyer's hold, which must succeed.
pub(crate) async fn held(s: &Services, buyer: &Actor, offer_id: i64) -> server::store::OrderRow {
    match market::hold(s, buyer, offer_id).await.unwrap() {
        Hold::Held(order) => *order,
        Hold::Taken => panic!("{} found the tree taken", buyer.name),
    }
}

/// Asserts that a payment left the order alone: still held, nothing on record.
async fn untouched(s: &Services, offer_id: i64, order_id: i64) {
    assert_eq!(states(s, offer_id).await, ["held"]);
    assert!(s
        .store
        .payment_events_of(order_id)
        .await
        .unwrap()
        .is_empty());
}

/// The first offer ([`offer`], tree CC001) and one for each of `more` trees of its
/// cooperative, on the same terms: the cooperative and the offers' ids, CC001's first.
async fn offers_of(s: &Services, more: &[&str]) -> (server::store::CooperativeRow, Vec<i64>) {
    let mut offers = vec![offer(s).await];
    let c = server::cooperatives::by_code(&s.store, "NA-LH")
        .await
        .unwrap();
    for code in more {
        offers.push(offered_tree(s, &c, code, &terms()).await);
    }
    (c, offers)
}

/// Each buyer's hold on the offer beside it, in order.
async fn held_each(s: &Services, crowd: &[Actor], offers: &[i64]) -> Vec<server::store::OrderRow> {
    let mut orders = Vec::new();
    for (buyer, &o) in crowd.iter().zip(offers) {
        orders.push(held(s, buyer, o).await);
    }
    orders
}

async fn states(s: &Services, offer_id: i64) -> Vec<String> {
    let orders = s.store.orders_of_offer(offer_id).await.unwrap();
    orders.into_iter().map(|o| o.state).collect()
}

#[tokio::test]
async fn two_hundred_buyers_at_once_make_exactly_one_hold() {
    on_both(|db| async move {
        let s = db.services.clone();
        let offer_id = offer(&s).await;
        let crowd = buyers(&db, 200).await;
        let tasks: Vec<_> = crowd
            .into_iter()
            .map(|b| {
                let s = s.clone();
                tokio::spawn(async move { market::hold(&s, &b, offer_id).await })
            })
            .collect();
        let mut held = 0;
        for t in tasks {
            match t.await.unwrap().unwrap() {
                Hold::Held(_) => held += 1,
                Hold::Taken => {}
            }
        }
        assert_eq!(held, 1);
        let orders = s.store.orders_of_offer(offer_id).await.unwrap();
        assert_eq!(orders.len(), 1, "the others stored nothing");
        assert_eq!(orders[0].state, "held");
    })
    .await;
}

#[tokio::test]
async fn a_lapsed_hold_frees_the_tree_and_the_same_buyer_gets_their_hold_back() {
    on_both(|db| async move {
        let s = &db.services;
        let offer_id = offer(s).await;
        let [a, b] = <[Actor; 2]>::try_from(buyers(&db, 2).await).unwrap();
        let first = held(s, &a, offer_id).await;
        let again = held(s, &a, offer_id).await;
        assert_eq!(first, again, "a second click is the same hold");
        assert_eq!(first.amount_vnd, PRICE, "at the offer's price");
        let none = market::hold(s, &a, offer_id + 1_000).await.unwrap_err();
        assert_eq!(none.status(), axum::http::StatusCode::NOT_FOUND);
        assert_eq!(market::hold(s, &b, offer_id).await.unwrap(), Hold::Taken);
        // A's hold lapses (15 minutes pass).
        db.raw_execute(&format!(
            "UPDATE orders SET held_until = 1 WHERE id = {}",
            first.id
        ))
        .await
        .unwrap();
        let second = held(s, &b, offer_id).await;
        assert_eq!(second.buyer_id, b.user_id);
        assert_eq!(states(s, offer_id).await, ["expired", "held"]);
    })
    .await;
}

#[tokio::test]
async fn a_payment_report_settles_its_order_once_and_the_adoption_is_logged_without_the_buyer() {
    on_both(|db| async move {
        let s = &db.services;
        let offer_id = offer(s).await;
        let [a, b] = <[Actor; 2]>::try_from(buyers(&db, 2).await).unwrap();
        let order = held(s, &a, offer_id).await;
        let settle = |r: &'static str, amount: i64, paid: bool| market::settle(s, Channel { provider: "vnpay", cooperative_id: order.cooperative_id }, r, &order.code, amount, paid, "raw");
        assert_eq!(settle("T1", PRICE - 1, true).await.unwrap(), Some(Applied::WrongAmount));
        assert_eq!(market::settle(s, Channel { provider: "vnpay", cooperative_id: order.cooperative_id }, "T1", "GOCNOSUCH", PRICE, true, "raw").await.unwrap(), None);
        assert_eq!(settle("T1", PRICE, true).await.unwrap(), Some(Applied::Confirmed));
        for _ in 0..10 {
            assert_eq!(settle("T1", PRICE, true).await.unwrap(), Some(Applied::Replayed));
        }
        assert_eq!(settle("T2", PRICE, true).await.unwrap(), Some(Applied::AlreadySettled), "a second payment");
        assert_eq!(settle("T3", PRICE, false).await.unwrap(), Some(Applied::AlreadySettled), "a late failure");
        let orders = s.store.orders_of_offer(offer_id).await.unwrap();
        assert_eq!(orders[0].state, "paid");
        assert_eq!(market::hold(s, &b, offer_id).await.unwrap(), Hold::Taken, "adopted");
        let events = s.store.payment_events_of(order.id).await.unwrap();
        let outcomes: Vec<&str> = events.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(outcomes.iter().filter(|o| **o == "paid").count(), 1);
        assert_eq!(outcomes.len(), 14, "every report is on record: {outcomes:?}");

        // The tree's chain: registered, then adopted under a pseudonym.
        let h = server::log::export_tree(&s.store, &s.sealer, "https://goc.example", "NA-LH", "CC001").await.unwrap();
        let json = serde_json::to_string(&h).unwrap();
        let summary = TreeHistory::from_json(&json).unwrap().verify().unwrap();
        let last = summary.entries.last().unwrap();
        assert!(matches!(&last.kind, Kind::Adopted { adoption, season } if *adoption == market::adoption_id(&order.code) && season == "2027"));
        assert!(!json.contains(&order.code) && !json.contains("Người mua") && !json.contains("+8490"));

        // The certificate: found by the pseudonym, from the verified history.
        let c = market::certificate(s, &order.adoption).await.unwrap();
        assert_eq!((c.tree_code.as_str(), c.season.as_str(), c.entry_seq), ("CC001", "2027", last.seq));
        assert_eq!(c.entry_hash, data_encoding::HEXLOWER.encode(&ledger::Digest::leaf(&last.encode()).0));
        assert_eq!(c.tree_name, None);
        assert!(c.is_adopter(a.user_id) && !c.is_adopter(b.user_id));
        // The adopter names the tree: the certificate and its PDF say so, diacritics and
        // all; the ledger does not.
        market::name_tree(s, &a, &order.code, "Bé Na").await.unwrap();
        let c = market::certificate(s, &order.adoption).await.unwrap();
        assert_eq!(c.tree_name.as_deref(), Some("Bé Na"));
        let pdf = market::certificate_pdf(s, &c).await.unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let file = std::env::temp_dir().join(format!("goc-certificate-{}.pdf", db.is_postgres()));
        std::fs::write(&file, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(&file)
            .arg("-")
            .output()
            .expect("pdftotext (install poppler-utils: make tools)");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Bé Na") && text.contains("CC001"), "{text}");
        let h = server::log::export_tree(&s.store, &s.sealer, "https://goc.example", "NA-LH", "CC001").await.unwrap();
        assert!(!serde_json::to_string(&h).unwrap().contains("Bé Na"));
        assert!(market::certificate(s, "ANOSUCHADOPTION").await.is_err());
    })
    .await;
}

#[tokio::test]
async fn a_failed_payment_frees_the_tree_and_a_late_one_after_another_buyer_is_owed_back() {
    on_both(|db| async move {
        let s = &db.services;
        let offer_id = offer(s).await;
        let [a, b, c] = <[Actor; 3]>::try_from(buyers(&db, 3).await).unwrap();
        let first = held(s, &a, offer_id).await;
        let r = vnpay_report(s, &first, "F1", false).await;
        assert_eq!(r, Some(Applied::Failed));
        let second = held(s, &b, offer_id).await;
        db.raw_execute(&format!(
            "UPDATE orders SET held_until = 1 WHERE id = {}",
            second.id
        ))
        .await
        .unwrap();
        let _third = held(s, &c, offer_id).await;
        // B's money arrives after B's hold lapsed and C took the tree.
        let r = vnpay_report(s, &second, "L1", true).await;
        assert_eq!(r, Some(Applied::RefundDue));
        assert_eq!(
            states(s, offer_id).await,
            ["cancelled", "refund_due", "held"]
        );
    })
    .await;
}

#[tokio::test]
async fn one_buyer_cannot_hold_a_whole_catalogue_and_late_money_after_a_cancel_is_owed_back() {
    on_both(|db| async move {
        let s = &db.services;
        let first = offer(s).await;
        let c = server::cooperatives::by_code(&s.store, "NA-LH")
            .await
            .unwrap();
        let o = NewOffer::parse(
            "2027-03-01",
            "2027-09-30",
            PRICE,
            (40.0, 60.0),
            30.0,
            &["care"],
            1,
            true,
            0,
        )
        .unwrap();
        let mut offers = vec![first];
        for tree in ["CC002", "CC003", "CC004"] {
            offers.push(offered_tree(s, &c, tree, &o).await);
        }
        let [eve, bob] = <[Actor; 2]>::try_from(buyers(&db, 2).await).unwrap();
        for &o in &offers[..3] {
            held(s, &eve, o).await;
        }
        let e = market::hold(s, &eve, offers[3]).await.unwrap_err();
        assert_eq!(e.status(), axum::http::StatusCode::CONFLICT);
        assert!(
            e.public_text().en.contains("holding 3 unpaid trees"),
            "{e:?}"
        );
        assert!(
            s.store.orders_of_offer(offers[3]).await.unwrap().is_empty(),
            "nothing stored"
        );
        assert_eq!(
            held(s, &eve, offers[0]).await.buyer_id,
            eve.user_id,
            "her own hold again"
        );
        held(s, &bob, offers[3]).await;

        // Eve cancels at the gateway; her bank transfer still arrives later.
        let eves = s.store.orders_of_offer(offers[0]).await.unwrap().remove(0);
        let cancel = vnpay_report(s, &eves, "C1", false).await;
        assert_eq!(cancel, Some(Applied::Failed));
        let late = market::settle(
            s,
            Channel {
                provider: "casso",
                cooperative_id: eves.cooperative_id,
            },
            "T9",
            &eves.code,
            PRICE,
            true,
            "late",
        )
        .await
        .unwrap();
        assert_eq!(
            late,
            Some(Applied::Confirmed),
            "the tree was still free: the money adopts it"
        );
        let again = vnpay_report(s, &eves, "C2", false).await;
        assert_eq!(
            again,
            Some(Applied::AlreadySettled),
            "a failure after payment changes nothing"
        );
        assert_eq!(states(s, offers[0]).await, ["paid"]);
    })
    .await;
}

#[tokio::test]
async fn a_short_harvest_is_settled_once_by_the_offers_policy_from_the_corrected_diary() {
    on_both(|db| async move {
        let s = &db.services;
        let offer_id = offer(s).await;
        let c = server::cooperatives::by_code(&s.store, "NA-LH")
            .await
            .unwrap();
        let [a, manager] = <[Actor; 2]>::try_from(buyers(&db, 2).await).unwrap();
        let order = held(s, &a, offer_id).await;
        let boss = Actor {
            memberships: vec![server::access::Membership {
                cooperative_id: c.id,
                code: c.code.clone(),
                name: c.name.clone(),
                role: server::access::Role::Manager,
                alias: "m1".into(),
            }],
            ..manager
        };
        let buyer = market::settle_harvest(s, &a, &c, &order.code)
            .await
            .unwrap_err();
        assert_eq!(buyer.status(), axum::http::StatusCode::FORBIDDEN);
        let early = market::settle_harvest(s, &boss, &c, &order.code)
            .await
            .unwrap_err();
        assert_eq!(
            early.status(),
            axum::http::StatusCode::NOT_FOUND,
            "not paid yet"
        );
        assert_eq!(
            vnpay_report(s, &order, "H1", true).await,
            Some(Applied::Confirmed)
        );
        // The season's harvests (August 2026): 12 kg, 10 kg, and 5 kg logged by mistake
        // and withdrawn; a harvest before the season does not count.
        let subject = ledger::Subject::Tree(ledger::TreeCode::parse("CC001").unwrap());
        let key = server::zones::subject_key(&subject);
        let during = market::settle_harvest(s, &boss, &c, &order.code)
            .await
            .unwrap_err();
        assert_eq!(
            during.status(),
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "the season runs"
        );
        // Time passes: the season was last year's.
        db.raw_execute("UPDATE offers SET starts_on = '2026-03-01', ends_on = '2026-09-30'")
            .await
            .unwrap();
        let august = 1_785_542_400_000; // 2026-08-01 UTC
        let mut hashes = Vec::new();
        for (at, kind) in [
            (
                august,
                Kind::HarvestedGraded {
                    grams: 12_000,
                    grade: "loại 1".into(),
                },
            ),
            (
                august + 86_400_000,
                Kind::HarvestedGraded {
                    grams: 10_000,
                    grade: String::new(),
                },
            ),
            (
                august + 2 * 86_400_000,
                Kind::HarvestedGraded {
                    grams: 5_000,
                    grade: String::new(),
                },
            ),
            (
                1_760_000_000_000,
                Kind::HarvestedGraded {
                    grams: 50_000,
                    grade: String::new(),
                },
            ),
        ] {
            let make = server::log::entry_now(subject.clone(), "farmer:1", at, kind);
            s.store.append_entry(c.id, &key, make).await.unwrap();
            let rows = s.store.entries_of(c.id, &key).await.unwrap();
            hashes.push(ledger::Digest::leaf(&rows.last().unwrap().bytes));
        }
        let withdraw = Kind::Correction {
            corrects: hashes[2],
            reason: "ghi nhầm".into(),
        };
        let make = server::log::entry_now(
            subject.clone(),
            "farmer:1",
            august + 3 * 86_400_000,
            withdraw,
        );
        s.store.append_entry(c.id, &key, make).await.unwrap();

        let row = market::settle_harvest(s, &boss, &c, &order.code)
            .await
            .unwrap();
        assert_eq!(
            (row.harvested_g, row.guaranteed_g, row.shortfall_g),
            (22_000, 30_000, 8_000)
        );
        assert_eq!(
            (row.compensation_vnd, row.policy.as_str()),
            (320_000, "refund"),
            "8 kg × 40.000 đ"
        );
        let again = market::settle_harvest(s, &boss, &c, &order.code)
            .await
            .unwrap_err();
        assert_eq!(again.status(), axum::http::StatusCode::CONFLICT);
        assert_eq!(s.store.settlement_of(order.id).await.unwrap(), Some(row));
    })
    .await;
}

#[tokio::test]
async fn reports_arriving_together_share_commits_and_each_gets_its_own_answer() {
    on_both(|db| async move {
        let s = &db.services;
        let (c, mut offers) = offers_of(s, &["CC002", "CC003", "CC004"]).await;
        // And a tree of another cooperative, whose log a group appends to beside the first.
        let other = coop(s, "NA-HB").await;
        offers.push(offered_tree(s, &other, "CC101", &terms()).await);
        // And a tree whose adoption cannot be built, and one whose adoption would go to
        // another tree's chain: each report fails, alone.
        let doomed = offered_tree(s, &c, "CC005", &terms()).await;
        let misfiled = offered_tree(s, &c, "CC006", &terms()).await;
        let crowd = buyers(&db, offers.len() + 2).await;
        let orders = held_each(s, &crowd, &offers).await;
        let doomed_order = held(s, &crowd[offers.len()], doomed).await;
        let misfiled_order = held(s, &crowd[offers.len() + 1], misfiled).await;
        // For each order: its payment reported 8 times (VNPay retrying), 2 reports with a
        // wrong amount; and 3 reports for no order; all at once.
        let mut calls = Vec::new();
        for (i, o) in orders.iter().enumerate() {
            for n in 0..10 {
                let (s, code, coop) = (s.clone(), o.code.clone(), o.cooperative_id);
                let (reference, amount) = if n < 8 {
                    (format!("P{i}"), PRICE)
                } else {
                    (format!("W{i}{n}"), PRICE + 1)
                };
                calls.push(tokio::spawn(async move {
                    (
                        i,
                        market::settle(
                            &s,
                            Channel {
                                provider: "vnpay",
                                cooperative_id: coop,
                            },
                            &reference,
                            &code,
                            amount,
                            true,
                            "raw",
                        )
                        .await
                        .unwrap(),
                    )
                }));
            }
        }
        for n in 0..3 {
            let (s, coop) = (s.clone(), c.id);
            calls.push(tokio::spawn(async move {
                (
                    usize::MAX,
                    market::settle(
                        &s,
                        Channel {
                            provider: "vnpay",
                            cooperative_id: coop,
                        },
                        &format!("U{n}"),
                        "GOCNOSUCH",
                        PRICE,
                        true,
                        "raw",
                    )
                    .await
                    .unwrap(),
                )
            }));
        }
        let alone = |code: &str, reference: &str, make: server::store::PaymentEntry| {
            let report = server::store::PaymentReport {
                provider: "vnpay",
                cooperative_id: c.id,
                provider_ref: reference.into(),
                order_code: code.into(),
                amount_vnd: PRICE,
                paid: true,
                raw: "raw".into(),
                at: 1,
            };
            let s = s.clone();
            tokio::spawn(async move { s.store.apply_payment(report, make).await })
        };
        let broken = alone(&doomed_order.code, "X1", |_, _| {
            Err(server::Error::Internal("no entry for this tree".into()))
        });
        let astray = alone(&misfiled_order.code, "X2", |_, _| {
            let never: server::store::BoxedEntry = Box::new(|_, _, _| unreachable!());
            Ok(("tree:CC002".into(), never))
        });
        let mut answers = vec![Vec::new(); orders.len()];
        let mut unknown = 0;
        for call in calls {
            match call.await.unwrap() {
                (usize::MAX, answer) => {
                    assert_eq!(answer, None);
                    unknown += 1;
                }
                (i, answer) => answers[i].push(answer.unwrap()),
            }
        }
        assert_eq!(unknown, 3);
        // Its own error: the builder's, not a group that broke off.
        let err = broken.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("no entry for this tree"), "{err}");
        let err = astray.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("is not its tree's chain"), "{err}");
        for (o, mut got) in orders.iter().zip(answers) {
            got.sort_by_key(|a| format!("{a:?}"));
            let mut want = vec![
                Applied::Confirmed,
                Applied::WrongAmount,
                Applied::WrongAmount,
            ];
            want.extend([Applied::Replayed; 7]);
            want.sort_by_key(|a| format!("{a:?}"));
            assert_eq!(got, want, "order {}", o.code);
            let events = s.store.payment_events_of(o.id).await.unwrap();
            assert_eq!(events.len(), 10, "every report on record");
            assert_eq!(events.iter().filter(|(e, _)| e == "paid").count(), 1);
            let c = if o.tree_code == "CC101" {
                "NA-HB"
            } else {
                "NA-LH"
            };
            let h = server::log::export_tree(
                &s.store,
                &s.sealer,
                "https://goc.example",
                c,
                &o.tree_code,
            )
            .await
            .unwrap();
            let summary = TreeHistory::from_json(&serde_json::to_string(&h).unwrap())
                .unwrap()
                .verify()
                .unwrap();
            let adopted = summary
                .entries
                .iter()
                .filter(|e| matches!(e.kind, Kind::Adopted { .. }))
                .count();
            assert_eq!(adopted, 1, "one adoption in {}'s chain", o.tree_code);
        }
        for &o in &offers {
            assert_eq!(states(s, o).await, ["paid"]);
        }
        // The failed reports left nothing behind: their orders still held, nothing on
        // record.
        untouched(s, doomed, doomed_order.id).await;
        untouched(s, misfiled, misfiled_order.id).await;
    })
    .await;
}

#[tokio::test]
async fn payments_and_diary_entries_appended_at_once_leave_one_log_that_checks() {
    on_both(|db| async move {
        let s = &db.services;
        let trees = ["CC001", "CC002", "CC003", "CC004", "CC005", "CC006"];
        let (c, offers) = offers_of(s, &trees[1..]).await;
        let orders = held_each(s, &buyers(&db, trees.len()).await, &offers).await;
        let f = crate::diary::farmer(s, &c, "0911000001").await;
        let before = server::cooperatives::by_code(&s.store, "NA-LH")
            .await
            .unwrap()
            .log_size;
        // Each order's payment reported three times, and five diary batches of one
        // entry per tree, all at once: both append to the same log, each from its own
        // connection.
        let mut payments = Vec::new();
        for (i, o) in orders.iter().enumerate() {
            for _ in 0..3 {
                let (s, o) = (s.clone(), o.clone());
                payments.push(tokio::spawn(async move {
                    vnpay_report(&s, &o, &format!("P{i}"), true).await
                }));
            }
        }
        let mut batches = Vec::new();
        for b in 0..5u32 {
            let (s, f) = (s.clone(), f.clone());
            batches.push(tokio::spawn(async move {
                let entries = (0..trees.len() as u32)
                    .map(|t| {
                        let n = b * 10 + t;
                        crate::diary::entry(
                            n,
                            trees[t as usize],
                            serde_json::json!({"kind": "watered", "litres": 40}),
                        )
                    })
                    .collect();
                crate::diary::sync(&s, &f, "NA-LH", entries).await
            }));
        }
        let mut answers = Vec::new();
        for p in payments {
            answers.push(p.await.unwrap());
        }
        answers.sort_by_key(|a| format!("{a:?}"));
        let mut want = vec![Some(Applied::Confirmed); 6];
        want.extend([Some(Applied::Replayed); 12]);
        want.sort_by_key(|a| format!("{a:?}"));
        assert_eq!(answers, want);
        for b in batches {
            let acks = b.await.unwrap();
            assert!(acks
                .iter()
                .all(|a| a.status == server::diary::Status::Stored));
        }
        let after = server::cooperatives::by_code(&s.store, "NA-LH")
            .await
            .unwrap()
            .log_size;
        assert_eq!(
            after,
            before + 6 + 30,
            "six adoptions and thirty diary entries"
        );
        let report = server::audit::verify(s, &["NA-LH".into()]).await.unwrap();
        assert!(
            report[0].1.problems.is_empty(),
            "{:?}",
            report[0].1.problems
        );
        for code in trees {
            let kinds: Vec<Kind> = s
                .store
                .entries_of(c.id, &format!("tree:{code}"))
                .await
                .unwrap()
                .iter()
                .map(|e| ledger::Entry::decode(&e.bytes).unwrap().kind)
                .collect();
            let adopted = kinds
                .iter()
                .filter(|k| matches!(k, Kind::Adopted { .. }))
                .count();
            let watered = kinds
                .iter()
                .filter(|k| matches!(k, Kind::Watered { .. }))
                .count();
            assert_eq!((adopted, watered), (1, 5), "{code}'s chain");
        }
    })
    .await;
}

#[tokio::test]
async fn a_changed_vnpay_secret_holds_for_the_next_report_at_once() {
    use secrecy::ExposeSecret;
    use server::payments::{providers, vnpay};
    on_both(|db| async move {
        let s = &db.services;
        let c = coop(s, "NA-LH").await;
        let secret_of = |s: Services| async move {
            let t = providers::vnpay_terminal(&s, "GOCTEST1").await.unwrap();
            t.map(|t| t.terminal.secret.expose_secret().to_owned())
        };
        assert_eq!(secret_of(s.clone()).await, None, "no terminal yet");
        for secret in ["first-secret-0123456789", "second-secret-0123456789"] {
            providers::set_vnpay(
                s,
                &Actor::system(),
                &c,
                "GOCTEST1",
                secret,
                vnpay::SANDBOX_PAY_URL,
            )
            .await
            .unwrap();
            // Read (and kept) by a report, then changed: the next report sees the change.
            assert_eq!(secret_of(s.clone()).await.as_deref(), Some(secret));
            assert_eq!(secret_of(s.clone()).await.as_deref(), Some(secret));
        }
    })
    .await;
}

#[tokio::test]
async fn payment_commits_outlive_a_cut_connection_and_stop_with_the_store() {
    on_both(|db| async move {
        let s = &db.services;
        let (c, offers) = offers_of(s, &["CC002"]).await;
        let (first, second) = (offers[0], offers[1]);
        let crowd = buyers(&db, 2).await;
        let a = held(s, &crowd[0], first).await;
        assert_eq!(
            vnpay_report(s, &a, "P1", true).await,
            Some(Applied::Confirmed)
        );
        if db.is_postgres() {
            // The server cuts the commits' connection between two reports, as a restart
            // or an idle timeout would; the call waits until it is gone. (A SQLite
            // connection has no server to lose.)
            db.raw_execute(&format!(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity \
                 WHERE application_name = '{}' AND datname = current_database()",
                server::store::COMMITS
            ))
            .await
            .unwrap();
        }
        let b = held(s, &crowd[1], second).await;
        assert_eq!(
            vnpay_report(s, &b, "P2", true).await,
            Some(Applied::Confirmed)
        );
        assert_eq!(states(s, second).await, ["paid"]);
        // Closed, the store refuses a report at once rather than leave it waiting.
        s.store.close().await;
        let via = Channel {
            provider: "vnpay",
            cooperative_id: c.id,
        };
        let late = market::settle(s, via, "P3", &b.code, PRICE, true, "raw").await;
        assert!(late.is_err());
    })
    .await;
}

#[tokio::test]
async fn a_report_settles_only_its_own_cooperatives_orders_and_nul_is_refused() {
    on_both(|db| async move {
        let s = &db.services;
        let offer_id = offer(s).await;
        let crowd = buyers(&db, 1).await;
        let order = held(s, &crowd[0], offer_id).await;
        let other = coop(s, "NA-HB").await;
        let via = |cooperative_id| Channel {
            provider: "vnpay",
            cooperative_id,
        };
        let pay = |via, reference: &'static str, code: String| {
            let s = s.clone();
            async move { market::settle(&s, via, reference, &code, PRICE, true, "raw").await }
        };
        // Through another cooperative's terminal: no such order there, and on record so.
        let r = pay(via(other.id), "E1", order.code.clone()).await.unwrap();
        assert_eq!(r, None);
        untouched(s, offer_id, order.id).await;
        // NUL in any text of a report: refused before it reaches a group (PostgreSQL's
        // text cannot hold it).
        let r = pay(via(order.cooperative_id), "E\0", order.code.clone()).await;
        assert_eq!(r.unwrap_err().status(), 422);
        let r = pay(via(order.cooperative_id), "E2", format!("{}\0", order.code)).await;
        assert_eq!(r.unwrap_err().status(), 422);
        assert_eq!(states(s, offer_id).await, ["held"]);
        // Through its own.
        let r = pay(via(order.cooperative_id), "E3", order.code.clone()).await;
        assert_eq!(r.unwrap(), Some(Applied::Confirmed));
        assert_eq!(states(s, offer_id).await, ["paid"]);
    })
    .await;
}
