//! The forms after adopting: the adopter's (name, harvest choice, gift, accepting a gift)
//! and the cooperative's sales desk (confirm a transfer, ask VNPay, refund, settle, ship,
//! answer care requests).

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use server::market;
use server::store::Applied;
use server::Error;

use super::{context, number, see_other, AppState, Fields, Submission};
use crate::i18n::Msg;

pub fn routes() -> axum::Router<AppState> {
    Router::new()
        .route("/my-trees/{order}/{action}", post(adopter_action))
        .route("/my-trees/{order}/gift/withdraw", post(withdraw_gift))
        .route("/gifts/{token}", post(accept_gift))
        .route("/manage/{coop}/sales/{order}/{action}", post(sales_action))
        .route("/manage/{coop}/care/{id}", post(answer_care))
        .route("/manage/{coop}/trace/notify", post(tell_recalled))
}

/// What an adopter does with their tree from "My trees".
async fn adopter_action(
    State(st): State<AppState>,
    Path((order, action)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let mut sub = Submission::new(st, headers, "/my-trees", f);
    let actor = attempt!(sub, sub.actor().await);
    // A refusal opens the folded form it belongs to (see `Adopted`).
    let s = sub.s().clone();
    match action.as_str() {
        "name" => attempt!(
            sub,
            market::name_tree(&s, &actor, &order, sub.get("name")).await
        ),
        "harvest" => {
            attempt!(
                sub,
                market::choose_harvest(
                    &s,
                    &actor,
                    &order,
                    sub.get("method"),
                    sub.get("address"),
                    sub.get("pickup_on"),
                )
                .await
            );
        }
        "gift" => {
            let token = attempt!(
                sub,
                market::give(&s, &actor, &order, sub.get("message")).await
            );
            let link = format!("{}/gifts/{token}", s.base_url);
            // The page comes back with the gift open: its link shows where the gift is.
            let tree = attempt!(sub, market::own_order(&s, &actor, &order).await).tree_code;
            sub.fields
                .insert("form".into(), format!("withdraw-form-{tree}"));
            let text = Msg::GiftLinkMade.text(sub.locale()).to_owned();
            return sub.notice_code(text, link.clone(), Some(link)).await;
        }
        "care" => {
            attempt!(
                sub,
                market::request_care(&s, &actor, &order, sub.get("text")).await
            );
            return see_other("/my-trees?done=request_sent", None);
        }
        _ => return sub.refuse(Error::NotFound("action")).await,
    }
    // Shown at the top of the page, whose forms are folded; a reload sends nothing again.
    see_other("/my-trees?done=saved", None)
}

async fn withdraw_gift(
    State(st): State<AppState>,
    Path(order): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, "/my-trees", f);
    let actor = attempt!(sub, sub.actor().await);
    attempt!(sub, market::withdraw_gift(sub.s(), &actor, &order).await);
    see_other("/my-trees?done=gift_withdrawn", None)
}

/// The recipient accepts a gift: the adoption is theirs.
async fn accept_gift(
    State(st): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let sub = Submission::new(st, headers, format!("/gifts/{token}"), f);
    let actor = attempt!(sub, sub.actor().await);
    attempt!(sub, market::accept_gift(sub.s(), &actor, &token).await);
    see_other("/my-trees?done=gift_accepted", None)
}

/// The sales desk's actions on one order.
async fn sales_action(
    State(st): State<AppState>,
    Path((code, order, action)): Path<(String, String, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let mut sub = Submission::new(st, headers, format!("/manage/{code}/sales"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let s = sub.s().clone();
    let l = sub.locale();
    let said = match action.as_str() {
        "confirm" => {
            let applied = attempt!(
                sub,
                market::confirm_by_hand(&s, &actor, &coop, &order, sub.get("note")).await
            );
            applied_text(applied, l)
        }
        "reconcile" => {
            match attempt!(
                sub,
                market::refunds::reconcile(&s, &actor, &coop, &order).await
            ) {
                Some(applied) => applied_text(applied, l),
                None => Msg::ReconcileNothing.text(l).to_owned(),
            }
        }
        "refund" => {
            let r = attempt!(
                sub,
                market::refunds::refund_late_payment(&s, &actor, &coop, &order).await
            );
            format!(
                "{} {} · {}",
                Msg::Refunds.text(l),
                server::text::vnd(r.amount_vnd, l.into()),
                crate::i18n::refund_state(&r.state, l)
            )
        }
        "settle" => {
            let r = attempt!(sub, market::settle_harvest(&s, &actor, &coop, &order).await);
            format!(
                "{} {} · {}",
                Msg::Harvested.text(l),
                server::text::kg(r.harvested_g, l.into()),
                server::text::vnd(r.compensation_vnd, l.into())
            )
        }
        "ship" => {
            let kg: f64 = attempt!(sub, number(sub.get("kg"), "Khối lượng", "The weight"));
            let r = attempt!(
                sub,
                market::record_shipment(
                    &s,
                    &actor,
                    &coop,
                    &order,
                    sub.get("sent_on"),
                    kg,
                    sub.get("carrier"),
                    sub.get("tracking"),
                )
                .await
            );
            format!(
                "{} {}",
                Msg::Shipments.text(l),
                server::text::kg(r.grams, l.into())
            )
        }
        _ => return sub.refuse(Error::NotFound("action")).await,
    };
    // The order's forms change with its state: the desk says what happened at its top.
    sub.fields.insert("form".into(), "desk".into());
    sub.notice(said).await
}

/// What a payment report did, told to the cooperative's manager.
fn applied_text(applied: Applied, l: crate::i18n::Locale) -> String {
    match applied {
        Applied::Confirmed => Msg::PaymentRecorded,
        Applied::Failed => Msg::PaymentFailedFreed,
        Applied::RefundDue => Msg::PaymentLateRefundDue,
        Applied::Replayed | Applied::AlreadySettled => Msg::AlreadySettled,
        Applied::WrongAmount => Msg::WrongAmount,
    }
    .text(l)
    .to_owned()
}

async fn answer_care(
    State(st): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let mut sub = Submission::new(st, headers, format!("/manage/{code}/sales"), f);
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    attempt!(
        sub,
        market::answer_care(sub.s(), &actor, &coop, id, sub.get("answer")).await
    );
    sub.fields.insert("form".into(), "desk".into());
    let text = Msg::Done.text(sub.locale()).to_owned();
    sub.notice(text).await
}

/// Tells the adopters a recall reached (the recall's question is in the query string, so
/// the page shown after is the same recall).
async fn tell_recalled(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<server::http::trace::RecallParams>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let page = format!("/manage/{code}/trace?{}", q.to_query());
    let mut sub = Submission::new(st, headers, page, f);
    sub.fields.insert("form".into(), "recall".into());
    let (actor, coop) = attempt!(sub, context(&sub, &code).await);
    let s = sub.s().clone();
    let query = attempt!(sub, q.query());
    let recall = attempt!(sub, server::trace::recall(&s, &actor, &coop, query).await);
    let told = attempt!(
        sub,
        server::trace::notify_reached(&s, &actor, &coop, &recall).await
    );
    let text = format!("{told} {}", Msg::AdoptersTold.text(sub.locale()));
    sub.notice(text).await
}
