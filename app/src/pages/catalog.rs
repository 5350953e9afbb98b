//! `/adopt`: every tree open for adoption, filtered by species, province, highest price
//! and harvest month (a GET form: filters live in the address, shareable, no script).
//! Server-rendered, no wasm.

crate::pages::server_only_page!(CataloguePage => ssr::page());

/// One open offer as a card.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CatalogueCard {
    pub offer_id: i64,
    pub tree_url: String,
    pub title: String,
    pub coop: String,
    pub season: String,
    pub expected: String,
    pub price: String,
    pub photo: Option<String>,
}

/// The catalogue with what its filters may choose from.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CatalogueView {
    pub cards: Vec<CatalogueCard>,
    /// The refusal of a filter a person typed, in their language.
    pub error: Option<String>,
    pub species: Vec<(String, String)>,
    pub provinces: Vec<String>,
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;
    use leptos_router::hooks::use_query_map;

    use super::{CatalogueCard, CatalogueView};
    use crate::api::backend;
    use crate::i18n::{use_locale, Locale, Msg};
    use crate::pages::message;

    type Query = (String, String, String, String);

    async fn load(
        (species, province, price, month): Query,
    ) -> Result<CatalogueView, ServerFnError> {
        let s = backend::services()?;
        let lang = backend::lang();
        let l: Locale = lang.into();
        async {
            let (names, _) = backend::species_names(&s).await?;
            let mut provinces: Vec<String> = s
                .store
                .list_cooperatives()
                .await?
                .into_iter()
                .map(|c| c.province)
                .collect();
            provinces.sort();
            provinces.dedup();
            let species_list = names
                .0
                .iter()
                .map(|sp| (sp.key.clone(), names.name(&sp.key, lang)))
                .collect();
            let (filter, error) =
                match server::market::catalogue::Filter::parse(&species, &province, &price, &month)
                {
                    Ok(f) => (f, None),
                    Err(e) => {
                        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                            res.set_status(e.status());
                        }
                        (
                            Default::default(),
                            Some(e.public_text().get(lang).to_owned()),
                        )
                    }
                };
            let kg = |g: i64| server::text::kg(g, lang);
            let cards = server::market::catalogue::catalogue(&s, &filter)
                .await?
                .into_iter()
                .map(|r| CatalogueCard {
                    offer_id: r.offer_id,
                    tree_url: format!("/t/{}/{}", r.coop_code, r.tree_code),
                    title: format!(
                        "{} {} · {}",
                        names.name(&r.species, lang),
                        r.tree_code,
                        r.variety
                    ),
                    coop: format!("{} · {}", r.coop_name, r.province),
                    season: format!("{} – {}", l.date_iso(&r.starts_on), l.date_iso(&r.ends_on)),
                    expected: format!("{} – {}", kg(r.expected_min_g), kg(r.expected_max_g)),
                    price: server::text::vnd(r.price_vnd, lang),
                    photo: r.photo.map(|h| {
                        format!(
                            "/photos/{}/thumb.jpg",
                            h.iter().map(|b| format!("{b:02x}")).collect::<String>()
                        )
                    }),
                })
                .collect();
            Ok::<_, server::Error>(CatalogueView {
                cards,
                error,
                species: species_list,
                provinces,
            })
        }
        .await
        .map_err(backend::internal)
    }

    pub fn page() -> AnyView {
        let l = use_locale();
        let q = use_query_map();
        let get = move |k: &str| q.read().get(k).unwrap_or_default();
        let query = move || {
            (
                get("species"),
                get("province"),
                get("max_price"),
                get("month"),
            )
        };
        let chosen = query();
        let view = Resource::new(query, load);
        view! {
            <leptos_meta::Title text=Msg::CatalogueTitle.text(l)/>
            <h1>{Msg::CatalogueTitle.text(l)}</h1>
            <p class="muted">{Msg::CatalogueIntro.text(l)}</p>
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || {
                    let chosen = chosen.clone();
                    Suspend::new(async move {
                        match view.await {
                            Err(_) => message(Msg::ServerError).into_any(),
                            Ok(v) => view! { <Catalogue v chosen/> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        }
        .into_any()
    }

    #[component]
    fn Catalogue(v: CatalogueView, chosen: Query) -> AnyView {
        let l = use_locale();
        let (species, province, price, month) = chosen;
        // Folded unless in use: on a phone the trees come first.
        let filtering = v.error.is_some()
            || [&species, &province, &price, &month]
                .iter()
                .any(|f| !f.is_empty());
        let count = v.cards.len();
        let shown = match (l, count) {
            (crate::i18n::Locale::En, 1) => Msg::TreeOpen.text(l),
            _ => Msg::TreesOpen.text(l),
        };
        view! {
            <details class="filters-box" open=filtering>
            <summary>{Msg::Filter.text(l)}</summary>
            <form method="get" action="/adopt" class="form filters">
                {v.error.clone().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <label for="f-species">{Msg::Species.text(l)}</label>
                <select id="f-species" name="species">
                    <option value="">{Msg::Any.text(l)}</option>
                    {v.species.iter().map(|(k, n)| view! { <option value=k.clone() selected=*k == species>{n.clone()}</option> }).collect_view()}
                </select>
                <label for="f-province">{Msg::Province.text(l)}</label>
                <select id="f-province" name="province">
                    <option value="">{Msg::Any.text(l)}</option>
                    {v.provinces.iter().map(|p| view! { <option value=p.clone() selected=*p == province>{p.clone()}</option> }).collect_view()}
                </select>
                <label for="f-price">{Msg::MaxPrice.text(l)}</label>
                <input id="f-price" name="max_price" inputmode="numeric" value=price/>
                <label for="f-month">{Msg::HarvestMonth.text(l)}</label>
                <select id="f-month" name="month">
                    <option value="">{Msg::Any.text(l)}</option>
                    {(1..=12).map(|m| view! { <option value=m.to_string() selected=m.to_string() == month>{format!("{} {m}", Msg::Month.text(l))}</option> }).collect_view()}
                </select>
                <button type="submit">{Msg::Filter.text(l)}</button>
            </form>
            </details>
            <p role="status">{format!("{count} {shown}")}</p>
            {v.cards.is_empty().then(|| view! { <p class="muted">{Msg::NoOpenOffers.text(l)}</p> })}
            <ul class="cards catalogue">
                {v.cards.into_iter().map(|c| view! {
                    <li class="card">
                        <a href=c.tree_url.clone()>
                            {c.photo.clone().map(|p| view! { <img src=p alt="" width="120" height="120" loading="lazy" decoding="async"/> })}
                            <strong>{c.title.clone()}</strong>
                            <span class="muted">{c.coop.clone()}</span>
                            <span>{format!("{} · {}", c.season, c.expected)}</span>
                            <span class="price">{c.price.clone()}</span>
                        </a>
                        <a class="button primary" href=format!("/adopt/{}", c.offer_id)>{Msg::AdoptThisTree.text(l)}</a>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    }
}
