//! The buyer's checkout: `/adopt/:offer` (what the season gives, sign in, confirm: the
//! tree is held for 15 minutes) and `/orders/:code` (pay by VNPay or a VietQR transfer;
//! the order's state, which only a provider's signed report changes). Server-rendered,
//! no wasm; the order page re-reads itself while payment runs, says until when the tree
//! is held and how long is left, and `order.js` counts that down each second.

crate::pages::server_only_page!(AdoptPage => ssr::adopt_page());
crate::pages::server_only_page!(OrderPage => ssr::order_page());

/// What an offer includes, in the reader's language.
pub fn inclusion(key: &str, l: crate::i18n::Locale) -> &'static str {
    use crate::i18n::Msg;
    match key {
        "care" => Msg::IncCare,
        "delivery" => Msg::IncDelivery,
        "pickup" => Msg::IncPickup,
        "visits" => Msg::IncVisits,
        "naming" => Msg::IncNaming,
        "sign" => Msg::IncSign,
        _ => Msg::IncNoChemicals,
    }
    .text(l)
}

/// An offer's terms: season, price, yields, what is included, the short-harvest rule.
#[leptos::component]
pub fn OfferTerms(o: crate::model::OfferCard) -> impl leptos::IntoView {
    use crate::i18n::{use_locale, Msg};
    use leptos::prelude::*;
    let l = use_locale();
    view! {
        <dl class="facts offer-terms">
            <dt>{Msg::OfferSeason.text(l)}</dt><dd>{o.season.clone()}</dd>
            <dt>{Msg::OfferPrice.text(l)}</dt><dd class="price">{o.price.clone()}</dd>
            <dt>{Msg::ExpectedYield.text(l)}</dt><dd>{o.expected.clone()}</dd>
            <dt>{Msg::GuaranteedYield.text(l)}</dt><dd>{o.guaranteed.clone()}</dd>
        </dl>
        <p><strong>{Msg::OfferIncludes.text(l)}</strong></p>
        <ul class="includes">
            {o.includes.iter().map(|i| view! { <li>{inclusion(i, l)}</li> }).collect_view()}
            {(o.deliveries > 0).then(|| view! { <li>{format!("{} {}", o.deliveries, Msg::Deliveries.text(l))}</li> })}
        </ul>
        <p class="muted">
            {if o.refund_shortfall { Msg::ShortfallRefund.text(l) } else { Msg::ShortfallCredit.text(l) }}
            " "{o.shortfall_per_kg.clone()}
        </p>
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;
    use leptos_router::hooks::use_params_map;

    use super::OfferTerms;
    use crate::api::{get_offer, get_order, Gate};
    use crate::forms::PostForm;
    use crate::i18n::{use_locale, Locale, Msg};
    use crate::model::{AdoptView, OrderPage};
    use crate::pages::message;

    pub fn adopt_page() -> AnyView {
        let l = use_locale();
        let params = use_params_map();
        let offer = Resource::new(
            move || {
                params
                    .read()
                    .get("offer")
                    .and_then(|o| o.parse::<i64>().ok())
                    .unwrap_or(0)
            },
            get_offer,
        );
        view! {
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    match offer.await {
                        Err(_) => message(Msg::ServerError).into_any(),
                        Ok(None) => message(Msg::PageNotFound).into_any(),
                        Ok(Some(v)) => view! { <Adopt v/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }

    #[component]
    fn Adopt(v: AdoptView) -> AnyView {
        let l = use_locale();
        let here = format!("/adopt/{}", v.offer.id);
        let tree = format!("/t/{}/{}", v.coop_code, v.tree_code);
        let step = if !v.offer.available {
            view! { <p class="notice" role="status">{Msg::AlreadyAdopted.text(l)}</p> }.into_any()
        } else if !v.signed_in {
            view! {
                <section class="notice" role="status">
                    <p>{Msg::SignInFirst.text(l)}</p>
                    <p><a class="button primary" href=format!("/login?next={here}")>{Msg::LogIn.text(l)}</a>
                       " · " <a href=format!("/signup?next={here}")>{Msg::SignUp.text(l)}</a></p>
                </section>
            }
            .into_any()
        } else {
            view! {
                <PostForm id="adopt" action=here.clone()>
                    <button type="submit" class="primary sticky-action">{Msg::AdoptThisTree.text(l)}</button>
                </PostForm>
            }
            .into_any()
        };
        view! {
            <leptos_meta::Title text=format!("{} {} · {}", Msg::AdoptThisTree.text(l), v.tree_code, v.coop_name)/>
            <p><a href=tree.clone()>{"← "}{v.tree_code.clone()}</a></p>
            <h1>{Msg::AdoptThisTree.text(l)}" "<span class="code">{v.tree_code.clone()}</span></h1>
            <p>{v.coop_name.clone()}</p>
            <OfferTerms o=v.offer.clone()/>
            {step}
        }
        .into_any()
    }

    pub fn order_page() -> AnyView {
        let l = use_locale();
        let params = use_params_map();
        let order = Resource::new(
            move || params.read().get("code").unwrap_or_default(),
            get_order,
        );
        view! {
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    match order.await {
                        Err(_) => message(Msg::ServerError).into_any(),
                        Ok(Gate::Ok(o)) => view! { <Order o/> }.into_any(),
                        Ok(Gate::SignInFirst) => crate::pages::manage::sign_in_first(l),
                        Ok(_) => message(Msg::OrderNotFound).into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }

    #[component]
    fn Order(o: OrderPage) -> AnyView {
        let l = use_locale();
        let tree = format!("/t/{}/{}", o.coop_code, o.tree_code);
        let state = match o.state.as_str() {
            "paid" => view! {
                <p class="badge ok" role="status">{"✔ "}{Msg::OrderPaid.text(l)}</p>
                <p><a class="button primary" href=format!("/certificates/{}", o.adoption)>{Msg::Certificate.text(l)}</a>
                   " · "<a href="/my-trees">{Msg::MyTrees.text(l)}</a></p>
            }.into_any(),
            "expired" => lapsed(l, o.offer, false).into_any(),
            // The tree is free again: the way back to it, as after a lapsed hold.
            "cancelled" => view! {
                <section class="notice" role="status">
                    <p>{Msg::OrderCancelled.text(l)}</p>
                    <p><a class="button primary" href=format!("/adopt/{}", o.offer)>{Msg::AdoptAgain.text(l)}</a></p>
                </section>
            }.into_any(),
            "refund_due" => view! { <p class="notice" role="status">{Msg::OrderRefundDue.text(l)}</p> }.into_any(),
            _ => view! {
                // Re-read while payment runs: a transfer is confirmed by the bank's feed.
                <leptos_meta::Meta http_equiv="refresh" content="15"/>
                <HoldLeft o=o.clone()/>
                {lapsed(l, o.offer, true)}
                // Folded away by order.js when the hold ends.
                <div id="pay">
                {o.vnpay_url.clone().map(|u| view! {
                    <p><a class="button primary sticky-action" href=u>{Msg::PayWithVnpay.text(l)}</a></p>
                })}
                {o.transfer.clone().map(|t| view! {
                    <section class="transfer">
                        <h2>{Msg::PayByTransfer.text(l)}</h2>
                        <div class="qr" inner_html=t.qr_svg.clone()></div>
                        <p class="muted">{Msg::TransferHowTo.text(l)}</p>
                        <dl class="facts">
                            <dt>{Msg::MoneyAmount.text(l)}</dt><dd class="price">{o.amount.clone()}</dd>
                            <dt>{Msg::TransferMemo.text(l)}</dt><dd class="code">{t.memo.clone()}</dd>
                            <dt>{Msg::AccountNumber.text(l)}</dt><dd class="code">{t.account.clone()}</dd>
                            <dt>{Msg::AccountHolder.text(l)}</dt><dd>{t.name.clone()}</dd>
                            <dt>{Msg::BankBin.text(l)}</dt><dd>{t.bin.clone()}</dd>
                        </dl>
                    </section>
                })}
                {(o.vnpay_url.is_none() && o.transfer.is_none()).then(|| view! {
                    <p class="notice">{Msg::NoPaymentMethod.text(l)}</p>
                })}
                </div>
                <p><a href="">{Msg::CheckPayment.text(l)}</a></p>
                <script src="/pkg/order.js" defer=true></script>
            }
            .into_any(),
        };
        view! {
            <leptos_meta::Title text=format!("{} {}", Msg::OrderTitle.text(l), o.code)/>
            <h1>{Msg::OrderTitle.text(l)}</h1>
            <dl class="facts">
                <dt>{Msg::PaymentCode.text(l)}</dt><dd class="code">{o.code.clone()}</dd>
                <dt>{Msg::TreeCode.text(l)}</dt><dd><a href=tree.clone()>{o.tree_code.clone()}</a>{format!(" · {}", o.coop_name)}</dd>
                <dt>{Msg::OfferSeason.text(l)}</dt><dd>{o.season.clone()}</dd>
                <dt>{Msg::MoneyAmount.text(l)}</dt><dd class="price">{o.amount.clone()}</dd>
            </dl>
            {state}
            <p><a href=tree>{Msg::SeeTheTree.text(l)}</a></p>
        }
        .into_any()
    }

    /// Until when the tree is held and how long is left, as the server saw it when it made
    /// the page; `order.js` counts the time left down from `data-hold-left`.
    #[component]
    fn HoldLeft(o: OrderPage) -> impl IntoView {
        let l = use_locale();
        // A started minute counts: "1 minute left" until the hold lapses.
        let left_ms = u64::try_from(o.hold_left_ms).unwrap_or(0);
        let minutes = left_ms.div_ceil(60_000);
        let n = minutes.to_string();
        let left = if minutes == 1 {
            Msg::OneMinute.text(l).to_owned()
        } else {
            Msg::MinutesCount.fill(l, &[("n", n.as_str())])
        };
        let (before, after) = Msg::HoldLeft
            .text(l)
            .split_once("{left}")
            .unwrap_or_default();
        view! {
            <p class="hold" id="hold">
                {Msg::OrderHeldUntil.text(l)}" "
                <strong><time datetime=o.held_until_iso>{o.held_until}</time></strong>
                " — "{before}
                // A timer is not read aloud at every tick (its implicit aria-live is off).
                <span role="timer" data-hold-left=o.hold_left_ms.to_string()
                    data-minutes=Msg::MinutesUnit.text(l) data-seconds=Msg::SecondsUnit.text(l)>{left}</span>
                {format!("{after}.")}
            </p>
        }
    }

    /// The hold is over (or, `hidden`, for `order.js` to show when it ends): the tree may
    /// still be free, so the way on is to adopt it again.
    fn lapsed(l: Locale, offer: i64, hidden: bool) -> impl IntoView {
        // Shown by the script at zero: an alert is read out when it appears.
        let role = if hidden { "alert" } else { "status" };
        view! {
            <section class="notice" id="hold-lapsed" role=role hidden=hidden>
                <p>{Msg::OrderExpired.text(l)}</p>
                <p><a class="button primary" href=format!("/adopt/{offer}")>{Msg::AdoptAgain.text(l)}</a></p>
            </section>
        }
    }
}

crate::pages::server_only_page!(CertificatePage => ssr_more::certificate_page());
crate::pages::server_only_page!(MyTreesPage => ssr_more::my_trees_page());

#[cfg(feature = "ssr")]
mod ssr_more {
    use leptos::prelude::*;
    use leptos_router::hooks::use_params_map;

    use crate::api::{get_certificate, get_my_trees};
    use crate::forms::PostForm;
    use crate::i18n::{use_locale, Msg};
    use crate::model::{CertificateView, MyTree};
    use crate::pages::manage::sign_in_first;
    use crate::pages::message;

    pub fn certificate_page() -> AnyView {
        let l = use_locale();
        let params = use_params_map();
        let c = Resource::new(
            move || params.read().get("adoption").unwrap_or_default(),
            get_certificate,
        );
        view! {
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    match c.await {
                        Err(_) => message(Msg::ServerError).into_any(),
                        Ok(None) => message(Msg::PageNotFound).into_any(),
                        Ok(Some(c)) => view! { <Certificate c/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }

    /// A certificate that reads as one: what it certifies in a sentence, the tree, the
    /// printable copy; the facts and the ledger's proof folded below.
    #[component]
    fn Certificate(c: CertificateView) -> AnyView {
        let l = use_locale();
        let tree = format!("/t/{}/{}", c.coop_code, c.tree_code);
        let history = format!("/api/trees/{}/{}/history", c.coop_code, c.tree_code);
        let named = match &c.tree_name {
            Some(name) => format!("“{name}” ({}, {})", c.tree_code, c.species),
            None => format!("{} ({})", c.tree_code, c.species),
        };
        // The public page names the adopter only by the adoption's pseudonym.
        let certifies = if c.yours {
            Msg::CertifiesYou
        } else {
            Msg::CertifiesAdopter
        };
        let values = [
            ("adoption", c.adoption.as_str()),
            ("tree", named.as_str()),
            ("coop", c.coop_name.as_str()),
            ("season", c.season.as_str()),
            ("dates", c.dates.as_str()),
        ];
        let sentence = certifies.fill(l, &values);
        view! {
            <leptos_meta::Title text=format!("{} · {} · {}", Msg::CertificateTitle.text(l), c.tree_code, c.coop_name)/>
            <article class="certificate">
                <h1>{Msg::CertificateTitle.text(l)}</h1>
                <p class="certifies">{sentence}</p>
                {c.photo.clone().map(|p| view! { <img src=p alt=c.tree_code.clone() width="360" loading="lazy"/> })}
                <p class="badge ok">{"✔ "}{Msg::CertificateIntro.text(l)}</p>
                <p><a class="button primary" href=format!("/certificates/{}/pdf", c.adoption)>{Msg::PrintablePdf.text(l)}</a></p>
                <details>
                    <summary>{Msg::CertificateDetails.text(l)}</summary>
                    <dl class="facts">
                        <dt>{Msg::TreeCode.text(l)}</dt><dd><a href=tree.clone()>{c.tree_code.clone()}</a>{format!(" · {}", c.species)}</dd>
                        <dt>{Msg::Cooperative.text(l)}</dt><dd>{c.coop_name.clone()}</dd>
                        <dt>{Msg::OfferSeason.text(l)}</dt><dd>{format!("{} ({})", c.season, c.dates)}</dd>
                        <dt>{Msg::AdoptionRef.text(l)}</dt><dd class="code">{c.adoption.clone()}</dd>
                        <dt>{Msg::AdoptedOn.text(l)}</dt><dd>{c.adopted.clone()}</dd>
                    </dl>
                </details>
                <details>
                    <summary>{Msg::LedgerProof.text(l)}</summary>
                    <p>{Msg::LedgerEntry.text(l)}{format!(" #{}", c.entry_seq)}</p>
                    <p class="code wrap">{c.origin.clone()}</p>
                    <p class="code wrap">{c.entry_hash.clone()}</p>
                    <p>{Msg::SignedCheckpoint.text(l)}{format!(" #{}", c.checkpoint_size)}</p>
                    <p class="code wrap">{c.checkpoint_root.clone()}</p>
                    <p class="muted">{Msg::HowToVerify.text(l)}</p>
                    <p><a href=history download="">{Msg::DownloadHistory.text(l)}</a></p>
                </details>
                <p><a href=tree>{Msg::SeeTheTree.text(l)}</a></p>
            </article>
        }
        .into_any()
    }

    pub fn my_trees_page() -> AnyView {
        let l = use_locale();
        let trees = Resource::new(|| (), |_| get_my_trees());
        view! {
            <leptos_meta::Title text=Msg::MyTrees.text(l)/>
            <h1>{Msg::MyTrees.text(l)}</h1>
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    match trees.await {
                        Err(_) => message(Msg::ServerError).into_any(),
                        Ok(None) => sign_in_first(l),
                        Ok(Some(list)) if list.is_empty() => view! { <p class="muted">{Msg::NoTreesYet.text(l)}</p> }.into_any(),
                        Ok(Some(list)) => view! {
                            <ul class="my-trees">{list.into_iter().map(|t| view! { <Adopted t/> }).collect_view()}</ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }

    #[component]
    fn Adopted(t: MyTree) -> impl IntoView {
        let l = use_locale();
        // Ids and actions made before the view: form children are 'static closures.
        let id = |what: &str| format!("{what}-{}", t.tree_code);
        let here = |what: &str| format!("/my-trees/{}/{what}", t.order_code);
        let ids = [
            "name-form",
            "name",
            "harvest-form",
            "address",
            "pickup",
            "withdraw-form",
            "gift-form",
            "gift-message",
        ]
        .map(id);
        let [name_form, name_id, harvest_form, address_id, pickup_id, withdraw_form, gift_form, gift_message] =
            ids;
        let [to_name, to_harvest, to_withdraw, to_gift] =
            ["name", "harvest", "gift/withdraw", "gift"].map(here);
        // A refused form comes back unfolded, its message in view.
        let refused = crate::forms::form_state().form;
        let [name_open, harvest_open, gift_open] =
            [&name_form, &harvest_form, &gift_form].map(|f| *f == refused);
        view! {
            <li class="offer">
                <h2>
                    {t.tree_name.clone().map(|n| view! { <span>{format!("“{n}” · ")}</span> })}
                    <a href=format!("/t/{}/{}", t.coop_code, t.tree_code)>{t.tree_code.clone()}</a>{format!(" · {}", t.coop_name)}
                </h2>
                {(!t.photos.is_empty()).then(|| view! {
                    <ul class="photos" aria-label=Msg::Photos3.text(l)>
                        {t.photos.iter().map(|h| view! {
                            <li><a href=format!("/photos/{h}/full")><img src=format!("/photos/{h}/thumb") alt=format!("{} {}", Msg::PhotoOf.text(l), t.tree_code) width="120" height="120" loading="lazy"/></a></li>
                        }).collect_view()}
                    </ul>
                })}
                <p>{Msg::SeasonDates.text(l)}" "{t.season_dates.clone()}</p>
                {t.latest.clone().map(|x| view! { <p><span class="muted">{Msg::LatestCare.text(l)}": "</span>{x}</p> })}
                {t.harvest_choice.clone().map(|x| view! { <p><strong>{Msg::HarvestHow.text(l)}": "</strong>{x}</p> })}
                {(!t.shipments.is_empty()).then(|| view! {
                    <p><strong>{Msg::Shipments.text(l)}</strong></p>
                    <ul>{t.shipments.iter().map(|x| view! { <li>{x.clone()}</li> }).collect_view()}</ul>
                })}
                {t.settlement.clone().map(|x| view! { <p class="badge ok">{x}</p> })}
                {(!t.refunds.is_empty()).then(|| view! {
                    <p><strong>{Msg::Refunds.text(l)}</strong></p>
                    <ul>{t.refunds.iter().map(|x| view! { <li>{x.clone()}</li> }).collect_view()}</ul>
                })}
                <p><a href=format!("/certificates/{}", t.adoption)>{Msg::Certificate.text(l)}</a></p>
                <details open=name_open>
                    <summary>{Msg::TreeNameLabel.text(l)}</summary>
                    <PostForm id=name_form action=to_name>
                        <label for=name_id.clone()>{Msg::TreeNameLabel.text(l)}</label>
                        <input id=name_id.clone() name="name" maxlength="40" value=t.tree_name.clone().unwrap_or_default()/>
                        <button type="submit">{Msg::SaveName.text(l)}</button>
                    </PostForm>
                </details>
                {(t.can_deliver || t.can_pickup).then(|| view! {
                    <details open=harvest_open>
                        <summary>{Msg::HarvestHow.text(l)}</summary>
                        <PostForm id=harvest_form action=to_harvest>
                            <fieldset>
                                {t.can_deliver.then(|| view! {
                                    <label><input type="radio" name="method" value="delivery" checked=true/>" "{Msg::Delivery.text(l)}</label>
                                    <label for=address_id.clone()>{Msg::Address.text(l)}</label>
                                    <textarea id=address_id.clone() name="address" rows="2" maxlength="300"></textarea>
                                })}
                                {t.can_pickup.then(|| view! {
                                    <label><input type="radio" name="method" value="pickup" checked=!t.can_deliver/>" "{Msg::Pickup.text(l)}</label>
                                    <label for=pickup_id.clone()>{Msg::PickupDay.text(l)}</label>
                                    <input type="date" id=pickup_id.clone() name="pickup_on"/>
                                })}
                            </fieldset>
                            <button type="submit">{Msg::SaveChoice.text(l)}</button>
                        </PostForm>
                    </details>
                })}
                {match t.gift_open_until.clone() {
                    Some(until) => view! {
                        <PostForm id=withdraw_form action=to_withdraw>
                            <p>{Msg::GiftOpenUntil.text(l)}" "{until}</p>
                            <button type="submit">{Msg::WithdrawGift.text(l)}</button>
                        </PostForm>
                    }.into_any(),
                    None => view! {
                        <details open=gift_open>
                            <summary>{Msg::GiveTree.text(l)}</summary>
                            <PostForm id=gift_form action=to_gift>
                                <label for=gift_message.clone()>{Msg::GiftMessage.text(l)}</label>
                                <textarea id=gift_message.clone() name="message" rows="2" maxlength="300"></textarea>
                                <button type="submit">{Msg::MakeGiftLink.text(l)}</button>
                            </PostForm>
                        </details>
                    }.into_any(),
                }}
                {(!t.requests.is_empty()).then(|| view! {
                    <ul class="requests">
                        {t.requests.iter().map(|(q, a)| view! {
                            <li>
                                <p>{q.clone()}</p>
                                <p class="muted">{a.clone().unwrap_or_else(|| Msg::AwaitingAnswer.text(l).to_owned())}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                })}
                <PostForm id=format!("care-form-{}", t.tree_code) action=format!("/my-trees/{}/care", t.order_code)>
                    <label for=format!("care-{}", t.tree_code)>{Msg::CareRequest.text(l)}</label>
                    <textarea id=format!("care-{}", t.tree_code) name="text" rows="2" maxlength="1000" required=true></textarea>
                    <button type="submit">{Msg::SendRequest.text(l)}</button>
                </PostForm>
            </li>
        }
    }
}
