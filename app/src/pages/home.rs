//! The home page: the cooperatives on Gốc.

use leptos::prelude::*;

use crate::api::list_cooperatives;
use crate::i18n::{use_locale, Msg};
use crate::model::CoopCard;
use crate::pages::message;

#[component]
pub fn HomePage() -> impl IntoView {
    let l = use_locale();
    let coops = Resource::new(|| (), |_| list_cooperatives());
    view! {
        <p class="tagline">{Msg::Tagline.text(l)}</p>
        // The catalogue is plain HTML with no wasm: a full load.
        <p><a class="button primary" href="/adopt" rel="external">{Msg::BrowseTrees.text(l)}</a></p>
        <p><a href="/manage">{Msg::ForCooperatives.text(l)}</a></p>
        <h1>{Msg::Cooperatives.text(l)}</h1>
        <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
            {move || Suspend::new(async move {
                match coops.await {
                    Err(_) => message(Msg::ServerError).into_any(),
                    Ok(list) if list.is_empty() => message(Msg::NoCooperatives).into_any(),
                    Ok(list) => view! {
                        <ul class="cards">
                            {list.into_iter().map(|c| view! { <CoopItem c/> }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn CoopItem(c: CoopCard) -> impl IntoView {
    let l = use_locale();
    view! {
        <li class="card">
            <a href=format!("/c/{}", c.code)>
                <strong>{c.name}</strong>
                <span class="muted">{c.place}</span>
                <span>{format!("{} {} · {} {}", c.zones, Msg::Zones.text(l), c.trees, Msg::Trees.text(l))}</span>
            </a>
        </li>
    }
}
