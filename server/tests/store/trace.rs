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
use crate::market::{buyers, held, vnpay_report};
use crate::support::{on_both, Db};
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

/// The hand-built orchard: four trees, two lots, a withdrawn and an amended entry, an
/// adoption of CC001 paid and shipped today.
pub(crate) struct Orchard {
    pub(crate) c: server::store::CooperativeRow,
    f: Actor,
    pub(crate) manager: Actor,
    order_code: String,
    buyer_id: i64,
}

pub(crate) async fn orchard(db: &Db) -> Orchard {
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
    let people = buyers(db, 2).await;
    let order = held(s, &people[0], offer_id).await;
    let paid = vnpay_report(s, &order, "P1", true).await;
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

    Orchard {
        c,
        f,
        manager,
        order_code: order.code,
        buyer_id: people[0].user_id,
    }
}

#[tokio::test]
async fn a_recall_finds_every_tree_harvest_and_adopter_a_lot_reached_and_a_traceback_the_inputs() {
    on_both(|db| async move {
        let Orchard {
            c,
            f,
            manager,
            order_code,
            buyer_id,
        } = orchard(&db).await;
        let s: &Services = &db.services;
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
        // The harvests carry their trees' zone, learned from the lot's facts.
        assert!(a
            .harvests
            .iter()
            .all(|h| h.zone.as_deref() == Some("VN-TN-VNH-LHN-001-2023")));
        assert_eq!(a.grams_at_risk(), 30_000);
        assert_eq!(a.adoptions.len(), 1);
        assert_eq!(
            (a.adoptions[0].code.as_str(), a.adoptions[0].buyer_id),
            (order_code.as_str(), buyer_id)
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
        let notes = s.store.notifications_of(buyer_id, 10).await.unwrap();
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
            .any(|l| l.starts_with("gui_hang") && l.contains(&order_code) && l.contains(",4,")));

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
        assert!(tb
            .inputs
            .iter()
            .chain(&tb.harvests)
            .all(|t| t.zone.as_deref() == Some("VN-TN-VNH-LHN-001-2023")));
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

/// The EPCIS 2.0 JSON Schema (draft-07), formats checked too.
fn epcis_schema() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/standards/epcis/EPCIS-JSON-Schema.json"
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn events<'a>(doc: &'a Value, step: &str) -> Vec<&'a Value> {
    doc["epcisBody"]["eventList"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["bizStep"] == step)
        .collect()
}

#[tokio::test]
async fn epcis_exports_of_a_tree_a_zone_and_a_recall_validate_and_broken_ones_do_not() {
    on_both(|db| async move {
        let Orchard {
            c,
            manager,
            order_code,
            ..
        } = orchard(&db).await;
        let s: &Services = &db.services;
        let v = epcis_schema();
        let tree = trace::epcis::tree_document(s, &manager, &c, "CC001")
            .await
            .unwrap();
        assert_eq!(errors(&v, &tree), Vec::<String>::new(), "{tree:#}");
        assert_eq!(tree["@context"][0], trace::epcis::EPCIS_CONTEXT);
        let all = tree["epcisBody"]["eventList"].as_array().unwrap();
        assert!(all.iter().all(|e| e["eventTimeZoneOffset"] == "+07:00"
            && e["eventTime"].as_str().unwrap().ends_with("+07:00")));
        let uri = "https://goc.example/id/NA-LH/tree/CC001";
        let born = events(&tree, "commissioning");
        assert_eq!((born.len(), &born[0]["epcList"][0]), (1, &json!(uri)));
        assert_eq!(born[0]["goc:zoneCode"], "VN-TN-VNH-LHN-001-2023");
        let spray = events(&tree, "goc:spraying");
        assert_eq!(
            spray[0]["goc:inputs"][0]["epcClass"],
            "urn:goc:input:REGENT800WG:lot:RG-2401"
        );
        assert_eq!(spray[0]["goc:preHarvestIntervalDays"], 14);
        assert_eq!(spray[0]["goc:entryHash"].as_str().unwrap().len(), 64);
        let harvests = events(&tree, "goc:harvesting");
        let kg: Vec<&Value> = harvests
            .iter()
            .map(|h| &h["quantityList"][0]["quantity"])
            .collect();
        assert_eq!(
            kg,
            [&json!(10.0), &json!(3.0)],
            "in log order: day 65, then day 1"
        );
        assert!(harvests
            .iter()
            .all(|h| h["quantityList"][0]["uom"] == "KGM" && h["action"] == "ADD"));
        // The mistyped lot is declared an error, corrected by the amendment, which is
        // dated when the fertiliser went on.
        let fert = events(&tree, "goc:fertilizing");
        assert_eq!(fert.len(), 2);
        let (wrong, fixed) = (fert[0], fert[1]);
        assert_eq!(wrong["goc:lot"], "NPK-7");
        assert_eq!(wrong["errorDeclaration"]["reason"], "incorrect_data");
        assert_eq!(
            wrong["errorDeclaration"]["correctiveEventIDs"][0],
            fixed["eventID"]
        );
        assert_eq!(
            (fixed["goc:lot"].as_str(), &fixed["eventTime"]),
            (Some("NPK-77"), &wrong["eventTime"])
        );
        let shipped = events(&tree, "shipping");
        assert_eq!(shipped[0]["quantityList"][0]["quantity"], 4.0);
        assert_eq!(
            shipped[0]["bizTransactionList"][0]["bizTransaction"],
            format!("urn:goc:order:{order_code}")
        );
        let adopted: Vec<&Value> = all
            .iter()
            .filter(|e| e["type"] == "TransactionEvent")
            .collect();
        assert_eq!(adopted.len(), 1);

        let zone_id = s.store.zones_of(c.id).await.unwrap()[0].id;
        let zone = trace::epcis::zone_document(s, &manager, &c, zone_id)
            .await
            .unwrap();
        assert_eq!(errors(&v, &zone), Vec::<String>::new());
        let trees: std::collections::BTreeSet<&str> = events(&zone, "commissioning")
            .iter()
            .filter_map(|e| e["epcList"][0].as_str())
            .collect();
        assert_eq!(trees.len(), 5, "the zone and its four trees: {trees:?}");

        let a = trace::recall(
            s,
            &manager,
            &c,
            RecallQuery::parse("RG-2401", "", "60").unwrap(),
        )
        .await
        .unwrap();
        let recall = trace::epcis::recall_document(s, &manager, &c, &a)
            .await
            .unwrap();
        assert_eq!(errors(&v, &recall), Vec::<String>::new());
        let steps: Vec<&str> = recall["epcisBody"]["eventList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["bizStep"].as_str().unwrap())
            .collect();
        assert_eq!(
            steps.iter().filter(|s| **s == "goc:spraying").count(),
            3,
            "{steps:?}"
        );
        assert_eq!(steps.iter().filter(|s| **s == "goc:harvesting").count(), 2);
        assert_eq!(steps.iter().filter(|s| **s == "shipping").count(), 1);

        // Deliberately broken documents fail, each for its reason.
        let broken = |f: &dyn Fn(&mut Value)| {
            let mut d = tree.clone();
            f(&mut d);
            errors(&v, &d)
        };
        let first = |d: &mut Value| d["epcisBody"]["eventList"][0].clone();
        assert!(!broken(&|d| {
            d["epcisBody"]["eventList"][0]
                .as_object_mut()
                .unwrap()
                .remove("eventTimeZoneOffset");
        })
        .is_empty());
        assert!(
            !broken(&|d| d["epcisBody"]["eventList"][0]["eventTimeZoneOffset"] = json!("+7"))
                .is_empty()
        );
        assert!(
            !broken(&|d| d["epcisBody"]["eventList"][0]["action"] = json!("HARVEST")).is_empty()
        );
        assert!(
            !broken(&|d| d["epcisBody"]["eventList"][0]["eventTime"] = json!("yesterday"))
                .is_empty()
        );
        assert!(!broken(&|d| d["epcisBody"]["eventList"][0]["bizStep"] =
            json!("https://ns.gs1.org/cbv/BizStep-harvesting"))
        .is_empty());
        assert!(!broken(&|d| {
            let mut h = first(d);
            h["quantityList"] = json!([{ "epcClass": "urn:goc:x", "quantity": 1.0, "uom": "kg" }]);
            d["epcisBody"]["eventList"][0] = h;
        })
        .is_empty());
        assert!(!broken(&|d| {
            d.as_object_mut().unwrap().remove("schemaVersion");
        })
        .is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_season_report_adds_up_to_what_the_test_logged() {
    on_both(|db| async move {
        let Orchard { c, f, manager, .. } = orchard(&db).await;
        let s: &Services = &db.services;
        zone_and_tree(s, &c, "CC005").await;
        let start = ledger::Date::from_unix_ms(day0() - 30 * DAY).to_string();
        let q = server::reports::ReportQuery::parse(&start, "", "", "40.000", "").unwrap();
        let r = server::reports::season(s, &manager, &c, &q).await.unwrap();
        // What the orchard logged: CC001 10 + 3 kg, CC002 20 + 5 kg, CC003 7 kg.
        assert_eq!(r.harvest_g, (10 + 3 + 20 + 5 + 7) * 1000);
        assert_eq!((r.trees, r.adopted, r.revenue_vnd), (5, 1, 5_500_000));
        assert_eq!(r.revenue_per_adopted_tree, Some(5_500_000));
        // The adopted tree gave 13 kg: 520.000 đ as fruit at 40.000 đ/kg.
        assert_eq!(r.fruit_baseline_per_tree, Some(13 * 40_000));
        let cc002 = r.by_tree.iter().find(|t| t.0 == "CC002").unwrap();
        assert_eq!((cc002.3, cc002.4), (25_000, false));
        assert_eq!(r.by_zone.len(), 1);
        assert_eq!((r.by_zone[0].trees, r.by_zone[0].grams), (5, 45_000));
        assert_eq!(r.by_variety[0].name, "Na dai");
        // CC001's harvest on day 65, five days after a 14-day spray; CC003's spray was
        // withdrawn, so its harvest inside that interval does not count.
        assert_eq!(r.violations.len(), 1);
        assert_eq!(
            (r.violations[0].tree.as_str(), r.violations[0].phi_days),
            ("CC001", 14)
        );
        // Thirteen entries from one farmer, this week; only the new tree had no care.
        assert_eq!(r.activity.len(), 1);
        assert_eq!(r.activity[0].2, 13);
        assert_eq!(r.weekly()[0].1, 13);
        assert_eq!(r.idle, ["CC005"]);
        assert_eq!((r.care_asked, r.care_answered), (0, 0));

        // A range before anything happened: nothing harvested, nothing adopted.
        let early =
            server::reports::ReportQuery::parse("2020-01-01", "2020-12-31", "", "", "").unwrap();
        let none = server::reports::season(s, &manager, &c, &early)
            .await
            .unwrap();
        assert_eq!(
            (none.harvest_g, none.adopted, none.violations.len()),
            (0, 0, 0)
        );
        // The CSVs say the same.
        let csv = String::from_utf8(r.csv("trees").unwrap()).unwrap();
        assert!(
            csv.lines().any(|l| l == "CC002,Đồi na,Na dai,25,0"),
            "{csv}"
        );
        assert!(
            csv.lines().any(|l| l == "CC001,Đồi na,Na dai,13,1"),
            "{csv}"
        );
        assert!(r.csv("nothing").is_err());
        // Bad questions and people who may not ask.
        assert!(
            server::reports::ReportQuery::parse("2026-12-31", "2026-01-01", "", "", "").is_err()
        );
        assert!(server::reports::ReportQuery::parse("", "", "", "-5", "").is_err());
        let elsewhere = server::reports::ReportQuery::parse("", "", "99999", "", "").unwrap();
        let missing = server::reports::season(s, &manager, &c, &elsewhere)
            .await
            .unwrap_err();
        assert_eq!(missing.status(), axum::http::StatusCode::NOT_FOUND);
        let farmer = server::reports::season(s, &f, &c, &q).await.unwrap_err();
        assert_eq!(farmer.status(), axum::http::StatusCode::FORBIDDEN);
    })
    .await;
}
