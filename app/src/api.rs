//! Server functions: thin shells over the `server` crate. Errors reach the browser only as
//! "not found" (`Ok(None)`) or a generic failure; database text never leaves the server.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{
    CoopCard, CoopPage, FarmPage, InvitationPreview, JobView, ManagePage, ManageTree, Me, TreePage,
};

#[cfg(feature = "ssr")]
pub(crate) mod backend {
    use leptos::prelude::*;
    use server::Services;

    use crate::model::*;

    pub fn services() -> Result<Services, ServerFnError> {
        use_context::<Services>().ok_or_else(|| ServerFnError::new("internal error"))
    }

    /// Logs an internal error and hands the browser nothing but a generic message.
    /// A person's mistake becomes its message in their language (and the page's status);
    /// anything else a failure of the page.
    pub fn refusal(e: server::Error, lang: server::error::Lang) -> Result<String, ServerFnError> {
        if e.status().is_server_error() {
            return Err(internal(e));
        }
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(e.status());
        }
        Ok(e.public_text().get(lang).to_owned())
    }

    pub fn internal(e: server::Error) -> ServerFnError {
        tracing::error!(error = %e, "server function failed");
        ServerFnError::new("internal error")
    }

    /// `NotFound` becomes `None` (and a 404 status during server rendering).
    pub fn found<T>(r: Result<T, server::Error>) -> Result<Option<T>, ServerFnError> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(server::Error::NotFound(_)) => {
                if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                    res.set_status(axum::http::StatusCode::NOT_FOUND);
                }
                Ok(None)
            }
            Err(e) => Err(internal(e)),
        }
    }

    /// The signed-in person making this request, if any.
    pub async fn actor() -> Result<Option<server::access::Actor>, ServerFnError> {
        let s = services()?;
        let Some(parts) = use_context::<axum::http::request::Parts>() else {
            return Ok(None);
        };
        server::http::session::actor(&s, &parts.headers)
            .await
            .map_err(internal)
    }

    /// An address from its non-empty parts (districts were abolished in 2025: newer
    /// addresses have none).
    pub fn place(parts: &[&str]) -> String {
        parts
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn card(c: server::store::CooperativeSummaryRow) -> CoopCard {
        CoopCard {
            place: place(&[&c.commune, &c.district, &c.province]),
            approved: c.approved,
            code: c.code,
            name: c.name,
            zones: c.zones,
            trees: c.trees,
        }
    }

    /// The signed-in member of cooperative `code` who may see its working pages, or the
    /// gate that stops the request.
    pub async fn member<T>(
        s: &Services,
        code: &str,
    ) -> Result<
        Result<(server::access::Actor, server::store::CooperativeRow), super::Gate<T>>,
        ServerFnError,
    > {
        use super::Gate;
        let Some(actor) = actor().await? else {
            return Ok(Err(stopped(Gate::SignInFirst)));
        };
        let coop = match server::cooperatives::by_code(&s.store, code).await {
            Ok(c) => c,
            Err(server::Error::NotFound(_)) => return Ok(Err(stopped(Gate::NotFound))),
            Err(e) => return Err(internal(e)),
        };
        if !actor.may(coop.id, server::access::Action::View) {
            return Ok(Err(stopped(Gate::Forbidden)));
        }
        Ok(Ok((actor, coop)))
    }

    /// A gate that stops a page, with its HTTP status set during server rendering (a
    /// forbidden page must not answer 200).
    pub fn stopped<T>(gate: super::Gate<T>) -> super::Gate<T> {
        use axum::http::StatusCode;
        let status = match &gate {
            super::Gate::Ok(_) => StatusCode::OK,
            super::Gate::SignInFirst => StatusCode::UNAUTHORIZED,
            super::Gate::Forbidden => StatusCode::FORBIDDEN,
            super::Gate::NotFound => StatusCode::NOT_FOUND,
        };
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(status);
        }
        gate
    }

    /// The reader's language, from the request's cookie.
    pub fn lang() -> server::error::Lang {
        use_context::<axum::http::request::Parts>()
            .map(|p| server::error::Lang::of(&p.headers))
            .unwrap_or_default()
    }

    /// The species catalogue and the reader's language, to name species on a page.
    pub async fn species_names(
        s: &Services,
    ) -> Result<(server::species::Catalogue, server::error::Lang), server::Error> {
        Ok((server::species::Catalogue::load(&s.store).await?, lang()))
    }

    pub fn photos(rows: Vec<server::store::PhotoRow>) -> Vec<crate::model::Photo> {
        rows.into_iter()
            .map(|p| crate::model::Photo {
                hash: p.hash.iter().map(|b| format!("{b:02x}")).collect(),
                width: p.width,
                height: p.height,
            })
            .collect()
    }

    /// A tree's offers as its page shows them.
    pub async fn offers(
        s: &Services,
        cooperative_id: i64,
        tree: &str,
    ) -> server::error::Result<Vec<crate::model::OfferCard>> {
        let lang = lang();
        let locale: crate::i18n::Locale = lang.into();
        let now = server::clock::now_ms();
        let kg = |g: i64| server::text::kg(g, lang);
        let date =
            |d: &str| ledger::Date::parse_iso(d).map_or_else(|_| d.to_owned(), |d| locale.date(d));
        let mut out = Vec::new();
        for o in s.store.offers_of_tree(cooperative_id, tree).await? {
            out.push(crate::model::OfferCard {
                id: o.id,
                season: format!("{} – {}", date(&o.starts_on), date(&o.ends_on)),
                price: server::text::vnd(o.price_vnd, lang),
                expected: format!("{} – {}", kg(o.expected_min_g), kg(o.expected_max_g)),
                guaranteed: kg(o.guaranteed_g),
                includes: o.included(),
                deliveries: o.deliveries,
                refund_shortfall: o.shortfall_policy == "refund",
                shortfall_per_kg: server::text::vnd(o.shortfall_vnd_per_kg, lang),
                available: !s.store.offer_taken(o.id, now).await?,
            });
        }
        Ok(out)
    }

    /// How the harvest reaches the adopter, in the reader's language: an address, or the
    /// ISO day of a pickup.
    pub fn harvest_choice(method: &str, address_or_day: &str, l: crate::i18n::Locale) -> String {
        use crate::i18n::Msg;
        match method {
            "delivery" => format!("{} {address_or_day}", Msg::DeliverTo.text(l)),
            _ => format!("{} {}", Msg::PickupOn.text(l), l.date_iso(address_or_day)),
        }
    }

    /// An order's shipments, a line each in the reader's language.
    pub async fn shipments(
        s: &Services,
        order_id: i64,
        l: crate::i18n::Locale,
    ) -> server::error::Result<Vec<String>> {
        Ok(s.store
            .shipments_of(order_id)
            .await?
            .into_iter()
            .map(|r| {
                let (day, kg) = (l.date_iso(&r.sent_on), server::text::kg(r.grams, l.into()));
                format!("{day} · {kg} · {} {}", r.carrier, r.tracking)
                    .trim()
                    .to_owned()
            })
            .collect())
    }

    /// The buyer's address as the request shows it (for VNPay's records).
    pub fn buyer_ip() -> String {
        use_context::<axum::http::request::Parts>()
            .map(|p| server::http::payments::buyer_ip(&p.headers))
            .unwrap_or_else(|| "127.0.0.1".into())
    }

    pub fn tree_page(
        v: server::trees::TreeView,
        base_url: &str,
        photos: Vec<crate::model::Photo>,
        scanned: bool,
        diary: crate::model::Diary,
    ) -> TreePage {
        let t = v.tree;
        let lang = lang();
        let species = t.species_name(lang);
        let notes = v
            .contradictions
            .iter()
            .map(|c| c.get(lang).to_owned())
            .collect();
        let share_url = format!("{base_url}/t/{}/{}", t.coop_code, t.code);
        let locale: crate::i18n::Locale = lang.into();
        let today = ledger::Date::from_unix_ms(server::clock::now_ms());
        let age_years = ledger::Date::parse_iso(&t.planted_on).map_or(0, |p| {
            let years = i64::from(today.year()) - i64::from(p.year());
            years - i64::from((today.month(), today.day()) < (p.month(), p.day()))
        });
        TreePage {
            story: t.coop_story,
            caretaker: t.zone_caretaker,
            adopted_name: t.adopted_name,
            place: place(&[&t.commune, &t.district, &t.province]),
            coop_approved: t.coop_approved,
            coop_code: t.coop_code,
            coop_name: t.coop_name,
            code: t.code,
            species,
            variety: t.variety,
            planted_shown: ledger::Date::parse_iso(&t.planted_on)
                .map_or_else(|_| t.planted_on.clone(), |d| locale.date(d)),
            planted_on: t.planted_on,
            age_years,
            active: t.status == "active",
            zone_name: t.zone_name,
            zone_code: t.zone_code,
            zone_area: locale.number(t.zone_area_ha, 2),
            zone_outline: t
                .zone_boundary
                .as_deref()
                .and_then(server::zones::outline_svg_path),
            zone_geojson: t.zone_boundary.clone().filter(|g| g.len() <= 6_000),
            location: t
                .lat_micro
                .zip(t.lon_micro)
                .map(|(a, b)| (a as f64 / 1e6, b as f64 / 1e6)),
            identity_url: format!("{base_url}{}", t.identity_path),
            // The newest photo previews the tree when its link is shared (Zalo, Facebook).
            share_image: photos.last().map(|p| format!("{base_url}{}", p.full())),
            share_url,
            photos,
            scanned,
            notes,
            diary,
            offers: Vec::new(),
            witnesses: Vec::new(),
            verification: match v.verdict {
                server::trees::Verdict::Verified { key_id } => Verification::Verified { key_id },
                server::trees::Verdict::Failed { reason } => Verification::Failed {
                    reason: reason.to_string(),
                },
            },
        }
    }
}

#[server(input = GetUrl)]
pub async fn list_cooperatives() -> Result<Vec<CoopCard>, ServerFnError> {
    let s = backend::services()?;
    let rows = s
        .store
        .list_cooperatives()
        .await
        .map_err(backend::internal)?;
    Ok(rows.into_iter().map(backend::card).collect())
}

#[server(input = GetUrl)]
pub async fn get_cooperative(code: String) -> Result<Option<CoopPage>, ServerFnError> {
    let s = backend::services()?;
    let page = async {
        let coop = server::cooperatives::by_code(&s.store, &code).await?;
        let card = s
            .store
            .cooperative_summary(&coop.code)
            .await?
            .ok_or(server::Error::NotFound("cooperative"))?;
        let trees = s.store.trees_of(coop.id).await?;
        let (names, lang) = backend::species_names(&s).await?;
        Ok(CoopPage {
            card: backend::card(card),
            trees: trees
                .into_iter()
                .map(|t| crate::model::TreeCard {
                    code: t.code,
                    species: names.name(&t.species, lang),
                    variety: t.variety,
                    zone_name: t.zone_name,
                })
                .collect(),
        })
    };
    backend::found(page.await)
}

/// A tree, with the identity it was reached by verified: `scanned` is the path of a
/// scanned QR URL, or `None` for the tree's own identity.
#[server(input = GetUrl)]
pub async fn get_tree(
    coop: String,
    tree: String,
    scanned: Option<String>,
) -> Result<Option<TreePage>, ServerFnError> {
    let s = backend::services()?;
    let page = async {
        let platform = s.sealer.platform_public();
        let v = server::trees::view(&s.store, &platform, &coop, &tree, scanned.as_deref()).await?;
        let photos = backend::photos(s.store.photos_of(v.tree.id).await?);
        let diary =
            crate::diary_view::diary(&s, v.cooperative_id, &v.tree.code, backend::lang().into())
                .await?;
        let offers = backend::offers(&s, v.cooperative_id, &v.tree.code).await?;
        let witnesses = server::witness::submit::vouched(&s.store, v.cooperative_id).await?;
        let mut page = backend::tree_page(v, &s.base_url, photos, scanned.is_some(), diary);
        page.offers = offers;
        page.witnesses = witnesses;
        Ok(page)
    };
    backend::found(page.await)
}

/// A paid adoption's certificate, for anyone with its link.
#[server(input = GetUrl)]
pub async fn get_certificate(
    adoption: String,
) -> Result<Option<crate::model::CertificateView>, ServerFnError> {
    let s = backend::services()?;
    let reader = backend::actor().await?.and_then(|a| a.account());
    let locale: crate::i18n::Locale = backend::lang().into();
    let date =
        |d: &str| ledger::Date::parse_iso(d).map_or_else(|_| d.to_owned(), |d| locale.date(d));
    let c = server::market::certificate(&s, &adoption).await;
    backend::found(c.map(|c| crate::model::CertificateView {
        yours: reader.is_some_and(|r| c.is_adopter(r)),
        dates: format!("{} – {}", date(&c.starts_on), date(&c.ends_on)),
        adopted: crate::diary_view::moment(c.adopted_at, locale).0,
        photo: c.photo.map(|h| {
            let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
            format!("/photos/{hex}/thumb.jpg")
        }),
        adoption: c.adoption,
        coop_code: c.coop_code,
        coop_name: c.coop_name,
        tree_code: c.tree_code,
        tree_name: c.tree_name,
        species: c.species,
        season: c.season,
        entry_seq: c.entry_seq,
        entry_hash: c.entry_hash,
        origin: c.origin,
        checkpoint_size: c.checkpoint_size,
        checkpoint_root: c.checkpoint_root,
        tree_url: c.tree_url,
    }))
}

/// The signed-in buyer's adopted trees; `None` for a visitor.
#[server(input = GetUrl)]
pub async fn get_my_trees() -> Result<Option<Vec<crate::model::MyTree>>, ServerFnError> {
    let s = backend::services()?;
    let Some(actor) = backend::actor().await? else {
        return Ok(None);
    };
    let buyer = actor.account().unwrap_or_default();
    let lang = backend::lang();
    let trees = async {
        let mut out = Vec::new();
        let requests = s.store.care_requests_of_buyer(buyer).await?;
        for o in s.store.adoptions_of(buyer).await? {
            let coop = s
                .store
                .cooperative_by_id(o.cooperative_id)
                .await?
                .ok_or(server::Error::NotFound("cooperative"))?;
            let diary = crate::diary_view::diary(&s, coop.id, &o.tree_code, lang.into()).await?;
            let offer = s
                .store
                .offer_by_id(o.offer_id)
                .await?
                .ok_or(server::Error::NotFound("offer"))?;
            let locale: crate::i18n::Locale = lang.into();
            let settlement = s.store.settlement_of(o.id).await?.map(|r| {
                let kg = |g: i64| server::text::kg(g, lang);
                let made_good = match (r.shortfall_g, r.policy.as_str()) {
                    (0, _) => crate::i18n::Msg::HarvestMetGuarantee
                        .text(locale)
                        .to_owned(),
                    (_, "refund") => format!(
                        "{} {}",
                        crate::i18n::Msg::ShortfallRefunded.text(locale),
                        server::text::vnd(r.compensation_vnd, lang)
                    ),
                    _ => format!(
                        "{} {}",
                        crate::i18n::Msg::ShortfallCredited.text(locale),
                        server::text::vnd(r.compensation_vnd, lang)
                    ),
                };
                format!(
                    "{} {} / {} {} · {made_good}",
                    crate::i18n::Msg::Harvested.text(locale),
                    kg(r.harvested_g),
                    crate::i18n::Msg::GuaranteedYield
                        .text(locale)
                        .to_lowercase(),
                    kg(r.guaranteed_g)
                )
            });
            out.push(crate::model::MyTree {
                // Care, not the record's own events (registration, status, adoption).
                latest: diary
                    .lines
                    .iter()
                    .filter(|l| {
                        l.what.is_some()
                            && !matches!(
                                l.kind.as_str(),
                                "registered" | "status" | "adopted" | "other"
                            )
                    })
                    .max_by_key(|l| l.seq)
                    .map(|l| format!("{} · {}", l.when, l.what.clone().unwrap_or_default())),
                tree_code: o.tree_code,
                coop_code: coop.code,
                coop_name: coop.name,
                requests: requests
                    .iter()
                    .filter(|r| r.order_code == o.code)
                    .map(|r| (r.text.clone(), r.answer.clone()))
                    .collect(),
                settlement,
                photos: diary
                    .lines
                    .iter()
                    .rev()
                    .flat_map(|l| l.photos.iter().cloned())
                    .take(3)
                    .collect(),
                season_dates: format!(
                    "{} – {}",
                    locale.date_iso(&offer.starts_on),
                    locale.date_iso(&offer.ends_on)
                ),
                can_deliver: offer.includes.split(',').any(|i| i == "delivery"),
                can_pickup: offer.includes.split(',').any(|i| i == "pickup"),
                harvest_choice: s.store.harvest_choice_of(o.id).await?.map(|c| {
                    let (method, to) = (c.method.as_str(), c.address.or(c.pickup_on));
                    backend::harvest_choice(method, &to.unwrap_or_default(), locale)
                }),
                shipments: backend::shipments(&s, o.id, locale).await?,
                refunds: s
                    .store
                    .refunds_of_order(o.id)
                    .await?
                    .into_iter()
                    .map(|r| {
                        format!(
                            "{} · {}",
                            server::text::vnd(r.amount_vnd, lang),
                            crate::i18n::refund_state(&r.state, locale)
                        )
                    })
                    .collect(),
                gift_open_until: s
                    .store
                    .open_gift_of(o.id)
                    .await?
                    .map(|g| locale.date_ms(g.expires_at)),
                tree_name: o.tree_name,
                season: o.season,
                adoption: o.adoption,
                order_code: o.code,
            });
        }
        Ok(out)
    };
    trees.await.map(Some).map_err(backend::internal)
}

/// One offer for the checkout step.
#[server(input = GetUrl)]
pub async fn get_offer(id: i64) -> Result<Option<crate::model::AdoptView>, ServerFnError> {
    let s = backend::services()?;
    let signed_in = backend::actor().await?.is_some();
    let view = async {
        let o = s
            .store
            .offer_by_id(id)
            .await?
            .ok_or(server::Error::NotFound("offer"))?;
        let coop = s
            .store
            .cooperative_by_id(o.cooperative_id)
            .await?
            .ok_or(server::Error::NotFound("cooperative"))?;
        let offer = backend::offers(&s, o.cooperative_id, &o.tree_code)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(server::Error::NotFound("offer"))?;
        Ok(crate::model::AdoptView {
            offer,
            tree_code: o.tree_code,
            coop_code: coop.code,
            coop_name: coop.name,
            signed_in,
        })
    };
    backend::found(view.await)
}

/// A buyer's own order with the ways to pay it; not found for anyone else, sign in first
/// for no one.
#[server(input = GetUrl)]
pub async fn get_order(code: String) -> Result<Gate<crate::model::OrderPage>, ServerFnError> {
    let s = backend::services()?;
    let Some(actor) = backend::actor().await? else {
        return Ok(backend::stopped(Gate::SignInFirst));
    };
    let page = async {
        // Another buyer's order reads as no order at all: its code is not a secret to
        // confirm by guessing.
        let Some(order) = s
            .store
            .order_by_code(&code)
            .await?
            .filter(|o| Some(o.buyer_id) == actor.account())
        else {
            return Ok(backend::stopped(Gate::NotFound));
        };
        let coop = s
            .store
            .cooperative_by_id(order.cooperative_id)
            .await?
            .ok_or(server::Error::NotFound("cooperative"))?;
        let now = server::clock::now_ms();
        let state = server::market::state_at(&order.state, order.held_until, now);
        let live = state == "held";
        let pay = if live {
            let ip = backend::buyer_ip();
            Some(server::payments::checkout(&s, &coop, &order, &ip, backend::lang()).await?)
        } else {
            None
        };
        let locale: crate::i18n::Locale = backend::lang().into();
        Ok(Gate::Ok(crate::model::OrderPage {
            state: state.to_owned(),
            amount: server::text::vnd(order.amount_vnd, locale.into()),
            held_until: crate::diary_view::clock(order.held_until),
            held_until_iso: crate::diary_view::moment(order.held_until, locale).1,
            hold_left_ms: order.held_until - now,
            offer: order.offer_id,
            coop_code: coop.code,
            coop_name: coop.name,
            tree_code: order.tree_code.clone(),
            season: order.season.clone(),
            vnpay_url: pay.as_ref().and_then(|p| p.vnpay_url.clone()),
            transfer: pay.and_then(|p| p.vietqr).map(|t| crate::model::Transfer {
                qr_svg: t.qr_svg,
                bin: t.bin,
                account: t.account,
                name: t.name,
                memo: t.memo,
            }),
            adoption: order.adoption.clone(),
            code: order.code,
        }))
    };
    page.await.map_err(backend::internal)
}

/// The signed-in person and their cooperatives; `None` for a visitor.
#[server(input = GetUrl)]
pub async fn get_me() -> Result<Option<Me>, ServerFnError> {
    let Some(a) = backend::actor().await? else {
        return Ok(None);
    };
    let s = backend::services()?;
    let unread = s
        .store
        .unread_notifications(a.user_id)
        .await
        .map_err(backend::internal)?;
    Ok(Some(Me {
        unread,
        name: a.name,
        is_admin: a.is_admin,
        coops: a
            .memberships
            .into_iter()
            .map(|m| crate::model::MyCoop {
                code: m.code,
                name: m.name,
                role: m.role.key().to_owned(),
            })
            .collect(),
    }))
}

/// Whether a page may be shown: the data, or why not.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Gate<T> {
    Ok(T),
    SignInFirst,
    Forbidden,
    NotFound,
}

/// A farmer's working page: every tree of the cooperative by zone, with its last care and
/// what is due; with `tree`, that tree's diary too.
#[server(input = GetUrl)]
pub async fn get_farm(
    code: String,
    tree: Option<String>,
    label: Option<String>,
) -> Result<Gate<FarmPage>, ServerFnError> {
    let s = backend::services()?;
    let (actor, coop) = match backend::member(&s, &code).await? {
        Ok(m) => m,
        Err(gate) => return Ok(gate),
    };
    if !actor.may(coop.id, server::access::Action::Record) {
        return Ok(backend::stopped(Gate::Forbidden));
    }
    let page = async {
        let (names, lang) = backend::species_names(&s).await?;
        let locale: crate::i18n::Locale = lang.into();
        let seen = crate::diary_view::overview(&s, coop.id, locale).await?;
        let trees = s.store.trees_of(coop.id).await?;
        let mut zones: Vec<crate::model::FarmZone> = Vec::new();
        let mut this_tree = None;
        for (i, t) in trees
            .into_iter()
            .filter(|t| t.status == "active")
            .enumerate()
        {
            let card =
                crate::diary_view::farm_tree(t.code.clone(), names.name(&t.species, lang), &seen);
            if tree.as_deref() == Some(t.code.as_str()) {
                this_tree = Some(card.clone());
            }
            match zones.iter_mut().find(|z| z.name == t.zone_name) {
                Some(z) => z.trees.push(card),
                None => zones.push(crate::model::FarmZone {
                    name: t.zone_name.clone(),
                    key: format!("z{i}"),
                    trees: vec![card],
                }),
            }
        }
        let tree = match (tree, this_tree) {
            (None, _) => None,
            (Some(_), None) => return Err(server::Error::NotFound("tree")),
            (Some(code), Some(card)) => Some((
                card,
                crate::diary_view::diary(&s, coop.id, &code, locale).await?,
            )),
        };
        // A scanned label: its signature checked against this tree, as a buyer's would be.
        let label = match (&tree, label) {
            (Some((t, _)), Some(path)) => {
                let platform = s.sealer.platform_public();
                let v = server::trees::view(&s.store, &platform, &coop.code, &t.code, Some(&path))
                    .await?;
                Some(matches!(v.verdict, server::trees::Verdict::Verified { .. }))
            }
            _ => None,
        };
        Ok(FarmPage {
            user: actor.author_in(coop.id),
            label,
            coop_code: coop.code.clone(),
            coop_name: coop.name.clone(),
            zones,
            tree,
        })
    };
    Ok(match backend::found(page.await)? {
        Some(p) => Gate::Ok(p),
        None => backend::stopped(Gate::NotFound),
    })
}

/// The cooperative's diary for its members: filtered by tree, zone, recorder and week,
/// with interval flags and the trees nobody has cared for in a while.
#[server(input = GetUrl)]
pub async fn get_diary_report(
    code: String,
    tree: String,
    zone: String,
    author: String,
    week: String,
    quiet: String,
) -> Result<Gate<crate::model::DiaryReport>, ServerFnError> {
    let s = backend::services()?;
    let (actor, coop) = match backend::member(&s, &code).await? {
        Ok(m) => m,
        Err(gate) => return Ok(gate),
    };
    let query = [
        ("tree", tree),
        ("zone", zone),
        ("author", author),
        ("week", week),
        ("quiet", quiet),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    crate::diary_view::report(&s, &actor, &coop, &query, backend::lang().into())
        .await
        .map(Gate::Ok)
        .map_err(backend::internal)
}

/// Trees on one page of a cooperative's working page.
#[cfg(feature = "ssr")]
const TREES_PER_PAGE: usize = 50;

/// A cooperative's working page, for its members and platform admins.
#[server(input = GetUrl)]
pub async fn get_manage_page(
    code: String,
    query: String,
    page: usize,
) -> Result<Gate<ManagePage>, ServerFnError> {
    use server::access::Action;
    let s = backend::services()?;
    let (actor, coop) = match backend::member(&s, &code).await? {
        Ok(m) => m,
        Err(gate) => return Ok(gate),
    };
    let page = async {
        let zones = s.store.zones_of(coop.id).await?;
        let (names, lang) = backend::species_names(&s).await?;
        // Search by code, variety, species or zone, case- and accent-insensitively enough
        // for a phone keyboard; fifty to a page.
        let needle = query.trim().to_lowercase();
        let matching: Vec<_> = s
            .store
            .trees_of(coop.id)
            .await?
            .into_iter()
            .filter(|t| {
                needle.is_empty()
                    || [
                        &t.code,
                        &t.variety,
                        &t.zone_name,
                        &names.name(&t.species, lang),
                    ]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&needle))
            })
            .collect();
        let tree_total = matching.len();
        let pages = tree_total.div_ceil(TREES_PER_PAGE).max(1);
        let page = page.clamp(1, pages);
        let trees: Vec<_> = matching
            .into_iter()
            .skip((page - 1) * TREES_PER_PAGE)
            .take(TREES_PER_PAGE)
            .collect();
        let members = server::accounts::invitations::members(&s.store, &actor, &coop).await?;
        let can_manage_members = actor.may(coop.id, Action::ManageMembers);
        let invitations = if can_manage_members {
            server::accounts::invitations::pending(&s.store, &actor, &coop).await?
        } else {
            Vec::new()
        };
        let (api_tokens, witnesses) = if actor.may(coop.id, Action::ManageCooperative) {
            (
                server::accounts::tokens::list(&s.store, &actor, &coop).await?,
                server::witness::submit::list(&s.store, &actor, &coop).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let witness_quorum = s.store.witness_quorum(coop.id).await?;
        let locale: crate::i18n::Locale = backend::lang().into();
        let now = server::clock::now_ms();
        let keys = s.store.keys_of(coop.id).await?;
        Ok::<_, server::Error>(ManagePage {
            story: s.store.story_of(coop.id).await?,
            gs1: coop.gs1_prefix.clone().unwrap_or_default(),
            gln: server::gs1::Gs1::new(coop.gs1_prefix.as_deref())
                .map(|g| g.gln())
                .unwrap_or_default(),
            place: backend::place(&[&coop.commune, &coop.district, &coop.province]),
            key_id: keys.last().map(|k| k.key_id.clone()).unwrap_or_default(),
            can_manage: actor.may(coop.id, Action::Register),
            can_manage_members,
            is_admin: actor.is_admin,
            query,
            page,
            pages,
            tree_total,
            species: names
                .0
                .iter()
                .map(|sp| (sp.key.clone(), names.name(&sp.key, lang)))
                .collect(),
            zones: zones
                .into_iter()
                .map(|z| crate::model::ZoneItem {
                    id: z.id,
                    under_minimum: z.area_ha < 1.0,
                    area: locale.number(z.area_ha, 2),
                    code_note: z.code.as_deref().and_then(|c| {
                        use server::zones::CodeShape;
                        match CodeShape::of(c) {
                            CodeShape::ExportGrowingArea => None,
                            CodeShape::ExportPackingHouse => {
                                Some(crate::i18n::Msg::ZoneCodePackingHouse)
                            }
                            CodeShape::Unrecognised => Some(crate::i18n::Msg::ZoneCodeUnrecognised),
                        }
                        .map(|m| m.text(locale).to_owned())
                    }),
                    outline: z
                        .boundary
                        .as_deref()
                        .and_then(server::zones::outline_svg_path),
                    code: z.code,
                    name: z.name,
                    crops: z.crops,
                    households: z.households,
                    caretaker: z.caretaker,
                })
                .collect(),
            trees: trees
                .into_iter()
                .map(|t| crate::model::TreeCard {
                    code: t.code,
                    species: names.name(&t.species, lang),
                    variety: t.variety,
                    zone_name: t.zone_name,
                })
                .collect(),
            members: members
                .into_iter()
                .map(|m| crate::model::MemberItem {
                    user_id: m.user_id,
                    name: m.name,
                    phone: m.phone,
                    email: m.email,
                    role: m.role,
                })
                .collect(),
            invitations: invitations
                .into_iter()
                .map(|i| crate::model::InvitationItem {
                    id: i.id,
                    expires_on: locale.date(ledger::Date::from_unix_ms(i.expires_at)),
                    expired: i.expires_at <= now,
                    name: i.name,
                    phone: i.phone,
                    role: i.role,
                })
                .collect(),
            api_tokens: api_tokens
                .into_iter()
                .map(|t| crate::model::ApiTokenItem {
                    id: t.id,
                    name: t.name,
                    created_by: t.created_by,
                    created_on: locale.date(ledger::Date::from_unix_ms(t.created_at)),
                    last_used: t
                        .last_used_at
                        .map(|at| locale.date(ledger::Date::from_unix_ms(at)))
                        .unwrap_or_default(),
                    revoked: t.revoked_at.is_some(),
                })
                .collect(),
            witnesses: witnesses
                .into_iter()
                .map(|w| crate::model::WitnessItem {
                    name: w.name,
                    url: w.url,
                    cosigned: w.cosigned_size,
                    problem: w.last_error.unwrap_or_default(),
                })
                .collect(),
            witness_quorum,
            code: coop.code,
            name: coop.name,
        })
    };
    page.await.map(Gate::Ok).map_err(backend::internal)
}

/// What an invitation code offers, for the join page; `None` for a code that does not
/// work (unknown, used, withdrawn or expired).
#[server(input = GetUrl)]
pub async fn get_invitation(code: String) -> Result<Option<InvitationPreview>, ServerFnError> {
    let s = backend::services()?;
    let signed_in = backend::actor().await?.is_some();
    let found = server::accounts::invitations::preview(&s.store, &code)
        .await
        .map_err(backend::internal)?;
    Ok(found.map(|i| InvitationPreview {
        phone_hint: format!("•••{}", &i.phone[i.phone.len().saturating_sub(3)..]),
        coop_code: i.coop_code,
        coop_name: i.coop_name,
        role: i.role,
        signed_in,
    }))
}

/// Cooperatives waiting for approval, for platform administrators (empty for others).
#[server(input = GetUrl)]
pub async fn get_unapproved() -> Result<Vec<CoopCard>, ServerFnError> {
    let s = backend::services()?;
    let Some(actor) = backend::actor().await? else {
        return Ok(Vec::new());
    };
    match server::cooperatives::unapproved(&s.store, &actor).await {
        Ok(rows) => Ok(rows.into_iter().map(backend::card).collect()),
        Err(server::Error::Forbidden) => Ok(Vec::new()),
        Err(e) => Err(backend::internal(e)),
    }
}

/// Where a background import stands, for members of its cooperative.
#[server(input = GetUrl)]
pub async fn get_job(coop: String, job: String) -> Result<Gate<JobView>, ServerFnError> {
    use server::jobs::Status;
    let s = backend::services()?;
    let (actor, coop) = match backend::member(&s, &coop).await? {
        Ok(m) => m,
        Err(gate) => return Ok(gate),
    };
    let lang = backend::lang();
    Ok(match s.jobs.status(&actor, coop.id, &job).await {
        Ok(Status::Running { done, total }) => Gate::Ok(JobView::Running { done, total }),
        Ok(Status::Finished { count, file }) => Gate::Ok(JobView::Finished {
            count,
            file: file.is_some(),
        }),
        Ok(Status::Failed(t)) => Gate::Ok(JobView::Failed {
            message: t.get(lang).to_owned(),
        }),
        Err(server::Error::Forbidden) => backend::stopped(Gate::Forbidden),
        Err(_) => backend::stopped(Gate::NotFound),
    })
}

/// One tree's management page, for members of its cooperative.
#[server(input = GetUrl)]
pub async fn get_manage_tree(
    coop: String,
    tree: String,
) -> Result<Gate<ManageTree>, ServerFnError> {
    let s = backend::services()?;
    let (actor, coop_row) = match backend::member(&s, &coop).await? {
        Ok(m) => m,
        Err(gate) => return Ok(gate),
    };
    let can_manage = actor.may(coop_row.id, server::access::Action::Register);
    let page = async {
        let Some(t) = s.store.tree_detail(&coop, &tree).await? else {
            return Ok(backend::stopped(Gate::NotFound));
        };
        let photos = backend::photos(s.store.photos_of(t.id).await?);
        Ok::<_, server::Error>(Gate::Ok(ManageTree {
            species: t.species_name(backend::lang()),
            coop_code: t.coop_code,
            code: t.code,
            variety: t.variety,
            active: t.status == "active",
            photos,
            can_manage,
            inclusions: server::market::INCLUDES
                .iter()
                .map(|i| (*i).to_owned())
                .collect(),
        }))
    };
    page.await.map_err(backend::internal)
}
