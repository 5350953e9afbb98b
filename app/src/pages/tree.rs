//! The public tree page: what a buyer sees after scanning a tree's QR label. Readable
//! before any wasm arrives; later issues add the diary timeline and adoption below.

crate::pages::server_only_page!(
    /// Rendered on the server only: the page ships no wasm, and none of it is compiled into
    /// the browser's bundle.
    TreePage => ssr::page()
);

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;
    use leptos_router::hooks::{use_location, use_params_map};

    use crate::api::get_tree;
    use crate::i18n::{use_locale, Msg};
    use crate::model::{TreePage as Tree, Verification};
    use crate::pages::message;
    use crate::pages::timeline::Timeline;

    pub fn page() -> AnyView {
        let l = use_locale();
        let params = use_params_map();
        let location = use_location();
        let key = move || {
            let p = params.read();
            // A scanned QR URL carries the signed identity in its path; a plain link does not.
            let scanned = p.get("sig").map(|_| location.pathname.get());
            (
                p.get("coop").unwrap_or_default(),
                p.get("tree").unwrap_or_default(),
                scanned,
            )
        };
        let tree = Resource::new(key, |(coop, tree, scanned)| get_tree(coop, tree, scanned));
        view! {
            <Suspense fallback=move || view! { <p>{Msg::Loading.text(l)}</p> }>
                {move || Suspend::new(async move {
                    match tree.await {
                        Err(_) => message(Msg::ServerError).into_any(),
                        Ok(None) => message(Msg::TreeNotFound).into_any(),
                        Ok(Some(t)) => view! { <TreeDetails t/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }

    #[component]
    fn TreeDetails(t: Tree) -> impl IntoView {
        let l = use_locale();
        let age = if t.age_years < 1 {
            Msg::UnderOneYear.text(l).to_owned()
        } else {
            format!("{} {}", t.age_years, Msg::Years.text(l))
        };
        let history = format!("/api/trees/{}/{}/history", t.coop_code, t.code);
        let keys = format!("/.well-known/goc/keys/{}", t.coop_code);
        let title = format!("{} {} · {}", t.species, t.code, t.coop_name);
        let summary = format!("{} · {} · {}", t.variety, t.zone_name, t.place);
        // A genuine label, or a linked page of a genuine tree, with nothing that contradicts it.
        let trusted = matches!(t.verification, Verification::Verified { .. })
            && t.diary.damaged.is_none()
            && t.coop_approved
            && t.active
            && t.notes.is_empty();
        // The newest photo of the tree, else the newest of its diary.
        let hero: Option<(String, i64, i64)> = t
            .photos
            .last()
            .map(|p| (p.full(), p.width, p.height))
            .or_else(|| {
                let h = t.diary.lines.iter().find_map(|l| l.photos.first())?;
                Some((format!("/photos/{h}/full.jpg"), 4, 3))
            });
        view! {
            <leptos_meta::Title text=title.clone()/>
            <leptos_meta::Meta name="description" content=summary.clone()/>
            <leptos_meta::Meta property="og:type" content="website"/>
            <leptos_meta::Meta property="og:title" content=title/>
            <leptos_meta::Meta property="og:description" content=summary/>
            <leptos_meta::Meta property="og:url" content=t.share_url.clone()/>
            {t.share_image.clone().map(|img| view! {
                <leptos_meta::Meta property="og:image" content=img/>
                <leptos_meta::Meta name="twitter:card" content="summary_large_image"/>
            })}
            // A label that fails, or facts that contradict each other, come first; a
            // good verdict waits in the trust block below the story.
            {(!trusted).then(|| view! { <Badge t=t.clone()/> })}
            // Filled in by tree.js once the phone has checked the history itself.
            <p id="verify-here" class="verify-here" role="status" aria-live="polite" hidden=true
               data-history=history.clone()
               data-anchor=t.identity_url.rsplit('/').nth(1).unwrap_or_default().to_owned()></p>
            <script src="/pkg/tree.js" defer=true></script>
            <article class=if trusted { "tree" } else { "tree distrusted" }>
                {hero.map(|(src, w, h)| view! {
                    // The one image the page loads at once: the tree as it looks now.
                    <img class="hero" src=src alt=format!("{} {}", Msg::PhotoOf.text(l), t.code)
                         width=w height=h fetchpriority="high" decoding="async"/>
                })}
                <h1>
                    {t.adopted_name.clone().map(|n| view! { <span class="tree-name">{format!("“{n}”")}</span><br/> })}
                    {t.species.clone()}" "<span class="code">{t.code.clone()}</span>
                </h1>
                <p class="subtitle">{format!("{} · {}", t.variety, age)}</p>
                {trusted.then(|| view! {
                    <p class="seal"><span aria-hidden="true">"✔ "</span>
                        {if t.scanned { Msg::SealScanned.text(l) } else { Msg::SealLinked.text(l) }}
                        " "<a href="#trust">{t.coop_name.clone()}</a></p>
                })}
                <section class="people" aria-labelledby="people-title">
                    <h2 id="people-title">{Msg::WhoGrowsIt.text(l)}</h2>
                    {(!t.caretaker.is_empty()).then(|| view! {
                        <p><strong>{Msg::CaredBy.text(l)}" "{t.caretaker.clone()}</strong></p>
                    })}
                    <p><a href=format!("/c/{}", t.coop_code)>{t.coop_name.clone()}</a>" · "{t.place.clone()}</p>
                    {(!t.story.is_empty()).then(|| view! { <p class="story">{t.story.clone()}</p> })}
                </section>
                {t.offers.first().cloned().map(|o| if o.available {
                    view! {
                        <section class="offer" id="offer" aria-labelledby="offer-title">
                            <h2 id="offer-title">{Msg::AdoptThisTree.text(l)}</h2>
                            <crate::pages::OfferTerms o=o.clone()/>
                        </section>
                    }.into_any()
                } else {
                    view! {
                        <p class="notice" role="status">{Msg::AdoptedThisSeason.text(l)}" "
                            <a href="/adopt" rel="external">{Msg::SeeOtherTrees.text(l)}</a></p>
                    }.into_any()
                })}
                <Timeline diary=t.diary.clone()/>
                {(t.photos.len() > 1).then(|| view! {
                    <h2>{Msg::Photos.text(l)}</h2>
                    <ul class="photos" aria-label=Msg::Photos.text(l)>
                        {t.photos.iter().rev().skip(1).map(|p| view! {
                            <li><a href=p.full()>
                                <img src=p.thumb() loading="lazy" decoding="async" alt=format!("{} {}", Msg::PhotoOf.text(l), t.code)
                                     width=p.width.min(360 * p.width / p.width.max(p.height)) height=p.height.min(360 * p.height / p.width.max(p.height))/>
                            </a></li>
                        }).collect_view()}
                    </ul>
                })}
                <h2>{Msg::AboutTheTree.text(l)}</h2>
                <dl class="facts">
                    <dt>{Msg::Variety.text(l)}</dt><dd>{t.variety.clone()}</dd>
                    <dt>{Msg::Planted.text(l)}</dt><dd><time datetime=t.planted_on.clone()>{t.planted_shown.clone()}</time></dd>
                    <dt>{Msg::Status.text(l)}</dt>
                    <dd>{if t.active { Msg::Active.text(l) } else { Msg::Removed.text(l) }}</dd>
                    <dt>{Msg::Zone.text(l)}</dt><dd>{t.zone_name.clone()}</dd>
                    <dt>{Msg::ZoneCode.text(l)}</dt>
                    <dd>{t.zone_code.clone().unwrap_or_else(|| Msg::NotRegistered.text(l).to_owned())}</dd>
                    <dt>{Msg::Area.text(l)}</dt><dd>{format!("{} ha", t.zone_area)}</dd>
                    {t.location.map(|(lat, lon)| view! {
                        <dt>{Msg::Location.text(l)}</dt>
                        <dd><a href=format!("geo:{lat:.6},{lon:.6}")>{format!("{lat:.5}, {lon:.5}")}</a></dd>
                    })}
                </dl>
                {(t.zone_geojson.is_some() || t.location.is_some()).then(|| view! {
                    <div class="map" data-map="" data-fallback="zone-outline" hidden=true
                         data-geojson=t.zone_geojson.clone()
                         data-point=t.location.map(|(lat, lon)| format!("{lat},{lon}"))
                         role="region" aria-label=Msg::Map.text(l)></div>
                    <script src="/pkg/map.js" defer=true></script>
                })}
                {t.zone_outline.clone().map(|d| view! {
                    <figure class="outline" id="zone-outline">
                        <svg viewBox="0 0 100 100" role="img" aria-label=Msg::ZoneOutline.text(l)>
                            <path d=d/>
                        </svg>
                        <figcaption>{Msg::ZoneOutline.text(l)}</figcaption>
                    </figure>
                })}
                <section class="trust" id="trust" aria-labelledby="trust-title">
                    <h2 id="trust-title">{Msg::WhyTrustIt.text(l)}</h2>
                    {trusted.then(|| view! { <Badge t=t.clone()/> })}
                    {matches!(t.verification, Verification::Verified { .. }).then(|| view! {
                        <p>{format!("{} {}{}", Msg::TrustSigned.text(l), t.coop_name, Msg::TrustSignedEnd.text(l))}</p>
                    })}
                    {t.diary.damaged.is_none().then(|| view! { <p>{Msg::TrustHistory.text(l)}</p> })}
                    {(!t.witnesses.is_empty()).then(|| view! {
                        <p class="witnesses">
                            {Msg::Witnessed.text(l).replace("{n}", &t.witnesses.len().to_string())}
                            " "{t.witnesses.join(", ")}
                        </p>
                    })}
                    <SignatureDetails t=t.clone()/>
                    <p class="links">
                        <a href=history download="">{Msg::DownloadHistory.text(l)}</a>
                        <br/>
                        <a href=keys>{Msg::PublicKeys.text(l)}</a>
                    </p>
                </section>
                // Shopee's bar: the price and the button stay at the bottom of the screen
                // while the page scrolls.
                {t.offers.first().filter(|o| o.available).map(|o| view! {
                    <div class="buy-bar">
                        <span class="price">{o.price.clone()}</span>
                        <a class="button primary" href=format!("/adopt/{}", o.id)>{Msg::AdoptThisTree.text(l)}</a>
                    </div>
                })}
            </article>
        }
    }

    /// The verdict, first thing on the page, in four states a buyer tells apart at a glance:
    /// a scanned label that verifies (green, ✔), a page opened by a link (blue, ℹ: there was no
    /// label to verify), a tree removed from the register or with facts that contradict each
    /// other (amber, !), and a label that does not verify (red, ⚠).
    #[component]
    fn Badge(t: Tree) -> impl IntoView {
        let l = use_locale();
        let issued = format!(
            "{} {} {}",
            Msg::VerifiedBy.text(l),
            t.coop_name,
            Msg::VerifiedIssued.text(l)
        )
        .trim()
        .to_owned();
        // A history edited behind the log's back is as untrustworthy as a forged label.
        let damaged = t.diary.damaged.is_some();
        match t.verification {
        Verification::Failed { .. } => view! {
            <div class="badge bad" role="alert">
                <p><strong><span aria-hidden="true">"⚠ "</span>{Msg::NotVerifiedTitle.text(l)}</strong></p>
                <p>{Msg::NotVerifiedBody.text(l)}</p>
            </div>
        }
        .into_any(),
        Verification::Verified { .. } if damaged => view! {
            <div class="badge bad" role="alert">
                <p><strong><span aria-hidden="true">"⚠ "</span>{Msg::NotVerifiedTitle.text(l)}</strong></p>
                <p>{Msg::DiaryDamaged.text(l)}</p>
            </div>
        }
        .into_any(),
        Verification::Verified { .. } if !t.coop_approved => view! {
            <div class="badge warn" role="status">
                <p><strong><span aria-hidden="true">"! "</span>{Msg::UnapprovedTitle.text(l)}</strong></p>
                <p>{Msg::UnapprovedBody.text(l)}</p>
            </div>
        }
        .into_any(),
        Verification::Verified { .. } if !t.active => view! {
            <div class="badge warn" role="status">
                <p><strong><span aria-hidden="true">"! "</span>{Msg::RemovedTitle.text(l)}</strong></p>
                <p>{Msg::RemovedBody.text(l)}</p>
            </div>
        }
        .into_any(),
        Verification::Verified { .. } if !t.notes.is_empty() => view! {
            <div class="badge warn" role="status">
                <p><strong><span aria-hidden="true">"! "</span>{Msg::ContradictionTitle.text(l)}</strong></p>
                <ul>{t.notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            </div>
        }
        .into_any(),
        Verification::Verified { .. } if t.scanned => view! {
            <div class="badge ok" role="status">
                <p class="verdict"><span aria-hidden="true">"✔ "</span>{issued}</p>
                <p>{format!("{} {}", Msg::GenuineLabel.text(l), t.code)}</p>
            </div>
        }
        .into_any(),
        Verification::Verified { .. } => view! {
            <div class="badge info" role="status">
                <p><strong><span aria-hidden="true">"ℹ "</span>{Msg::OpenedByLink.text(l)}</strong></p>
                <p>{Msg::OpenedByLinkBody.text(l)}</p>
            </div>
        }
        .into_any(),
    }
    }

    /// The signed identity behind the badge, opened on demand: a native disclosure, so it
    /// works with no script at all (the page ships no wasm).
    #[component]
    fn SignatureDetails(t: Tree) -> impl IntoView {
        let l = use_locale();
        let key_id = match &t.verification {
            Verification::Verified { key_id } => key_id.clone(),
            Verification::Failed { reason } => reason.clone(),
        };
        view! {
            <details class="signature" id="signature-details">
                <summary>{Msg::ShowSignature.text(l)}</summary>
                <dl class="facts">
                    <dt>{Msg::KeyId.text(l)}</dt><dd><code>{key_id}</code></dd>
                    <dt>{Msg::SignedUrl.text(l)}</dt><dd><code class="wrap">{t.identity_url.clone()}</code></dd>
                </dl>
            </details>
        }
    }
}
