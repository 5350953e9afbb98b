//! The marketplace: a cooperative offers a tree's season of care; a buyer holds it while
//! paying; a provider's signed report settles the order, and a paid adoption goes into the
//! tree's public chain (kind 40) under a pseudonym, never the buyer's name.

mod adoption;
pub mod catalogue;
mod certificate;
pub mod refunds;

pub use adoption::{
    accept_gift, choose_harvest, confirm_by_hand, gift, give, name_tree, own_order,
    record_shipment, return_lapsed_gifts, withdraw_gift, GIFT_MS,
};

pub use certificate::{certificate, certificate_pdf, Certificate};

use ledger::{Kind, Subject, TreeCode};

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::log::entry_now;
use crate::services::Services;
use crate::store::{
    Applied, BoxedEntry, CareRequestRow, CooperativeRow, Hold, OfferInsert, OrderRow,
    PaymentReport, SaleRow, SettlementRow,
};
use crate::zones::subject_key;

/// How long checkout holds a tree while payment runs; VNPay's pay URL expires with it.
pub const HOLD_MS: i64 = 15 * 60 * 1000;
/// Unpaid holds one buyer may have at once: enough to compare a few trees, too few to
/// block a cooperative's catalogue (an outside probe held 8 of 10 offers in a second).
pub const MAX_OPEN_HOLDS: i64 = 3;

/// The states of an order (the `orders.state` column allows these five), in the order the
/// sales desk offers them as filters.
pub const ORDER_STATES: [&str; 5] = ["held", "paid", "refund_due", "expired", "cancelled"];

/// An order's state as it stands at `now`: a hold whose time has run out is expired,
/// though its row says `held` until the next hold on the same offer writes so
/// ([`crate::store::Store::hold`] expires lapsed holds only then).
pub fn state_at(state: &str, held_until: i64, now: i64) -> &str {
    if state == "held" && held_until <= now {
        "expired"
    } else {
        state
    }
}

/// The sales desk's filter by state, from its address (`?state=paid`): empty is every
/// order; anything but one of [`ORDER_STATES`] is refused.
pub fn state_filter(typed: &str) -> Result<Option<&'static str>> {
    if typed.is_empty() {
        return Ok(None);
    }
    match ORDER_STATES.into_iter().find(|s| *s == typed) {
        Some(s) => Ok(Some(s)),
        None => Err(Error::invalid(
            "Không có trạng thái đơn này; hãy chọn một trạng thái trong danh sách",
            "There is no such order state; choose one from the list",
        )),
    }
}

/// What a buyer gets with an adoption.
pub const INCLUDES: [&str; 7] = [
    "care",
    "delivery",
    "pickup",
    "visits",
    "naming",
    "sign",
    "no_chemical_sprays",
];

/// An offer as a manager fills it in, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOffer {
    pub season: String,
    pub starts_on: String,
    pub ends_on: String,
    pub price_vnd: i64,
    pub expected_g: (i64, i64),
    pub guaranteed_g: i64,
    pub includes: Vec<String>,
    pub deliveries: i64,
    pub refund_shortfall: bool,
    pub shortfall_vnd_per_kg: i64,
}

fn date(s: &str, what: (&str, &str)) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        Error::invalid(
            format!("{} phải là ngày dạng 2027-03-01", what.0),
            format!("{} must be a date like 2027-03-01", what.1),
        )
    })
}

impl NewOffer {
    /// Checks an offer: a season of at most 18 months, a positive price, a yield range
    /// with the guarantee inside it, known inclusions.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        starts_on: &str,
        ends_on: &str,
        price_vnd: i64,
        expected_kg: (f64, f64),
        guaranteed_kg: f64,
        includes: &[&str],
        deliveries: i64,
        refund_shortfall: bool,
        shortfall_vnd_per_kg: i64,
    ) -> Result<Self> {
        let start = date(starts_on, ("Ngày bắt đầu", "The start"))?;
        let end = date(ends_on, ("Ngày kết thúc", "The end"))?;
        if end <= start || (end - start).num_days() > 548 {
            return Err(Error::invalid(
                "Mùa vụ kết thúc sau ngày bắt đầu và dài tối đa 18 tháng",
                "A season ends after it starts and lasts at most 18 months",
            ));
        }
        if !(1_000..=10_000_000_000).contains(&price_vnd) {
            return Err(Error::invalid(
                "Giá từ 1.000 đ đến 10 tỷ đ",
                "The price is between 1,000 VND and 10 billion VND",
            ));
        }
        let grams = |kg: f64| (kg * 1000.0).round() as i64;
        let (low, high, floor) = (
            grams(expected_kg.0),
            grams(expected_kg.1),
            grams(guaranteed_kg),
        );
        let sane = |g: i64| (0..=10_000_000).contains(&g);
        if !(sane(low) && sane(high) && sane(floor)) || low > high || floor > low {
            return Err(Error::invalid(
                "Sản lượng dự kiến: từ ≤ đến, và mức đảm bảo không quá mức thấp nhất",
                "Expected yield: from ≤ to, and the guaranteed minimum no more than the low end",
            ));
        }
        if let Some(odd) = includes.iter().find(|i| !INCLUDES.contains(i)) {
            return Err(Error::invalid(
                format!("Quyền lợi không rõ: {odd}"),
                format!("Unknown inclusion: {odd}"),
            ));
        }
        if !(0..=24).contains(&deliveries) || !(0..=100_000_000).contains(&shortfall_vnd_per_kg) {
            return Err(Error::invalid(
                "Số lần giao hàng 0–24; giá bù mỗi kg không âm",
                "Deliveries 0–24; the shortfall price per kg is not negative",
            ));
        }
        Ok(Self {
            season: start.format("%Y").to_string(),
            starts_on: start.to_string(),
            ends_on: end.to_string(),
            price_vnd,
            expected_g: (low, high),
            guaranteed_g: floor,
            includes: includes.iter().map(|s| (*s).to_owned()).collect(),
            deliveries,
            refund_shortfall,
            shortfall_vnd_per_kg,
        })
    }
}

/// Publishes an offer for one of the cooperative's trees.
pub async fn publish(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    tree_code: &str,
    offer: &NewOffer,
) -> Result<i64> {
    actor.require(coop.id, Action::Sell)?;
    let tree = s
        .store
        .tree_row(coop.id, tree_code)
        .await?
        .filter(|t| t.status == "active")
        .ok_or(Error::NotFound("tree"))?;
    s.store
        .insert_offer(&OfferInsert {
            cooperative_id: coop.id,
            tree_id: tree.id,
            season: offer.season.clone(),
            starts_on: offer.starts_on.clone(),
            ends_on: offer.ends_on.clone(),
            price_vnd: offer.price_vnd,
            expected_min_g: offer.expected_g.0,
            expected_max_g: offer.expected_g.1,
            guaranteed_g: offer.guaranteed_g,
            includes: offer.includes.join(","),
            deliveries: offer.deliveries,
            shortfall_policy: if offer.refund_shortfall {
                "refund"
            } else {
                "credit"
            }
            .into(),
            shortfall_vnd_per_kg: offer.shortfall_vnd_per_kg,
            created_at: now_ms(),
        })
        .await
}

/// The cooperative's orders for its managers: holds, payments, refunds due; each in its
/// state as it stands now ([`state_at`]), so the desk, the CSV and the API agree.
pub async fn sales(s: &Services, actor: &Actor, coop: &CooperativeRow) -> Result<Vec<SaleRow>> {
    actor.require(coop.id, Action::Sell)?;
    let now = now_ms();
    let mut rows = s.store.sales_of(coop.id).await?;
    for r in &mut rows {
        r.state = state_at(&r.state, r.held_until, now).to_owned();
    }
    Ok(rows)
}

/// Orders as CSV for a spreadsheet (UTF-8 with a byte-order mark, which Excel needs to
/// show Vietnamese), times in Vietnam's time.
pub fn sales_csv(rows: &[SaleRow]) -> Result<Vec<u8>> {
    let when = |ms: i64| crate::payments::vnpay::vn_time(ms);
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let io = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    out.write_record([
        "ma_thanh_toan",
        "cay",
        "mua_vu",
        "trang_thai",
        "so_tien_vnd",
        "dat_luc",
        "giu_den",
        "thanh_toan_luc",
        "qua",
        "nguoi_mua",
        "dien_thoai",
        "email",
        "lan_bao_thanh_toan",
        "nhan_qua",
        "dia_chi_hoac_ngay_nhan",
        "da_gui_kg",
        "da_hoan_vnd",
    ])
    .map_err(io)?;
    for r in rows {
        out.write_record(
            [
                r.code.clone(),
                r.tree_code.clone(),
                r.season.clone(),
                r.state.clone(),
                r.amount_vnd.to_string(),
                when(r.created_at),
                when(r.held_until),
                r.paid_at.map(when).unwrap_or_default(),
                r.paid_by.clone().unwrap_or_default(),
                r.buyer_name.clone(),
                r.buyer_phone.clone().unwrap_or_default(),
                r.buyer_email.clone().unwrap_or_default(),
                r.payment_calls.to_string(),
                r.harvest_method.clone().unwrap_or_default(),
                r.harvest_address.clone().unwrap_or_default(),
                (r.shipped_g as f64 / 1000.0).to_string(),
                r.refunded_vnd.to_string(),
            ]
            .map(|c| crate::text::csv_cell(&c)),
        )
        .map_err(io)?;
    }
    out.into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}

/// An adopter asks the cooperative something about their tree (their paid order only).
pub async fn request_care(
    s: &Services,
    actor: &Actor,
    order_code: &str,
    text: &str,
) -> Result<i64> {
    let buyer = actor.account().ok_or(Error::Unauthorized)?;
    let order = s
        .store
        .order_by_code(order_code)
        .await?
        .filter(|o| o.buyer_id == buyer && o.state == "paid")
        .ok_or(Error::NotFound("order"))?;
    let text = crate::text::required_paragraph(("Yêu cầu", "The request"), text, 1_000)?;
    s.store.insert_care_request(order.id, &text, now_ms()).await
}

/// The cooperative answers a care request, once.
pub async fn answer_care(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    id: i64,
    answer: &str,
) -> Result<()> {
    actor.require(coop.id, Action::Sell)?;
    let answer = crate::text::required_paragraph(("Câu trả lời", "The answer"), answer, 1_000)?;
    let by = actor.account().ok_or(Error::Forbidden)?;
    let order_id = s
        .store
        .answer_care_request(coop.id, id, &answer, by, now_ms())
        .await?
        .ok_or(Error::NotFound("care request"))?;
    if let Some(order) = s.store.order_by_id(order_id).await? {
        let what = crate::notify::Telling::CareAnswered;
        crate::notify::tell(s, &order, what, &format!("care:{id}")).await?;
    }
    Ok(())
}

/// The cooperative's care requests, unanswered first.
pub async fn care_requests(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
) -> Result<Vec<CareRequestRow>> {
    actor.require(coop.id, Action::Sell)?;
    s.store.care_requests_of_cooperative(coop.id).await
}

/// Grams harvested from a tree between two days (inclusive), from its diary with every
/// correction applied: what the buyer's season gave.
pub async fn harvested_grams(
    s: &Services,
    cooperative_id: i64,
    tree_code: &str,
    from: &str,
    to: &str,
) -> Result<u64> {
    let subject = subject_key(&Subject::Tree(TreeCode::parse(tree_code)?));
    let rows = s.store.entries_of(cooperative_id, &subject).await?;
    let chain = crate::diary::timeline::check_chain(&rows)
        .map_err(|d| Error::Internal(format!("the diary of {tree_code} is damaged: {d:?}")))?;
    let (from, to) = (
        ledger::Date::parse_iso(from).map_err(|_| Error::Internal("offer start".into()))?,
        ledger::Date::parse_iso(to).map_err(|_| Error::Internal("offer end".into()))?,
    );
    Ok(crate::diary::timeline::build(&chain)
        .iter()
        .filter(|i| {
            let day = ledger::Date::from_unix_ms(i.recorded_at);
            from <= day && day <= to
        })
        .filter_map(|i| match i.effective() {
            Some(Kind::Harvested { grams } | Kind::HarvestedGraded { grams, .. }) => Some(*grams),
            _ => None,
        })
        .sum())
}

/// Settles a paid adoption's season once the harvest is in: the harvested weight against
/// the guaranteed minimum, and a shortfall made good by the offer's policy at its price
/// per kg (integer VND, rounded down to the đồng). Once per order.
pub async fn settle_harvest(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    order_code: &str,
) -> Result<SettlementRow> {
    actor.require(coop.id, Action::Sell)?;
    let by = actor.account().ok_or(Error::Forbidden)?;
    let order = s
        .store
        .order_by_code(order_code)
        .await?
        .filter(|o| o.cooperative_id == coop.id && o.state == "paid")
        .ok_or(Error::NotFound("order"))?;
    let offer = s
        .store
        .offer_by_id(order.offer_id)
        .await?
        .ok_or(Error::NotFound("offer"))?;
    let today = ledger::Date::from_unix_ms(now_ms()).to_string();
    if today.as_str() <= offer.ends_on.as_str() {
        return Err(Error::invalid(
            format!(
                "Mùa vụ kết thúc ngày {}: quyết toán sau ngày đó",
                offer.ends_on
            ),
            format!(
                "The season ends on {}: settle it after that day",
                offer.ends_on
            ),
        ));
    }
    let logged = harvested_grams(
        s,
        coop.id,
        &order.tree_code,
        &offer.starts_on,
        &offer.ends_on,
    )
    .await?;
    // What the diary says was picked, or what was sent if more was (a harvest sent but
    // not logged still reached the adopter).
    let shipped: i64 = s
        .store
        .shipments_of(order.id)
        .await?
        .iter()
        .map(|r| r.grams)
        .sum();
    let harvested = i64::try_from(logged).unwrap_or(i64::MAX).max(shipped);
    let shortfall = (offer.guaranteed_g - harvested).max(0);
    let row = SettlementRow {
        order_id: order.id,
        harvested_g: harvested,
        guaranteed_g: offer.guaranteed_g,
        shortfall_g: shortfall,
        compensation_vnd: shortfall * offer.shortfall_vnd_per_kg / 1000,
        policy: offer.shortfall_policy.clone(),
        settled_by: by,
        settled_at: now_ms(),
    };
    s.store.insert_settlement(&row).await?;
    if row.policy == "refund" && row.compensation_vnd > 0 {
        refunds::refund(s, &order, "shortfall", row.compensation_vnd).await?;
    }
    let what = crate::notify::Telling::Settled {
        harvested_g: row.harvested_g,
        compensation_vnd: (row.compensation_vnd > 0).then_some(row.compensation_vnd),
    };
    crate::notify::tell(s, &order, what, &format!("settled:{}", order.id)).await?;
    Ok(row)
}

/// The price from the expected harvest (the middle of the range) at a price per kg, plus
/// the care: how cooperatives price a season when they start from the fruit.
pub fn derived_price(expected_kg: (f64, f64), vnd_per_kg: i64, care_vnd: i64) -> i64 {
    let kg = (expected_kg.0 + expected_kg.1) / 2.0;
    (kg * vnd_per_kg as f64).round() as i64 + care_vnd
}

/// What publishing for many trees did: the offers made, and the trees skipped with why.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Published {
    pub offers: Vec<(String, i64)>,
    pub skipped: Vec<(String, String)>,
}

/// Publishes the same offer for every active tree of a selection (a zone, a species,
/// hand-picked codes): trees that already have an offer for the season are skipped and
/// named, so publishing again after adding trees is safe.
pub async fn publish_selected(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    selection: &crate::labels::Selection,
    offer: &NewOffer,
) -> Result<Published> {
    actor.require(coop.id, Action::Sell)?;
    // Removed trees are never for sale, whatever the selection says.
    let only_active = crate::labels::Selection {
        include_removed: false,
        ..selection.clone()
    };
    let rows = s.store.tree_labels(coop.id).await?;
    let chosen: Vec<String> = crate::labels::pick(rows, &only_active)?
        .into_iter()
        .map(|r| r.code)
        .collect();
    if chosen.is_empty() {
        return Err(Error::invalid(
            "Không có cây nào đang chăm sóc trong lựa chọn này",
            "No active tree matches this choice",
        ));
    }
    let mut out = Published::default();
    for code in chosen {
        match publish(s, actor, coop, &code, offer).await {
            Ok(id) => out.offers.push((code, id)),
            Err(e @ Error::Conflict(_)) => out.skipped.push((code, e.public_text().vi.clone())),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// A payment code: `GOC` and eight characters a person can read out and type (no 0/O,
/// 1/I), unique per order; it travels in transfer memos and as gateways' references.
pub fn payment_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).expect("the operating system's randomness");
    let tail: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("GOC{tail}")
}

/// A signed-in buyer clicks "adopt": the tree is held for [`HOLD_MS`] at the offer's price.
pub async fn hold(s: &Services, actor: &Actor, offer_id: i64) -> Result<Hold> {
    let buyer = actor.account().ok_or(Error::Unauthorized)?;
    let now = now_ms();
    let offer = s
        .store
        .offer_by_id(offer_id)
        .await?
        .ok_or(Error::NotFound("offer"))?;
    if offer.ends_on < ledger::Date::from_unix_ms(now).to_string() {
        return Err(Error::conflict(
            "Mùa vụ này đã kết thúc",
            "This season is over",
        ));
    }
    let code = payment_code();
    s.store
        .hold(
            offer_id,
            buyer,
            &code,
            &adoption_id(&code),
            now,
            now + HOLD_MS,
            MAX_OPEN_HOLDS,
        )
        .await
}

/// The pseudonym an adoption carries in the public log: derived from the order's code,
/// which only the buyer and the cooperative know, so the log names no person and no one
/// can link two adoptions of the same buyer.
pub fn adoption_id(order_code: &str) -> String {
    let h = blake3::derive_key("goc adoption pseudonym v1", order_code.as_bytes());
    format!("A{}", &data_encoding::BASE32_NOPAD.encode(&h[..10]))
}

/// Where a report came in: its provider, and the cooperative whose terminal, webhook or
/// desk took it. A report settles that cooperative's orders only: anyone may configure a
/// terminal for a cooperative of their own, and sign what it reports.
#[derive(Debug, Clone, Copy)]
pub struct Channel {
    pub provider: &'static str,
    pub cooperative_id: i64,
}

/// A provider's report about an order (signature checked by the caller), applied: see
/// [`Applied`]. `None` if no order of the channel's cooperative has this code.
pub async fn settle(
    s: &Services,
    via: Channel,
    provider_ref: &str,
    order_code: &str,
    amount_vnd: i64,
    paid: bool,
    raw: &str,
) -> Result<Option<Applied>> {
    let report = PaymentReport {
        provider: via.provider,
        cooperative_id: via.cooperative_id,
        provider_ref: provider_ref.to_owned(),
        order_code: order_code.to_owned(),
        amount_vnd,
        paid,
        raw: raw.to_owned(),
        at: now_ms(),
    };
    let applied = s.store.apply_payment(report, adopted).await?;
    tracing::info!(
        provider = via.provider,
        order = order_code,
        ?applied,
        "payment report"
    );
    Ok(applied)
}

/// The adoption a payment appends to its tree's chain, pseudonymous (see [`adoption_id`]).
fn adopted(order: &OrderRow, at: i64) -> Result<(String, BoxedEntry)> {
    let subject = Subject::Tree(TreeCode::parse(&order.tree_code)?);
    let kind = Kind::Adopted {
        adoption: order.adoption.clone(),
        season: order.season.clone(),
    };
    Ok((
        subject_key(&subject),
        Box::new(entry_now(subject, "market", at, kind)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(start: &str, end: &str, price: i64, kg: (f64, f64), floor: f64) -> Result<NewOffer> {
        NewOffer::parse(
            start,
            end,
            price,
            kg,
            floor,
            &["care", "delivery"],
            2,
            true,
            40_000,
        )
    }

    #[test]
    fn an_offer_is_checked_on_construction() {
        let o = offer("2027-03-01", "2027-09-30", 5_500_000, (40.0, 60.5), 30.0).unwrap();
        assert_eq!(
            (o.season.as_str(), o.expected_g, o.guaranteed_g),
            ("2027", (40_000, 60_500), 30_000)
        );
        for bad in [
            offer("2027-09-30", "2027-03-01", 5_500_000, (40.0, 60.0), 30.0),
            offer("2027-03-01", "2029-03-01", 5_500_000, (40.0, 60.0), 30.0),
            offer("2027-03-01", "2027-09-30", 0, (40.0, 60.0), 30.0),
            offer("2027-03-01", "2027-09-30", 5_500_000, (60.0, 40.0), 30.0),
            offer("2027-03-01", "2027-09-30", 5_500_000, (40.0, 60.0), 45.0),
            offer("1/3/2027", "2027-09-30", 5_500_000, (40.0, 60.0), 30.0),
            NewOffer::parse(
                "2027-03-01",
                "2027-09-30",
                5_500_000,
                (40.0, 60.0),
                30.0,
                &["gold"],
                1,
                true,
                0,
            ),
        ] {
            let e = bad.unwrap_err();
            assert_eq!(
                e.status(),
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "{e:?}"
            );
        }
    }

    #[test]
    fn a_lapsed_hold_reads_as_expired_and_the_desk_filters_only_by_known_states() {
        assert_eq!(state_at("held", 1_000, 999), "held");
        assert_eq!(state_at("held", 1_000, 1_000), "expired");
        assert_eq!(state_at("paid", 1_000, 5_000), "paid");
        assert_eq!(state_filter("").unwrap(), None);
        for s in ORDER_STATES {
            assert_eq!(state_filter(s).unwrap(), Some(s));
        }
        for bad in ["PAID", "paid ", "all", "<script>", "refund-due"] {
            let e = state_filter(bad).unwrap_err();
            assert_eq!(e.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
            assert!(e.public_text().en.contains("no such order state"), "{bad}");
        }
    }

    #[test]
    fn a_price_derives_from_the_expected_harvest_and_the_care() {
        // 40–60 kg at 80.000 đ/kg is 4 million, plus 1,5 million of care.
        assert_eq!(derived_price((40.0, 60.0), 80_000, 1_500_000), 5_500_000);
        assert_eq!(derived_price((0.0, 0.0), 80_000, 0), 0);
    }

    #[test]
    fn codes_are_readable_and_pseudonyms_reveal_nothing() {
        let c = payment_code();
        assert!(c.len() == 11 && c.starts_with("GOC"));
        assert!(!c[3..].contains(['0', 'O', '1', 'I']));
        assert_ne!(payment_code(), c);
        // The vector in docs/ledger-format.md, computed with Python's `blake3`.
        let a = adoption_id("GOC23456789");
        assert_eq!(a, "AOF6QGSQ5AFVXUJED");
        assert_ne!(a, adoption_id("GOC23456788"));
        assert!(!a.contains("GOC"));
    }
}
