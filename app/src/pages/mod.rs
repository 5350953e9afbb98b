//! One module per page.

mod adopt;
mod auth;
mod catalog;
mod cooperative;
mod diary_report;
mod farm;
mod gifts;
mod home;
mod manage;
mod reports;
mod sales;
#[cfg(feature = "ssr")]
mod timeline;
mod trace;
mod tree;

pub use adopt::{
    inclusion as adopt_inclusion, AdoptPage, CertificatePage, MyTreesPage, OfferTerms, OrderPage,
};
pub use auth::{AccountPage, JoinPage, LogInPage, ResetPage, SignUpPage};
pub use catalog::CataloguePage;
pub use cooperative::CooperativePage;
pub use diary_report::ManageDiaryPage;
pub use farm::{FarmHomePage, FarmPage, FarmTreePage};
pub use gifts::{GiftPage, NotificationsPage, OutboxPage};
pub use home::HomePage;
pub use manage::{JobPage, ManageCoopPage, ManageHomePage, ManageTreePage};
pub use reports::ReportsPage;
pub use sales::SalesPage;
pub use trace::TracePage;
pub use tree::TreePage;

use leptos::prelude::*;

use crate::i18n::{use_locale, Locale, Msg};

/// Shown for unknown paths (and sets 404 during server rendering).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    message(Msg::PageNotFound)
}

/// Declares a page rendered on the server only (its module's `ssr` part renders it): none
/// of it is compiled into the browser's bundle, and the hydrated app, should its router
/// reach it, loads it from the server.
macro_rules! server_only_page {
    ($(#[$doc:meta])* $name:ident => $render:expr) => {
        $(#[$doc])*
        #[leptos::component]
        pub fn $name() -> impl leptos::IntoView {
            #[cfg(feature = "ssr")]
            {
                $render
            }
            #[cfg(not(feature = "ssr"))]
            {
                crate::pages::from_server()
            }
        }
    };
}
pub(crate) use server_only_page;

/// A page rendered on the server only (it ships no wasm), reached in the browser by the
/// client router of a hydrated page: load it from the server.
#[cfg(not(feature = "ssr"))]
pub(crate) fn from_server() -> AnyView {
    // The route being rendered, not the address bar (which may still show the page the
    // link was on).
    let here = leptos_router::hooks::use_location();
    let search = here.search.get_untracked();
    let href = if search.is_empty() {
        here.pathname.get_untracked()
    } else {
        format!("{}?{search}", here.pathname.get_untracked())
    };
    let _ = window().location().assign(&href);
    ().into_any()
}

/// A cooperative page's content, or why it cannot be shown.
pub fn gated<T>(
    answer: Result<crate::api::Gate<T>, ServerFnError>,
    page: impl FnOnce(T) -> AnyView,
) -> AnyView {
    use crate::api::Gate;
    match answer {
        Err(_) => message(Msg::ServerError).into_any(),
        Ok(Gate::SignInFirst) => manage::sign_in_first(use_locale()),
        Ok(Gate::Forbidden) => message(Msg::Forbidden).into_any(),
        Ok(Gate::NotFound) => message(Msg::CoopNotFound).into_any(),
        Ok(Gate::Ok(v)) => page(v),
    }
}

/// A one-line notice in place of a page's content, with a way home.
pub fn message(msg: Msg) -> impl IntoView {
    let l = use_locale();
    view! {
        <section class="notice" role="status">
            <p>{msg.text(l)}</p>
            <p><a href="/">{Msg::Home.text(l)}</a></p>
        </section>
    }
}

/// A role's name in the reader's language.
pub(crate) fn role_name(role: &str, l: Locale) -> &'static str {
    if role == "manager" {
        Msg::RoleManager.text(l)
    } else {
        Msg::RoleFarmer.text(l)
    }
}

/// The confirmation of what the last form did, at the top of the page it redirected to
/// (`?done=…` names one of a fixed set of messages; nothing from the URL is shown).
#[component]
pub fn Flash() -> impl IntoView {
    let l = use_locale();
    let done = leptos_router::hooks::use_query_map()
        .read_untracked()
        .get("done")
        .unwrap_or_default();
    let msg = match done.as_str() {
        "joined" => Some(Msg::JoinedAs),
        "member_removed" => Some(Msg::MemberRemoved),
        "invitation_withdrawn" => Some(Msg::InvitationWithdrawn),
        "zone_added" => Some(Msg::ZoneAdded),
        "tree_added" => Some(Msg::TreeAdded),
        "key_rotated" => Some(Msg::KeyRotated),
        "status_changed" => Some(Msg::StatusChanged),
        "photo_added" => Some(Msg::PhotoAdded),
        "logged" => Some(Msg::DiaryLogged),
        "coop_approved" => Some(Msg::CoopApproved),
        "request_sent" => Some(Msg::RequestSent),
        "gift_accepted" => Some(Msg::GiftAccepted),
        "saved" => Some(Msg::Saved),
        "gift_withdrawn" => Some(Msg::GiftWithdrawn),
        "offer_published" => Some(Msg::OfferPublished),
        _ => None,
    };
    msg.map(|m| view! { <p class="notice-ok flash" role="status">{m.text(l)}</p> })
}
