//! What an adopter does with their tree after paying (name it, choose how the harvest
//! comes, give it away by link) and what the cooperative does for them (confirm a transfer
//! by hand, record shipments).

use crate::access::{Action, Actor};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::notify::{self, Telling};
use crate::services::Services;
use crate::store::{Accepted, Applied, CooperativeRow, HarvestChoiceRow, OrderRow, ShipmentRow};

/// How long a gift link stays open: then the adoption stays with the giver.
pub const GIFT_MS: i64 = 15 * 24 * 60 * 60 * 1000;

/// The signed-in adopter's paid order with this code (another person's is not found).
pub async fn own_order(s: &Services, actor: &Actor, code: &str) -> Result<OrderRow> {
    let buyer = actor.account().ok_or(Error::Unauthorized)?;
    s.store
        .order_by_code(code)
        .await?
        .filter(|o| o.buyer_id == buyer && o.state == "paid")
        .ok_or(Error::NotFound("order"))
}

/// A paid order of this cooperative, for its managers.
async fn coop_order(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    code: &str,
) -> Result<OrderRow> {
    actor.require(coop.id, Action::Sell)?;
    s.store
        .order_by_code(code)
        .await?
        .filter(|o| o.cooperative_id == coop.id)
        .ok_or(Error::NotFound("order"))
}

/// The adopter names their tree; an empty name clears it.
pub async fn name_tree(s: &Services, actor: &Actor, code: &str, name: &str) -> Result<()> {
    let order = own_order(s, actor, code).await?;
    let name = crate::text::optional(("Tên cây", "The tree's name"), name, 40)?;
    s.store
        .name_tree(order.id, Some(name.as_str()).filter(|n| !n.is_empty()))
        .await
}

/// The adopter chooses delivery to an address or a pickup visit on a day in the season,
/// among what the offer includes.
pub async fn choose_harvest(
    s: &Services,
    actor: &Actor,
    code: &str,
    method: &str,
    address: &str,
    pickup_on: &str,
) -> Result<HarvestChoiceRow> {
    let order = own_order(s, actor, code).await?;
    let offer = s
        .store
        .offer_by_id(order.offer_id)
        .await?
        .ok_or(Error::NotFound("offer"))?;
    let included = offer.includes.split(',').any(|i| i == method);
    if !included {
        return Err(Error::invalid(
            "Gói nhận nuôi này không có cách nhận quả đó",
            "This adoption does not include that way of receiving the harvest",
        ));
    }
    let (address, pickup_on) = match method {
        "delivery" => (
            Some(crate::text::required_paragraph(
                ("Địa chỉ nhận hàng", "The delivery address"),
                address,
                300,
            )?),
            None,
        ),
        _ => {
            let day = chrono::NaiveDate::parse_from_str(pickup_on.trim(), "%Y-%m-%d")
                .ok()
                .map(|d| d.to_string())
                .filter(|d| {
                    offer.starts_on.as_str() <= d.as_str() && d.as_str() <= offer.ends_on.as_str()
                })
                .ok_or_else(|| {
                    Error::invalid(
                        format!(
                            "Ngày đến nhận phải trong mùa vụ ({} – {})",
                            offer.starts_on, offer.ends_on
                        ),
                        format!(
                            "The pickup day must be inside the season ({} – {})",
                            offer.starts_on, offer.ends_on
                        ),
                    )
                })?;
            (None, Some(day))
        }
    };
    let row = HarvestChoiceRow {
        order_id: order.id,
        method: method.to_owned(),
        address,
        pickup_on,
        chosen_at: now_ms(),
    };
    s.store.set_harvest_choice(&row).await?;
    Ok(row)
}

/// A manager records what was sent of an adoption's harvest; the adopter is told.
#[allow(clippy::too_many_arguments)]
pub async fn record_shipment(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    code: &str,
    sent_on: &str,
    kg: f64,
    carrier: &str,
    tracking: &str,
) -> Result<ShipmentRow> {
    let order = coop_order(s, actor, coop, code).await?;
    if order.state != "paid" {
        return Err(Error::NotFound("order"));
    }
    let sent_on = chrono::NaiveDate::parse_from_str(sent_on.trim(), "%Y-%m-%d")
        .map_err(|_| {
            Error::invalid(
                "Ngày gửi phải là ngày dạng 2027-08-15",
                "The day sent must be a date like 2027-08-15",
            )
        })?
        .to_string();
    let (paid_on, today) = (
        ledger::Date::from_unix_ms(order.paid_at.unwrap_or(order.created_at)).to_string(),
        ledger::Date::from_unix_ms(now_ms()).to_string(),
    );
    if sent_on < paid_on || sent_on > today {
        return Err(Error::invalid(
            format!("Ngày gửi từ ngày thanh toán ({paid_on}) đến hôm nay"),
            format!("The day sent is between the day of payment ({paid_on}) and today"),
        ));
    }
    let offer = s
        .store
        .offer_by_id(order.offer_id)
        .await?
        .ok_or(Error::NotFound("offer"))?;
    let allowed = usize::try_from(offer.deliveries.max(1)).unwrap_or(1);
    if s.store.shipments_of(order.id).await?.len() >= allowed {
        return Err(Error::conflict(
            format!("Gói này có {allowed} lần giao: đã ghi đủ"),
            format!("This adoption has {allowed} deliveries: all are recorded"),
        ));
    }
    let grams = (kg * 1000.0).round();
    if !(1.0..=10_000_000.0).contains(&grams) {
        return Err(Error::invalid(
            "Khối lượng gửi từ 1 g đến 10 tấn",
            "The weight sent is between 1 g and 10 tonnes",
        ));
    }
    let row = ShipmentRow {
        order_id: order.id,
        sent_on,
        grams: grams as i64,
        carrier: crate::text::required(("Đơn vị vận chuyển", "The carrier"), carrier, 80)?,
        tracking: crate::text::optional(("Mã vận đơn", "The tracking number"), tracking, 80)?,
        recorded_by: actor.account().ok_or(Error::Forbidden)?,
        recorded_at: now_ms(),
    };
    s.store.insert_shipment(&row).await?;
    let count = s.store.shipments_of(order.id).await?.len();
    notify::tell(
        s,
        &order,
        Telling::Shipped {
            grams: row.grams,
            carrier: row.carrier.clone(),
            tracking: row.tracking.clone(),
        },
        &format!("ship:{}:{count}", order.id),
    )
    .await?;
    Ok(row)
}

/// A manager confirms a transfer they see on the bank statement, when the bank's feed
/// did not: applied like a provider's report, logged with who confirmed it and why.
pub async fn confirm_by_hand(
    s: &Services,
    actor: &Actor,
    coop: &CooperativeRow,
    code: &str,
    note: &str,
) -> Result<Applied> {
    let order = coop_order(s, actor, coop, code).await?;
    let note = crate::text::required(
        (
            "Ghi chú (mã giao dịch ngân hàng)",
            "The note (the bank's reference)",
        ),
        note,
        200,
    )?;
    let by = actor.account().ok_or(Error::Forbidden)?;
    let raw = serde_json::json!({ "confirmed_by": by, "note": note }).to_string();
    let applied = super::settle(
        s,
        super::Channel {
            provider: "manual",
            cooperative_id: coop.id,
        },
        &format!("manual:{}", order.code),
        &order.code,
        order.amount_vnd,
        true,
        &raw,
    )
    .await?
    .ok_or(Error::NotFound("order"))?;
    tracing::info!(order = %order.code, by, ?applied, "transfer confirmed by hand");
    Ok(applied)
}

/// The hash a gift token is kept by.
fn gift_hash(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}

/// The adopter gives their adoption by link: the token (in the link) is shown once.
pub async fn give(s: &Services, actor: &Actor, code: &str, message: &str) -> Result<String> {
    let order = own_order(s, actor, code).await?;
    let message = crate::text::paragraph(("Lời nhắn", "The message"), message, 300)?;
    let token = crate::accounts::random_token()?;
    let now = now_ms();
    s.store
        .open_gift(
            order.id,
            order.buyer_id,
            &gift_hash(&token),
            &message,
            now,
            now + GIFT_MS,
        )
        .await?;
    Ok(token)
}

/// The giver takes back a gift nobody accepted yet.
pub async fn withdraw_gift(s: &Services, actor: &Actor, code: &str) -> Result<()> {
    let order = own_order(s, actor, code).await?;
    if s.store
        .withdraw_gift(order.id, order.buyer_id, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound("gift"))
    }
}

/// A gift as its recipient sees it before accepting: the tree, who gives it, their words.
pub async fn gift(s: &Services, token: &str) -> Result<(crate::store::GiftRow, OrderRow)> {
    let gift = s
        .store
        .gift_by_token(&gift_hash(token))
        .await?
        .filter(|g| g.state == "open" && g.expires_at > now_ms())
        .ok_or(Error::NotFound("gift"))?;
    let order = s
        .store
        .order_by_code(&gift.order_code)
        .await?
        .ok_or(Error::NotFound("gift"))?;
    Ok((gift, order))
}

/// The recipient accepts: the adoption is theirs, and the giver is told.
pub async fn accept_gift(s: &Services, actor: &Actor, token: &str) -> Result<OrderRow> {
    let recipient = actor.account().ok_or(Error::Unauthorized)?;
    let (gift, _) = gift(s, token).await?;
    match s
        .store
        .accept_gift(&gift_hash(token), recipient, now_ms())
        .await?
    {
        Accepted::Now => {}
        Accepted::OwnGift => {
            return Err(Error::invalid(
                "Đây là quà bạn tặng: hãy gửi liên kết cho người nhận",
                "This is your own gift: send the link to its recipient",
            ))
        }
        Accepted::Gone => return Err(Error::NotFound("gift")),
    }
    let order = s
        .store
        .order_by_code(&gift.order_code)
        .await?
        .ok_or(Error::NotFound("order"))?;
    notify::tell_user(
        s,
        gift.giver_id,
        &order,
        Telling::GiftAccepted,
        &format!("gift:{}:accepted", gift.id),
    )
    .await?;
    Ok(order)
}

/// Ends the gifts nobody accepted in time and tells their givers.
pub async fn return_lapsed_gifts(s: &Services) -> Result<usize> {
    let returned = s.store.return_lapsed_gifts(now_ms()).await?;
    for g in &returned {
        if let Some(order) = s.store.order_by_code(&g.order_code).await? {
            notify::tell_user(
                s,
                g.giver_id,
                &order,
                Telling::GiftReturned,
                &format!("gift:{}:returned", g.id),
            )
            .await?;
        }
    }
    Ok(returned.len())
}
