//! GS1 EPCIS 2.0 (JSON-LD) documents of a tree's, a zone's or a recall's history, from
//! the ledger: the registration as commissioning, care as ObjectEvents under Gốc's own
//! business steps (declared in the document's `@context`: CBV 2.0 has no harvesting,
//! fertilising or pruning), inputs with their lots, harvests as lots in kilograms (`KGM`),
//! shipments, adoptions as business transactions, corrections as error declarations.
//! Every event carries the entry's hash, so each can be checked against the signed log.
//! The mapping is specified in docs/epcis.md.

use std::collections::HashMap;

use ledger::{Date, Digest, Entry, Kind, Subject};
use serde_json::{json, Map, Value};

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::gs1::Gs1;
use crate::services::Services;
use crate::store::CooperativeRow;
use crate::text::vn_rfc3339;

/// The EPCIS 2.0 context every document names first.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
/// Gốc's vocabulary (business steps, extension fields): the `goc:` prefix.
pub const GOC_NAMESPACE: &str = "https://ns.goc.vn/epcis/";

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The URIs a document names things by: GS1 Digital Link URIs when the cooperative has
/// a GS1 company prefix, else this server's `/id/` URIs (both resolve here).
pub struct Names<'a> {
    pub base: &'a str,
    pub coop: &'a str,
    pub gs1: Option<Gs1>,
}

impl<'a> Names<'a> {
    pub fn of(s: &'a Services, coop: &'a CooperativeRow) -> Self {
        Self {
            base: &s.base_url,
            coop: &coop.code,
            gs1: Gs1::new(coop.gs1_prefix.as_deref()),
        }
    }
    pub fn tree(&self, code: &str) -> String {
        self.gs1
            .as_ref()
            .and_then(|g| g.tree_uri(self.base, code))
            .unwrap_or_else(|| format!("{}/id/{}/tree/{}", self.base, enc(self.coop), enc(code)))
    }
    pub fn zone(&self, code: &str) -> String {
        match &self.gs1 {
            Some(g) => g.zone_uri(self.base, code),
            None => format!("{}/id/{}/zone/{}", self.base, enc(self.coop), enc(code)),
        }
    }
    /// An input product's lot: the class of what was applied (none without a lot).
    pub fn input_lot(&self, product: &str, lot: &str) -> Option<String> {
        let lot = lot.trim();
        (!super::facts::key(lot).is_empty()).then(|| {
            format!(
                "urn:goc:input:{}:lot:{}",
                enc(&super::facts::key(product)),
                enc(lot)
            )
        })
    }
    /// A tree's harvest of one day: a lot of fruit.
    pub fn harvest_lot(&self, tree: &str, day: Date) -> String {
        format!(
            "urn:goc:harvest:{}:{}:{}",
            enc(self.coop),
            enc(tree),
            day.compact()
        )
    }
    pub fn event(&self, hash: &Digest) -> String {
        format!("urn:goc:entry:{}:{}", enc(self.coop), hash.to_hex())
    }
    pub fn photo(&self, hash: &Digest) -> String {
        format!("{}/photos/{}/full.jpg", self.base, hash.to_hex())
    }
}

/// What `goc:` names in the context: business steps and extension fields.
fn context() -> Value {
    json!([EPCIS_CONTEXT, { "goc": GOC_NAMESPACE }])
}

fn care_step(kind: &Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Watered { .. } => "goc:watering",
        Kind::Fertilised { .. } | Kind::FertilisedLot { .. } => "goc:fertilizing",
        Kind::Pruned { .. } => "goc:pruning",
        Kind::Sprayed { .. } | Kind::SprayedLot { .. } => "goc:spraying",
        Kind::Bagged { .. } => "goc:bagging",
        Kind::Flowering { .. } => "goc:flowering",
        Kind::FruitSet { .. } => "goc:fruit_setting",
        Kind::PestObserved { .. } => "inspecting",
        Kind::Note { .. } => "goc:noting",
        _ => return None,
    })
}

/// What the care entry said, as extension fields.
fn care_fields(kind: &Kind, names: &Names<'_>) -> (Map<String, Value>, Option<Value>) {
    let mut m = Map::new();
    let mut input = None;
    let mut put = |k: &str, v: Value| {
        m.insert(format!("goc:{k}"), v);
    };
    match kind {
        Kind::Watered { litres } => put("litres", json!(litres)),
        Kind::Fertilised { product, amount_g } => {
            put("product", json!(product));
            put("amountKg", json!(*amount_g as f64 / 1000.0));
        }
        Kind::FertilisedLot {
            product,
            amount,
            lot,
        } => {
            put("product", json!(product));
            put("lot", json!(lot));
            put(
                "amount",
                json!(format!(
                    "{} {}",
                    amount.thousandths as f64 / 1000.0,
                    amount.unit.symbol()
                )),
            );
            input = Some(json!({ "epcClass": names.input_lot(product, lot) }));
        }
        Kind::Sprayed {
            product,
            active_ingredient,
            dose,
            phi_days,
        } => {
            put("product", json!(product));
            put("activeIngredient", json!(active_ingredient));
            put("dose", json!(dose));
            put("preHarvestIntervalDays", json!(phi_days));
        }
        Kind::SprayedLot {
            product,
            active_ingredient,
            dose,
            lot,
            phi_days,
        } => {
            put("product", json!(product));
            put("activeIngredient", json!(active_ingredient));
            put("dose", json!(dose));
            put("lot", json!(lot));
            put("preHarvestIntervalDays", json!(phi_days));
            input = names
                .input_lot(product, lot)
                .map(|c| json!({ "epcClass": c }));
        }
        Kind::Pruned { note } | Kind::Flowering { note } => put("note", json!(note)),
        Kind::Note { text } => put("note", json!(text)),
        Kind::Bagged { fruits } => put("fruits", json!(fruits)),
        Kind::FruitSet { fruits, note } => {
            put("fruits", json!(fruits));
            put("note", json!(note));
        }
        Kind::PestObserved {
            pest,
            severity,
            note,
        } => {
            put("pest", json!(pest));
            put("severity", json!(severity));
            put("note", json!(note));
        }
        _ => {}
    }
    (m, input)
}

/// One entry of a tree's (or zone's) chain as EPCIS events; `at` is when what it states
/// happened (an amendment's, the original's).
fn events_of(
    e: &Entry,
    hash: &Digest,
    at: i64,
    zone: Option<&str>,
    names: &Names<'_>,
) -> Vec<Value> {
    let mut ev = Map::new();
    ev.insert("eventID".into(), json!(names.event(hash)));
    ev.insert("eventTime".into(), json!(vn_rfc3339(at)));
    ev.insert("recordTime".into(), json!(vn_rfc3339(e.received_at)));
    ev.insert("eventTimeZoneOffset".into(), json!("+07:00"));
    let (epc, tree) = match &e.subject {
        Subject::Tree(t) => (names.tree(t.as_str()), Some(t.as_str())),
        Subject::Zone(z) => (names.zone(z.as_str()), None),
        Subject::Cooperative => return Vec::new(),
    };
    if let Some(z) = zone {
        ev.insert("bizLocation".into(), json!({ "id": names.zone(z) }));
        ev.insert("goc:zoneCode".into(), json!(z));
    }
    ev.insert("goc:entryHash".into(), json!(hash.to_hex()));
    ev.insert("goc:logPosition".into(), json!(e.seq));
    if !e.photos.is_empty() {
        let photos: Vec<String> = e.photos.iter().map(|p| names.photo(p)).collect();
        ev.insert("goc:photos".into(), json!(photos));
    }
    let kind = match &e.kind {
        Kind::Amended {
            replacement,
            corrects,
            ..
        } => {
            ev.insert("goc:amends".into(), json!(names.event(corrects)));
            replacement.as_ref()
        }
        k => k,
    };
    let mut set = |pairs: Vec<(&str, Value)>| {
        for (k, v) in pairs {
            ev.insert(k.into(), v);
        }
    };
    match kind {
        Kind::TreeRegistered {
            species,
            variety,
            planted_on,
            ..
        } => set(vec![
            ("type", json!("ObjectEvent")),
            ("action", json!("ADD")),
            ("bizStep", json!("commissioning")),
            ("disposition", json!("active")),
            ("epcList", json!([epc])),
            (
                "ilmd",
                json!({
                    "goc:species": species, "goc:variety": variety, "goc:plantedOn": planted_on.to_string(),
                }),
            ),
        ]),
        Kind::ZoneRegistered {
            name,
            area_m2,
            crops,
        } => set(vec![
            ("type", json!("ObjectEvent")),
            ("action", json!("ADD")),
            ("bizStep", json!("commissioning")),
            ("epcList", json!([epc])),
            (
                "ilmd",
                json!({ "goc:name": name, "goc:areaM2": area_m2, "goc:crops": crops }),
            ),
        ]),
        Kind::StatusChanged { active, reason } => set(vec![
            ("type", json!("ObjectEvent")),
            ("action", json!(if *active { "ADD" } else { "DELETE" })),
            (
                "bizStep",
                json!(if *active {
                    "commissioning"
                } else {
                    "decommissioning"
                }),
            ),
            ("epcList", json!([epc])),
            ("goc:reason", json!(reason)),
        ]),
        Kind::Harvested { grams } | Kind::HarvestedGraded { grams, .. } => {
            let day = Date::from_unix_ms(at);
            let mut ilmd = json!({ "goc:harvestedFrom": epc, "goc:harvestDate": day.to_string() });
            if let Kind::HarvestedGraded { grade, .. } = kind {
                ilmd["goc:grade"] = json!(grade);
            }
            set(vec![
                ("type", json!("ObjectEvent")),
                ("action", json!("ADD")),
                ("bizStep", json!("goc:harvesting")),
                ("epcList", json!([])),
                (
                    "quantityList",
                    json!([{
                        "epcClass": names.harvest_lot(tree.unwrap_or_default(), day),
                        "quantity": *grams as f64 / 1000.0,
                        "uom": "KGM",
                    }]),
                ),
                ("ilmd", ilmd),
            ]);
        }
        Kind::Adopted { adoption, season } => set(vec![
            ("type", json!("TransactionEvent")),
            ("action", json!("ADD")),
            ("bizStep", json!("goc:adopting")),
            ("epcList", json!([epc])),
            (
                "bizTransactionList",
                json!([{ "type": "po", "bizTransaction": format!("urn:goc:adoption:{}", enc(adoption)) }]),
            ),
            ("goc:season", json!(season)),
        ]),
        k => {
            let Some(step) = care_step(k) else {
                return Vec::new();
            };
            let (fields, input) = care_fields(k, names);
            set(vec![
                ("type", json!("ObjectEvent")),
                ("action", json!("OBSERVE")),
                ("bizStep", json!(step)),
                ("epcList", json!([epc])),
            ]);
            if let Some(input) = input {
                ev.insert("goc:inputs".into(), json!([input]));
            }
            ev.extend(fields);
        }
    }
    vec![Value::Object(ev)]
}

/// A chain's entries as events, with corrections declared on what they correct.
fn chain_events(entries: &[(Entry, Digest)], zone: Option<&str>, names: &Names<'_>) -> Vec<Value> {
    let at_of: HashMap<Digest, i64> = entries.iter().map(|(e, h)| (*h, e.recorded_at)).collect();
    // What withdrew or replaced each entry: (declared at, the corrective event if any).
    let mut corrected: HashMap<Digest, (i64, Option<Digest>)> = HashMap::new();
    for (e, h) in entries {
        match &e.kind {
            Kind::Correction { corrects, .. } => {
                corrected.insert(*corrects, (e.recorded_at, None));
            }
            Kind::Amended { corrects, .. } => {
                corrected.insert(*corrects, (e.recorded_at, Some(*h)));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (e, h) in entries {
        let at = match &e.kind {
            Kind::Amended { corrects, .. } => at_of.get(corrects).copied().unwrap_or(e.recorded_at),
            _ => e.recorded_at,
        };
        for mut ev in events_of(e, h, at, zone, names) {
            if let Some((when, by)) = corrected.get(h) {
                let mut decl =
                    json!({ "declarationTime": vn_rfc3339(*when), "reason": "incorrect_data" });
                if let Some(by) = by {
                    decl["correctiveEventIDs"] = json!([names.event(by)]);
                }
                ev["errorDeclaration"] = decl;
            }
            out.push(ev);
        }
    }
    out
}

/// The shipments of an adoption as shipping events.
fn shipment_events(
    order_code: &str,
    tree: &str,
    shipments: &[crate::store::ShipmentRow],
    names: &Names<'_>,
) -> Vec<Value> {
    shipments
        .iter()
        .map(|sh| {
            let day = Date::parse_iso(&sh.sent_on).unwrap_or_else(|_| Date::from_unix_ms(sh.recorded_at));
            json!({
                "type": "ObjectEvent",
                "eventID": format!("urn:goc:shipment:{}:{}:{}", enc(names.coop), enc(order_code), sh.recorded_at),
                "eventTime": vn_rfc3339(day.start_ms() + 12 * 3_600_000),
                "recordTime": vn_rfc3339(sh.recorded_at),
                "eventTimeZoneOffset": "+07:00",
                "action": "OBSERVE",
                "bizStep": "shipping",
                "disposition": "in_transit",
                "epcList": [],
                "quantityList": [{
                    "epcClass": format!("urn:goc:harvest:{}:{}:season", enc(names.coop), enc(tree)),
                    "quantity": sh.grams as f64 / 1000.0,
                    "uom": "KGM",
                }],
                "bizTransactionList": [{ "type": "po", "bizTransaction": format!("urn:goc:order:{}", enc(order_code)) }],
                "goc:carrier": sh.carrier,
                "goc:tracking": sh.tracking,
            })
        })
        .collect()
}

fn document(events: Vec<Value>) -> Value {
    json!({
        "@context": context(),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": vn_rfc3339(now_ms()),
        "epcisBody": { "eventList": events },
    })
}

async fn chain(s: &Services, coop: i64, subject: &str) -> Result<Vec<(Entry, Digest)>> {
    s.store
        .entries_of(coop, subject)
        .await?
        .into_iter()
        .map(|r| {
            let e = Entry::decode(&r.bytes)
                .map_err(|e| Error::Internal(format!("a stored entry does not decode: {e}")))?;
            let h = Digest::leaf(&r.bytes);
            Ok((e, h))
        })
        .collect()
}

/// A tree's events and its adoptions' shipments.
async fn tree_events(
    s: &Services,
    coop: &CooperativeRow,
    tree: &str,
    zone: Option<&str>,
    names: &Names<'_>,
) -> Result<Vec<Value>> {
    let entries = chain(s, coop.id, &format!("tree:{tree}")).await?;
    let mut events = chain_events(&entries, zone, names);
    for a in s
        .store
        .adoptions_of_trees(coop.id, &[tree.to_owned()])
        .await?
    {
        let sent = s.store.shipments_of(a.order_id).await?;
        events.extend(shipment_events(&a.code, tree, &sent, names));
    }
    Ok(events)
}

/// One tree's whole history as an EPCIS document.
pub async fn tree_document(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    tree: &str,
) -> Result<Value> {
    actor.require(coop.id, Action::Trace)?;
    let detail = s
        .store
        .tree_detail(&coop.code, tree)
        .await?
        .ok_or(Error::NotFound("tree"))?;
    let names = Names::of(s, coop);
    let events = tree_events(s, coop, &detail.code, detail.zone_code.as_deref(), &names).await?;
    Ok(document(events))
}

/// Events a zone's document holds at most: beyond, export its trees one by one (found by
/// an outside probe: a big zone's document took seconds and a gigabyte at once).
pub const MAX_ZONE_EVENTS: usize = 50_000;

/// A zone's registration and the histories of every tree in it.
pub async fn zone_document(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    zone_id: i64,
) -> Result<Value> {
    actor.require(coop.id, Action::Trace)?;
    let zone = s
        .store
        .zones_of(coop.id)
        .await?
        .into_iter()
        .find(|z| z.id == zone_id)
        .ok_or(Error::NotFound("zone"))?;
    let names = Names::of(s, coop);
    let mut events = Vec::new();
    if let Some(code) = &zone.code {
        let entries = chain(s, coop.id, &format!("zone:{code}")).await?;
        events.extend(chain_events(&entries, Some(code), &names));
    }
    for tree in s.store.tree_codes_in_zone(coop.id, zone.id).await? {
        events.extend(tree_events(s, coop, &tree, zone.code.as_deref(), &names).await?);
        if events.len() > MAX_ZONE_EVENTS {
            return Err(Error::too_large(
                format!("Vùng này có hơn {MAX_ZONE_EVENTS} sự kiện: hãy xuất từng cây hoặc theo lô."),
                format!("This zone has over {MAX_ZONE_EVENTS} events: export its trees one by one, or a recall."),
            ));
        }
    }
    Ok(document(events))
}

/// A recall's reach: where the lot went on, the harvests at risk, the shipments.
pub async fn recall_document(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    recall: &super::Recall,
) -> Result<Value> {
    actor.require(coop.id, Action::Trace)?;
    let names = Names::of(s, coop);
    let wanted: std::collections::HashSet<String> = recall
        .touches
        .iter()
        .chain(&recall.harvests)
        .map(|t| t.hash.to_hex())
        .collect();
    let mut events = Vec::new();
    for tree in recall.trees() {
        let zone = recall
            .touches
            .iter()
            .find(|t| t.tree == tree)
            .and_then(|t| t.zone.clone());
        let entries = chain(s, coop.id, &format!("tree:{tree}")).await?;
        events.extend(
            chain_events(&entries, zone.as_deref(), &names)
                .into_iter()
                .filter(|ev| {
                    ev["goc:entryHash"]
                        .as_str()
                        .is_some_and(|h| wanted.contains(h))
                }),
        );
    }
    for a in &recall.adoptions {
        events.extend(shipment_events(&a.code, &a.tree, &a.shipments, &names));
    }
    Ok(document(events))
}
