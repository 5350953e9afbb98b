//! Recall and traceback on both engines, on a hand-built case: two lots over overlapping
//! trees and risk windows, a lot typed two ways, a withdrawn and an amended entry, a
//! harvest inside a spray's pre-harvest interval, and an adoption with a shipment.

use serde_json::{json, Value};
use server::access::{Actor, Membership, Role};
use server::market::{self, NewOffer};
use server::store::Applied;
use server::trace::{self, RecallQuery};
use server::Services;

use crate::diary::{farmer, id};
use crate::market::{buyers, held};
use crate::support::on_both;
use crate::{coop, zone_and_tree};

const DAY: i64 = 86_400_000;

/// The test's clock: day 0 is 100 days ago, so every entry is in the past and the
/// adoption's season runs today.
fn day0() -> i64 {
    let now = server::clock::now_ms();
    now - now.rem_euclid(DAY) - 100 * DAY
}

fn on(n: u32, day: i64, tree: &str, action: Value) -> Value {
    json!({ "id": id(1000 + n), "tree": tree, "recorded_at": day0() + day * DAY + i64::from(n), "action": action })
}

fn spray(product: &str, lot: &str) -> Value {
    json!({"kind": "sprayed", "product": product, "active_ingredient": "fipronil",
           "dose": "1 g/l", "lot": lot, "phi_days": 14})
}

fn fertiliser(lot: &str) -> Value {
    json!({"kind": "fertilised", "product": "NPK 16-16-8", "amount": 2, "unit": "kg", "lot": lot})
}

fn harvest(kg: f64) -> Value {
    json!({"kind": "harvested", "kg": kg, "grade": "loại 1"})
}

fn trees(r: &trace::Recall) -> Vec<&str> {
    r.trees().into_iter().collect()
}

#[tokio::test]
async fn a_recall_finds_every_tree_harvest_and_adopter_a_lot_reached_and_a_traceback_the_inputs() {
    on_both(|db| async move {
        let s: &Services = &db.services;
        let c = coop(s, "NA-LH").await;
        for t in ["CC001", "CC002", "CC003", "CC004"] {
            zone_and_tree(s, &c, t).await;
        }
        let f = farmer(s, &c, "0912000001").await;
        let sync = |entries: Vec<Value>| {
            let f = f.clone();
            async move {
                let req = server::diary::SyncRequest {
                    coop: "NA-LH".into(),
                    entries,
                };
                let acks = server::diary::sync(s, &f, req).await.unwrap();
                assert!(
                    acks.iter()
                        .all(|a| a.status == server::diary::Status::Stored),
                    "{acks:?}"
                );
                acks
            }
        };
        let acks = sync(vec![
            on(1, 60, "CC001", spray("Regent 800WG", "RG-2401")),
            on(2, 10, "CC002", spray("Regent 800WG", "RG-2401")),
            // The same lot typed another way.
            on(3, 20, "CC003", spray("Regent 800 WG", "rg 2401")),
            on(4, 15, "CC004", spray("Virtako", "RG-2401")),
            on(5, 5, "CC002", fertiliser("NPK-77")),
            on(6, 2, "CC001", fertiliser("NPK-7")),
            on(7, 65, "CC001", harvest(10.0)),
            on(8, 1, "CC001", harvest(3.0)),
            on(9, 50, "CC002", harvest(20.0)),
            on(10, 80, "CC002", harvest(5.0)),
            on(11, 30, "CC003", harvest(7.0)),
        ])
        .await;
        // CC003's spray was logged on the wrong tree; CC001's lot was mistyped.
        sync(vec![
            on(
                12,
                90,
                "CC003",
                json!({"kind": "correction", "corrects": acks[2].hash, "reason": "nhầm cây"}),
            ),
            on(
                13,
                91,
                "CC001",
                json!({"kind": "correction", "corrects": acks[5].hash, "reason": "sai số lô",
                "replacement": fertiliser("NPK-77")}),
            ),
        ])
        .await;

        // An adoption of CC001 whose season runs today, paid and shipped today.
        let today = ledger::Date::from_unix_ms(server::clock::now_ms());
        let start = ledger::Date::from_unix_ms(day0() - 20 * DAY);
        let end = ledger::Date::from_unix_ms(day0() + 160 * DAY);
        let o = NewOffer::parse(
            &start.to_string(),
            &end.to_string(),
            5_500_000,
            (40.0, 60.0),
            30.0,
            &["care", "delivery"],
            2,
            true,
            40_000,
        )
        .unwrap();
        let offer_id = market::publish(s, &Actor::system(), &c, "CC001", &o)
            .await
            .unwrap();
        let people = buyers(&db, 2).await;
        let order = held(s, &people[0], offer_id).await;
        let paid = market::settle(s, "vnpay", "P1", &order.code, 5_500_000, true, "paid")
            .await
            .unwrap();
        assert_eq!(paid, Some(Applied::Confirmed));
        let manager = Actor {
            memberships: vec![Membership {
                cooperative_id: c.id,
                code: c.code.clone(),
                name: c.name.clone(),
                role: Role::Manager,
                alias: "m1".into(),
            }],
            ..people[1].clone()
        };
        market::record_shipment(
            s,
            &manager,
            &c,
            &order.code,
            &today.to_string(),
            4.0,
            "Viettel Post",
            "VT1",
        )
        .await
        .unwrap();

        let ask = |lot: &str, product: &str| RecallQuery::parse(lot, product, "60").unwrap();

        // Lot A with its product: CC001 and CC002 (CC003's entry listed, withdrawn).
        let a = trace::recall(s, &manager, &c, ask("RG-2401", "regent 800wg"))
            .await
            .unwrap();
        assert_eq!(trees(&a), ["CC001", "CC002"]);
        let listed: Vec<(&str, bool)> = a
            .touches
            .iter()
            .map(|t| (t.tree.as_str(), t.withdrawn))
            .collect();
        assert_eq!(
            listed,
            [("CC002", false), ("CC003", true), ("CC001", false)]
        );
        assert_eq!(a.touches[0].zone.as_deref(), Some("VN-TN-VNH-LHN-001-2023"));
        assert_eq!(a.touches[0].at, day0() + 10 * DAY + 2);
        let at_risk: Vec<(&str, Option<i64>)> = a
            .harvests
            .iter()
            .map(|h| (h.tree.as_str(), h.grams))
            .collect();
        assert_eq!(at_risk, [("CC002", Some(20_000)), ("CC001", Some(10_000))]);
        assert_eq!(a.grams_at_risk(), 30_000);
        assert_eq!(a.adoptions.len(), 1);
        assert_eq!(
            (a.adoptions[0].code.as_str(), a.adoptions[0].buyer_id),
            (order.code.as_str(), people[0].user_id)
        );
        assert_eq!(a.adoptions[0].shipments.len(), 1);
        assert_eq!(a.adoptions[0].shipments[0].grams, 4_000);

        // Without the product, CC004's other product with the same lot number is in.
        let any = trace::recall(s, &manager, &c, ask("rg2401", ""))
            .await
            .unwrap();
        assert_eq!(trees(&any), ["CC001", "CC002", "CC004"]);
        // A narrower window leaves CC002's harvest (40 days after) out.
        let narrow = trace::recall(
            s,
            &manager,
            &c,
            RecallQuery::parse("RG-2401", "", "30").unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(narrow.grams_at_risk(), 10_000);

        // Lot B: CC002, and CC001 by its amendment, dated when the fertiliser went on.
        let b = trace::recall(s, &manager, &c, ask("NPK-77", ""))
            .await
            .unwrap();
        assert_eq!(trees(&b), ["CC001", "CC002"]);
        let cc001 = b.touches.iter().find(|t| t.tree == "CC001").unwrap();
        assert!(cc001.amends && !cc001.withdrawn);
        assert_eq!(cc001.at, day0() + 2 * DAY + 6);
        assert_eq!(
            b.grams_at_risk(),
            20_000,
            "CC001 harvested before (day 1) and after (day 65) its window"
        );
        assert_eq!(
            b.adoptions.len(),
            1,
            "CC001's season (from day -20) overlaps B's window on it"
        );
        assert!(
            b.adoptions[0].shipments.is_empty(),
            "shipped today, after B's window closed"
        );
        // The mistyped lot: found, withdrawn, reaching nothing.
        let typo = trace::recall(s, &manager, &c, ask("NPK-7", ""))
            .await
            .unwrap();
        assert_eq!((typo.touches.len(), typo.touches[0].withdrawn), (1, true));
        assert!(trees(&typo).is_empty() && typo.harvests.is_empty() && typo.adoptions.is_empty());
        // Nothing with a lot nobody used.
        assert!(trace::recall(s, &manager, &c, ask("XYZ", ""))
            .await
            .unwrap()
            .touches
            .is_empty());

        // The adopter is told once, however often the manager presses the button.
        assert_eq!(trace::notify_reached(s, &manager, &c, &a).await.unwrap(), 1);
        assert_eq!(trace::notify_reached(s, &manager, &c, &a).await.unwrap(), 0);
        let notes = s
            .store
            .notifications_of(people[0].user_id, 10)
            .await
            .unwrap();
        assert_eq!(
            notes
                .iter()
                .filter(|n| n.text_vi.contains("RG-2401"))
                .count(),
            1,
            "{notes:?}"
        );
        let csv = String::from_utf8(trace::recall_csv(&a).unwrap()).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert_eq!(csv.lines().filter(|l| l.starts_with("su_dung")).count(), 3);
        assert_eq!(
            csv.lines().filter(|l| l.starts_with("thu_hoach")).count(),
            2
        );
        assert!(csv
            .lines()
            .any(|l| l.starts_with("gui_hang") && l.contains(&order.code) && l.contains(",4,")));

        // Traceback from CC001's harvest on day 65: both inputs (the mistyped one withdrawn,
        // its amendment standing), both harvests, and the harvest 5 days after a spray
        // whose interval is 14 days.
        let until = ledger::Date::from_unix_ms(day0() + 65 * DAY);
        let tb = trace::traceback(s, &manager, &c, "CC001", until, 70)
            .await
            .unwrap();
        let inputs: Vec<(&str, bool)> = tb
            .inputs
            .iter()
            .map(|t| (t.lot.as_str(), t.withdrawn))
            .collect();
        assert_eq!(
            inputs,
            [("NPK-7", true), ("NPK-77", false), ("RG-2401", false)]
        );
        assert_eq!(tb.harvests.len(), 2);
        let late = tb
            .harvests
            .iter()
            .find(|h| h.grams == Some(10_000))
            .unwrap();
        let sprayed = tb.inputs.iter().find(|t| t.lot == "RG-2401").unwrap();
        assert_eq!(tb.violations, [(late.seq, sprayed.seq)]);
        let unknown = trace::traceback(s, &manager, &c, "CC999", until, 70)
            .await
            .unwrap_err();
        assert_eq!(unknown.status(), axum::http::StatusCode::NOT_FOUND);

        // A farmer may not run a recall (it lists buyers), nor may another cooperative.
        let refused = trace::recall(s, &f, &c, ask("RG-2401", ""))
            .await
            .unwrap_err();
        assert_eq!(refused.status(), axum::http::StatusCode::FORBIDDEN);
        // Bad questions say what is wrong.
        assert!(RecallQuery::parse(" -/ ", "", "").is_err());
        assert!(RecallQuery::parse("A1", "", "400").is_err());
        assert_eq!(RecallQuery::parse("A1", "", "").unwrap().window_days, 60);
    })
    .await;
}
