//! A cooperative's public page: its trees.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::get_cooperative;
use crate::i18n::{use_locale, Msg};
use crate::pages::home::CoopItem;
use crate::pages::message;

#[component]
pub fn CooperativePage() -> impl IntoView {
    let l = use_locale();
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("coop").unwrap_or_default(),
        get_cooperative,
    );
    view! {
        <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(_) => message(Msg::ServerError).into_any(),
                    Ok(None) => message(Msg::CoopNotFound).into_any(),
                    Ok(Some(p)) => {
                        let coop = p.card.code.clone();
                        view! {
                            <leptos_meta::Title text=p.card.name.clone()/>
                            <h1>{p.card.name.clone()}</h1>
                            {(!p.card.approved).then(|| view! {
                                <div class="badge warn" role="status">
                                    <p><strong>{Msg::UnapprovedTitle.text(l)}</strong></p>
                                    <p>{Msg::UnapprovedBody.text(l)}</p>
                                </div>
                            })}
                            <ul class="cards"><CoopItem c=p.card/></ul>
                            <h2>{Msg::TreesOf.text(l)}</h2>
                            <ul class="trees">
                                {p.trees.into_iter().map(|t| view! {
                                    <li>
                                        <a href=format!("/t/{coop}/{}", &t.code)>
                                            <strong>{t.code.clone()}</strong>
                                            {format!(" · {} {} · {}", t.species.clone(), t.variety, t.zone_name)}
                                        </a>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
