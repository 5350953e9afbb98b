//! `/gifts/:token` (a tree given by link: see it, accept it), `/notifications` (what the
//! app told you) and `/admin/outbox` (the mail that waits when no SMTP server is set).
//! Server-rendered, no wasm.

crate::pages::server_only_page!(GiftPage => ssr::gift_page());
crate::pages::server_only_page!(NotificationsPage => ssr::notifications_page());
crate::pages::server_only_page!(OutboxPage => ssr::outbox_page());

/// A gift as its recipient sees it.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GiftView {
    pub tree_code: String,
    pub coop_code: String,
    pub coop_name: String,
    pub season: String,
    pub giver: String,
    pub message: String,
    pub expires: String,
    pub signed_in: bool,
}

/// One line of the notifications page.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NoticeLine {
    pub text: String,
    pub link: String,
    pub when: String,
    pub unread: bool,
}

/// One mail of the outbox.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MailLine {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub when: String,
    pub sent: bool,
    pub error: Option<String>,
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;
    use leptos_router::hooks::use_params_map;

    use super::{GiftView, MailLine, NoticeLine};
    use crate::api::backend;
    use crate::forms::PostForm;
    use crate::i18n::{use_locale, Locale, Msg};
    use crate::pages::manage::sign_in_first;
    use crate::pages::message;

    async fn load_gift(token: String) -> Result<Option<GiftView>, ServerFnError> {
        let s = backend::services()?;
        let signed_in = backend::actor().await?.is_some();
        let l: Locale = backend::lang().into();
        backend::found(
            async {
                let (g, o) = server::market::gift(&s, &token).await?;
                let coop = s
                    .store
                    .cooperative_by_id(o.cooperative_id)
                    .await?
                    .ok_or(server::Error::NotFound("gift"))?;
                Ok(GiftView {
                    tree_code: o.tree_code,
                    coop_code: coop.code,
                    coop_name: coop.name,
                    season: o.season,
                    giver: g.giver_name,
                    message: g.message,
                    expires: l.date_ms(g.expires_at),
                    signed_in,
                })
            }
            .await,
        )
    }

    pub fn gift_page() -> AnyView {
        let l = use_locale();
        let params = use_params_map();
        let token = params.read_untracked().get("token").unwrap_or_default();
        let gift = Resource::new(move || token.clone(), load_gift);
        view! {
            <leptos_meta::Title text=Msg::GiftTitle.text(l)/>
            // The link carries the gift: never in a Referer to another site.
            <leptos_meta::Meta name="referrer" content="same-origin"/>
            <h1>{Msg::GiftTitle.text(l)}</h1>
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    match gift.await {
                        Err(_) => message(Msg::ServerError).into_any(),
                        Ok(None) => view! { <p class="notice" role="status">{Msg::GiftGone.text(l)}</p> }.into_any(),
                        Ok(Some(g)) => view! { <Gift g/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }

    #[component]
    fn Gift(g: GiftView) -> AnyView {
        let l = use_locale();
        let here = use_params_map()
            .read_untracked()
            .get("token")
            .map(|t| format!("/gifts/{t}"))
            .unwrap_or_default();
        let step = if g.signed_in {
            view! {
                <PostForm id="accept-gift" action=here.clone()>
                    <button type="submit" class="primary sticky-action">{Msg::AcceptGift.text(l)}</button>
                </PostForm>
            }
            .into_any()
        } else {
            view! {
                <section class="notice" role="status">
                    <p>{Msg::SignInFirst.text(l)}</p>
                    <p><a class="button primary" href=format!("/login?next={here}")>{Msg::LogIn.text(l)}</a>
                       " · " <a href=format!("/signup?next={here}")>{Msg::SignUp.text(l)}</a></p>
                </section>
            }
            .into_any()
        };
        view! {
            <dl class="facts">
                <dt>{Msg::TreeCode.text(l)}</dt>
                <dd><a href=format!("/t/{}/{}", g.coop_code, g.tree_code)>{g.tree_code.clone()}</a>{format!(" · {}", g.coop_name)}</dd>
                <dt>{Msg::OfferSeason.text(l)}</dt><dd>{g.season.clone()}</dd>
                <dt>{Msg::GiftFrom.text(l)}</dt><dd>{g.giver.clone()}</dd>
            </dl>
            {(!g.message.is_empty()).then(|| view! { <blockquote>{g.message.clone()}</blockquote> })}
            <p class="muted">{Msg::GiftOpenUntil.text(l)}" "{g.expires.clone()}</p>
            {step}
        }
        .into_any()
    }

    async fn load_notifications() -> Result<Option<Vec<NoticeLine>>, ServerFnError> {
        let s = backend::services()?;
        let Some(user) = backend::actor().await?.and_then(|a| a.account()) else {
            return Ok(None);
        };
        let l: Locale = backend::lang().into();
        let rows = async {
            let rows = s.store.notifications_of(user, 100).await?;
            // Read now that they are shown.
            s.store
                .mark_notifications_read(user, server::clock::now_ms())
                .await?;
            Ok::<_, server::Error>(rows)
        }
        .await
        .map_err(backend::internal)?;
        Ok(Some(
            rows.into_iter()
                .map(|n| NoticeLine {
                    text: if l == Locale::Vi {
                        n.text_vi
                    } else {
                        n.text_en
                    },
                    link: n.link,
                    when: l.date_ms(n.created_at),
                    unread: n.read_at.is_none(),
                })
                .collect(),
        ))
    }

    pub fn notifications_page() -> AnyView {
        let l = use_locale();
        let list = Resource::new(|| (), |_| load_notifications());
        view! {
            <leptos_meta::Title text=Msg::Notifications.text(l)/>
            <h1>{Msg::Notifications.text(l)}</h1>
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(_) => message(Msg::ServerError).into_any(),
                        Ok(None) => sign_in_first(l),
                        Ok(Some(v)) if v.is_empty() => view! { <p class="muted">{Msg::NoNotifications.text(l)}</p> }.into_any(),
                        Ok(Some(v)) => view! {
                            <ul class="notices">
                                {v.into_iter().map(|n| view! {
                                    <li class=if n.unread { "unread" } else { "" }>
                                        <a href=n.link.clone()>{n.text.clone()}</a>
                                        <br/><span class="muted">{n.when.clone()}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }

    async fn load_outbox() -> Result<Option<Vec<MailLine>>, ServerFnError> {
        let s = backend::services()?;
        if !backend::actor().await?.is_some_and(|a| a.is_admin) {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(axum::http::StatusCode::FORBIDDEN);
            }
            return Ok(None);
        }
        let l: Locale = backend::lang().into();
        let rows = s.store.outbox(200).await.map_err(backend::internal)?;
        Ok(Some(
            rows.into_iter()
                .map(|m| MailLine {
                    to: m.to_addr,
                    subject: m.subject,
                    body: m.body,
                    when: l.date_ms(m.created_at),
                    sent: m.sent_at.is_some(),
                    error: m.last_error,
                })
                .collect(),
        ))
    }

    pub fn outbox_page() -> AnyView {
        let l = use_locale();
        let list = Resource::new(|| (), |_| load_outbox());
        view! {
            <leptos_meta::Title text=Msg::Outbox.text(l)/>
            <h1>{Msg::Outbox.text(l)}</h1>
            <p class="muted">{Msg::OutboxHint.text(l)}</p>
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(_) => message(Msg::ServerError).into_any(),
                        Ok(None) => message(Msg::Forbidden).into_any(),
                        Ok(Some(v)) => view! {
                            <ul class="outbox">
                                {v.into_iter().map(|m| view! {
                                    <li>
                                        <p><strong>{m.subject.clone()}</strong></p>
                                        <p class="muted">{format!("{} · {} · {}", m.to, m.when, if m.sent { Msg::Sent.text(l) } else { Msg::NotSent.text(l) })}</p>
                                        {m.error.clone().map(|e| view! { <p class="error">{e}</p> })}
                                        <pre class="wrap">{m.body.clone()}</pre>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }
}
