//! One module per page.

mod auth;
mod cooperative;
mod home;
mod manage;
mod tree;

pub use auth::{AccountPage, JoinPage, LogInPage, SignUpPage};
pub use cooperative::CooperativePage;
pub use home::HomePage;
pub use manage::{JobPage, ManageCoopPage, ManageHomePage, ManageTreePage};
pub use tree::TreePage;

use leptos::prelude::*;

use crate::i18n::{use_locale, Msg};

/// Shown for unknown paths (and sets 404 during server rendering).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    message(Msg::PageNotFound)
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
