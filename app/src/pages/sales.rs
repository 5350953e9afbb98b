//! `/manage/:coop/sales`: a cooperative's sales desk. Every order (held, paid, expired,
//! refund due), or those of one state (`?state=paid`: links with each state's count, so
//! the filter works without JavaScript), with who bought, how it was paid and what the
//! adopter chose for the harvest, the actions each state allows, the care requests to
//! answer, the refunds, and the CSV (always every order: it is the cooperative's books).
//! Server-rendered, no wasm.

crate::pages::server_only_page!(SalesPage => ssr::page());

/// One order on the desk.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SaleLine {
    pub code: String,
    pub tree_code: String,
    pub season: String,
    pub state: String,
    pub amount: String,
    pub buyer: String,
    pub when: String,
    pub paid_by: Option<String>,
    pub harvest_choice: Option<String>,
    pub shipments: Vec<String>,
}

/// The desk of one cooperative.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SalesView {
    pub coop_code: String,
    pub coop_name: String,
    pub has_vnpay: bool,
    /// The state shown (`?state=`); none for every order.
    pub state: Option<String>,
    /// Each state with how many orders are in it, in `server::market::ORDER_STATES`' order.
    pub counts: Vec<(String, usize)>,
    pub total: usize,
    /// Why the state asked for was refused, in the reader's language.
    pub refused: Option<String>,
    pub orders: Vec<SaleLine>,
    /// Care requests: id, tree, question, answer.
    pub requests: Vec<(i64, String, String, Option<String>)>,
    pub refunds: Vec<String>,
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;
    use leptos_router::hooks::{use_params_map, use_query_map};

    use super::{SaleLine, SalesView};
    use crate::api::{backend, Gate};
    use crate::forms::PostForm;
    use crate::i18n::{order_state, refund_state, use_locale, Locale, Msg};

    async fn load((code, state): (String, String)) -> Result<Gate<SalesView>, ServerFnError> {
        let s = backend::services()?;
        let (actor, coop) = match backend::member(&s, &code).await? {
            Ok(m) => m,
            Err(gate) => return Ok(gate),
        };
        if !actor.may(coop.id, server::access::Action::Sell) {
            return Ok(backend::stopped(Gate::Forbidden));
        }
        let lang = backend::lang();
        let l: Locale = lang.into();
        let (chosen, refused) = match server::market::state_filter(&state) {
            Ok(f) => (f, None),
            Err(e) => (None, Some(backend::refusal(e, lang)?)),
        };
        let view = async {
            let all = server::market::sales(&s, &actor, &coop).await?;
            let counts: Vec<(String, usize)> = server::market::ORDER_STATES
                .into_iter()
                .map(|st| (st.to_owned(), all.iter().filter(|r| r.state == st).count()))
                .collect();
            let total = all.len();
            let mut orders = Vec::new();
            for r in all
                .into_iter()
                .filter(|r| chosen.is_none_or(|c| r.state == c))
            {
                // What was sent is listed only for orders that sent something.
                let shipments = if r.shipped_g > 0 {
                    backend::shipments(&s, r.order_id, l).await?
                } else {
                    Vec::new()
                };
                orders.push(SaleLine {
                    harvest_choice: r.harvest_method.as_deref().map(|m| {
                        backend::harvest_choice(m, r.harvest_address.as_deref().unwrap_or(""), l)
                    }),
                    shipments,
                    code: r.code,
                    tree_code: r.tree_code,
                    season: r.season,
                    state: r.state,
                    amount: server::text::vnd(r.amount_vnd, lang),
                    buyer: [Some(r.buyer_name), r.buyer_phone, r.buyer_email]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · "),
                    when: l.date_ms(r.created_at),
                    paid_by: r.paid_by,
                });
            }
            let requests = server::market::care_requests(&s, &actor, &coop)
                .await?
                .into_iter()
                .map(|r| (r.id, r.tree_code, r.text, r.answer))
                .collect();
            let refunds = s
                .store
                .refunds_of(coop.id)
                .await?
                .into_iter()
                .map(|r| {
                    format!(
                        "{} · {} · {}",
                        r.order_code,
                        server::text::vnd(r.amount_vnd, lang),
                        refund_state(&r.state, l)
                    )
                })
                .collect();
            Ok::<_, server::Error>(SalesView {
                has_vnpay: server::payments::providers::vnpay(&s, &coop)
                    .await?
                    .is_some(),
                coop_code: coop.code.clone(),
                coop_name: coop.name.clone(),
                state: chosen.map(str::to_owned),
                counts,
                total,
                refused,
                orders,
                requests,
                refunds,
            })
        }
        .await
        .map_err(backend::internal)?;
        Ok(Gate::Ok(view))
    }

    pub fn page() -> AnyView {
        let l = use_locale();
        let params = use_params_map();
        let query = use_query_map();
        let desk = Resource::new(
            move || {
                (
                    params.read().get("coop").unwrap_or_default(),
                    // Two states at once (`?state=paid&state=held`) is no state this
                    // desk knows: refused as such, not silently one of them.
                    query
                        .read()
                        .get_all("state")
                        .unwrap_or_default()
                        .join("&state="),
                )
            },
            load,
        );
        view! {
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    crate::pages::gated(desk.await, |v| view! { <Desk v/> }.into_any())
                })}
            </Suspense>
        }
        .into_any()
    }

    #[component]
    fn Desk(v: SalesView) -> AnyView {
        let l = use_locale();
        let coop = v.coop_code.clone();
        let has_vnpay = v.has_vnpay;
        let (no_orders, no_requests) = (v.orders.is_empty(), v.requests.is_empty());
        let in_sale = coop.clone();
        let here = format!("/manage/{coop}/sales");
        let chosen = v.state.clone();
        let filtered = chosen.is_some();
        let all_current = (!filtered).then_some("page");
        let empty = if filtered {
            Msg::NoOrdersInState
        } else {
            Msg::NoOrdersYet
        };
        let states = v
            .counts
            .into_iter()
            .map(|(state, n)| {
                let current = chosen.as_deref() == Some(state.as_str());
                view! {
                    <a href=format!("{here}?state={state}#orders") aria-current=current.then_some("page")>
                        {format!("{} ({n})", order_state(&state, l))}
                    </a>
                }
            })
            .collect_view();
        view! {
            <leptos_meta::Title text=format!("{} · {}", Msg::Sales.text(l), v.coop_name)/>
            <p><a href=format!("/manage/{coop}")>{"← "}{v.coop_name.clone()}</a></p>
            <h1>{Msg::Sales.text(l)}</h1>
            {
                let st = crate::forms::form_state();
                (st.form == "desk").then(|| view! {
                    {st.notice.map(|n| view! { <p class="notice-ok" role="status" tabindex="-1" autofocus=true>{n}</p> })}
                })
            }
            <p><a href=format!("/api/v1/coops/{coop}/orders.csv") download="">{Msg::DownloadCsv.text(l)}</a></p>
            <h2 id="orders">{Msg::Orders.text(l)}</h2>
            {v.refused.map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <nav class="state-filter" aria-label=Msg::FilterByState.text(l)>
                <a href=format!("{here}#orders") aria-current=all_current>
                    {format!("{} ({})", Msg::AllStates.text(l), v.total)}
                </a>
                {states}
            </nav>
            <ul class="sales">
                {v.orders.into_iter().map(|o| view! { <Sale o coop=in_sale.clone() has_vnpay/> }).collect_view()}
            </ul>
            {no_orders.then(|| view! { <p class="muted">{empty.text(l)}</p> })}
            <h2 id="care">{Msg::CareRequests.text(l)}</h2>
            {no_requests.then(|| view! { <p class="muted">{Msg::NoRequestsYet.text(l)}</p> })}
            <ul class="requests">
                {v.requests.into_iter().map(|(id, tree, text, answer)| view! {
                    <li>
                        <p><strong>{tree}</strong>": "{text}</p>
                        {match answer {
                            Some(a) => view! { <p class="muted">{a}</p> }.into_any(),
                            None => view! {
                                <PostForm id=format!("answer-{id}") action=format!("/manage/{coop}/care/{id}")>
                                    <label for=format!("answer-text-{id}")>{Msg::AnswerRequest.text(l)}</label>
                                    <textarea id=format!("answer-text-{id}") name="answer" rows="2" maxlength="1000" required=true></textarea>
                                    <button type="submit">{Msg::AnswerRequest.text(l)}</button>
                                </PostForm>
                            }.into_any(),
                        }}
                    </li>
                }).collect_view()}
            </ul>
            {(!v.refunds.is_empty()).then(|| view! {
                <h2>{Msg::Refunds.text(l)}</h2>
                <ul>{v.refunds.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            })}
        }
        .into_any()
    }

    /// One order and what its state allows.
    #[component]
    fn Sale(o: SaleLine, coop: String, has_vnpay: bool) -> impl IntoView {
        let l = use_locale();
        // Ids and actions made before the view: form children are 'static closures.
        let act = |what: &str| format!("/manage/{coop}/sales/{}/{what}", o.code);
        let form = |what: &str| format!("{what}-{}", o.code);
        let [to_confirm, to_reconcile, to_refund, to_ship, to_settle] =
            ["confirm", "reconcile", "refund", "ship", "settle"].map(act);
        let [confirm_f, note_f, reconcile_f, refund_f, ship_f, sent_on_f, kg_f, carrier_f, tracking_f, settle_f] =
            [
                "confirm",
                "note",
                "reconcile",
                "refund",
                "ship",
                "sent-on",
                "kg",
                "carrier",
                "tracking",
                "settle",
            ]
            .map(form);
        let open = matches!(o.state.as_str(), "held" | "expired" | "cancelled");
        view! {
            <li class="offer" id=format!("order-{}", o.code)>
                <p><strong class="code">{o.code.clone()}</strong>{format!(" · {} · {}", o.tree_code, o.season)}</p>
                <p><span class=format!("pill state-{}", o.state)>{order_state(&o.state, l)}</span>
                   {format!(" · {} · {}", o.amount, o.when)}
                   {o.paid_by.clone().map(|p| format!(" · {p}"))}</p>
                <p class="muted">{Msg::Buyer.text(l)}": "{o.buyer.clone()}</p>
                {o.harvest_choice.clone().map(|c| view! { <p>{c}</p> })}
                {(!o.shipments.is_empty()).then(|| view! {
                    <ul>{o.shipments.iter().map(|x| view! { <li>{x.clone()}</li> }).collect_view()}</ul>
                })}
                {open.then(|| view! {
                    <details>
                        <summary>{Msg::ConfirmTransfer.text(l)}</summary>
                        {(o.state != "held").then(|| view! { <p class="muted">{Msg::LateTransferHint.text(l)}</p> })}
                        <PostForm id=confirm_f action=to_confirm>
                            <label for=note_f.clone()>{Msg::BankRef.text(l)}</label>
                            <input id=note_f.clone() name="note" maxlength="200" required=true/>
                            <button type="submit">{Msg::ConfirmTransfer.text(l)}</button>
                        </PostForm>
                    </details>
                })}
                {(open && has_vnpay).then(|| view! {
                    <PostForm id=reconcile_f action=to_reconcile>
                        <button type="submit">{Msg::Reconcile.text(l)}</button>
                    </PostForm>
                })}
                {(o.state == "refund_due").then(|| view! {
                    <PostForm id=refund_f action=to_refund>
                        <button type="submit">{Msg::RefundLate.text(l)}</button>
                    </PostForm>
                })}
                {(o.state == "paid").then(|| view! {
                    <details>
                        <summary>{Msg::RecordShipment.text(l)}</summary>
                        <PostForm id=ship_f action=to_ship>
                            <label for=sent_on_f.clone()>{Msg::SentOn.text(l)}</label>
                            <input type="date" id=sent_on_f.clone() name="sent_on" required=true/>
                            <label for=kg_f.clone()>{Msg::Kg.text(l)}</label>
                            <input id=kg_f.clone() name="kg" inputmode="decimal" required=true/>
                            <label for=carrier_f.clone()>{Msg::Carrier.text(l)}</label>
                            <input id=carrier_f.clone() name="carrier" maxlength="80" required=true/>
                            <label for=tracking_f.clone()>{Msg::Tracking.text(l)}</label>
                            <input id=tracking_f.clone() name="tracking" maxlength="80"/>
                            <button type="submit">{Msg::RecordShipment.text(l)}</button>
                        </PostForm>
                    </details>
                    <details>
                        <summary>{Msg::SettleHarvest.text(l)}</summary>
                        <PostForm id=settle_f action=to_settle>
                            <p class="muted">{Msg::SettleHint.text(l)}</p>
                            <button type="submit">{Msg::SettleHarvest.text(l)}</button>
                        </PostForm>
                    </details>
                })}
            </li>
        }
    }
}
