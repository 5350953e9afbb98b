//! Gốc's Leptos application: pages, components and server functions, rendered on the
//! server (feature `ssr`) and hydrated in the browser (feature `hydrate`, wasm).

#[cfg(feature = "ssr")]
pub mod actions;
pub mod api;
#[cfg(feature = "ssr")]
pub mod diary_view;
pub mod forms;
pub mod i18n;
pub mod model;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::i18n::{use_locale, Locale, Msg};
use crate::pages::{
    AccountPage, AdoptPage, CataloguePage, CertificatePage, CooperativePage, FarmHomePage,
    FarmPage, FarmTreePage, GiftPage, HomePage, JobPage, JoinPage, LogInPage, ManageCoopPage,
    ManageDiaryPage, ManageHomePage, ManageTreePage, MyTreesPage, NotFound, NotificationsPage,
    OrderPage, OutboxPage, ReportsPage, ResetPage, SalesPage, SignUpPage, TracePage, TreePage,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let locale = request_locale();
    provide_context(locale);
    #[cfg(feature = "ssr")]
    content_security_policy();
    // A form refused by the server is rendered again as plain HTML, without the wasm: the
    // page works fully without it, and hydration would not know the refused input.
    let hydrate = use_context::<forms::FormState>().is_none() && !ships_no_wasm();
    view! {
        <!DOCTYPE html>
        <html lang=locale.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#2f5d3a"/>
                <meta name="csrf-token" content=forms::csrf_token()/>
                {hydrate.then(|| view! { <HydrationScripts options/> })}
                <leptos_meta::MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// A nonce for this page's inline scripts (hydration, resolved resources), and the policy
/// that allows them and nothing else inline.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    leptos::nonce::provide_nonce();
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(v) = axum::http::HeaderValue::from_str(&server::http::edge::page_policy(&nonce)) {
            res.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
}

/// Pages that ship no wasm: the public tree page, what a buyer's phone opens from a
/// scanned label (everything on it works as plain HTML, the signature panel is a
/// `<details>`), the farmer's pages (plain forms; `farm.js` adds the offline queue) and the
/// managers' diary report (a GET form).
/// A phone downloads the page, the stylesheet and at most a small script or two.
fn ships_no_wasm() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().is_some_and(|p| {
            let path = p.uri.path();
            path.starts_with("/t/")
                || path == "/farm"
                || path.starts_with("/farm/")
                || (path.starts_with("/manage/") && path.ends_with("/diary"))
                || path == "/adopt"
                || path.starts_with("/adopt/")
                || path.starts_with("/orders/")
                || path.starts_with("/certificates/")
                || path == "/my-trees"
                || path.starts_with("/gifts/")
                || path == "/notifications"
                || path == "/admin/outbox"
                || (path.starts_with("/manage/") && path.ends_with("/sales"))
                || (path.starts_with("/manage/") && path.ends_with("/trace"))
                || (path.starts_with("/manage/") && path.ends_with("/reports"))
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

#[cfg(feature = "ssr")]
static STYLESHEET: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Reads the content-hashed names the site build wrote (`pkg/hash.txt`), once at start-up.
#[cfg(feature = "ssr")]
pub fn load_asset_names(site_root: &std::path::Path) {
    let css = std::fs::read_to_string(site_root.join("pkg/hash.txt"))
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("css:")
                    .map(|h| format!("/pkg/goc.{}.css", h.trim()))
            })
        })
        .unwrap_or_else(|| "/pkg/goc.css".to_owned());
    let _ = STYLESHEET.set(css);
}

/// The stylesheet's URL. In the browser it is read back from the page, so both sides agree.
fn stylesheet() -> String {
    #[cfg(feature = "ssr")]
    {
        STYLESHEET
            .get()
            .cloned()
            .unwrap_or_else(|| "/pkg/goc.css".to_owned())
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .query_selector("link[rel=stylesheet][href^='/pkg/goc.']")
            .ok()
            .flatten()
            .and_then(|l| l.get_attribute("href"))
            .unwrap_or_else(|| "/pkg/goc.css".to_owned())
    }
}

/// The locale chosen by the `goc_lang` cookie of the request being rendered.
fn request_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .map(|p| server::error::Lang::of(&p.headers).into())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|l| Locale::from_code(&l))
            .unwrap_or_default()
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    if use_context::<Locale>().is_none() {
        provide_context(request_locale());
    }
    let l = use_locale();
    view! {
        <Link rel="stylesheet" href=stylesheet()/>
        <Meta name="description" content=Msg::Tagline.text(l)/>
        // Pages set their own title; "… · Gốc" is appended to each.
        <Title formatter=page_title/>
        <Meta property="og:site_name" content="Gốc"/>
        <Router>
            <Header/>
            <main id="main">
                <pages::Flash/>
                // Async: the whole page is rendered before it is sent, so it reads
                // completely with JavaScript off or before the wasm arrives.
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:coop") view=CooperativePage ssr=SsrMode::Async/>
                    <Route path=path!("/t/:coop/:tree") view=TreePage ssr=SsrMode::Async/>
                    <Route path=path!("/t/:coop/:tree/:zone/:date/:key/:sig") view=TreePage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignUpPage/>
                    <Route path=path!("/login") view=LogInPage/>
                    <Route path=path!("/join") view=JoinPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset") view=ResetPage/>
                    <Route path=path!("/account") view=AccountPage/>
                    <Route path=path!("/manage") view=ManageHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/manage/:coop") view=ManageCoopPage ssr=SsrMode::Async/>
                    <Route path=path!("/manage/:coop/jobs/:job") view=JobPage ssr=SsrMode::Async/>
                    <Route path=path!("/manage/:coop/t/:tree") view=ManageTreePage ssr=SsrMode::Async/>
                    <Route path=path!("/manage/:coop/diary") view=ManageDiaryPage ssr=SsrMode::Async/>
                    <Route path=path!("/farm") view=FarmHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/adopt") view=CataloguePage ssr=SsrMode::Async/>
                    <Route path=path!("/adopt/:offer") view=AdoptPage ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:code") view=OrderPage ssr=SsrMode::Async/>
                    <Route path=path!("/certificates/:adoption") view=CertificatePage ssr=SsrMode::Async/>
                    <Route path=path!("/my-trees") view=MyTreesPage ssr=SsrMode::Async/>
                    <Route path=path!("/gifts/:token") view=GiftPage ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/outbox") view=OutboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/manage/:coop/sales") view=SalesPage ssr=SsrMode::Async/>
                    <Route path=path!("/manage/:coop/trace") view=TracePage ssr=SsrMode::Async/>
                    <Route path=path!("/manage/:coop/reports") view=ReportsPage ssr=SsrMode::Async/>
                    <Route path=path!("/farm/:coop") view=FarmPage ssr=SsrMode::Async/>
                    <Route path=path!("/farm/:coop/t/:tree") view=FarmTreePage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

/// "… · Gốc". On the server the text is HTML-escaped here: leptos_meta 0.8 writes the title
/// into the page as it is, so a name with `</title>` would inject markup (found by an
/// outside probe: a look-alike cooperative drew its own green badge). The browser sets
/// `document.title` as text, which needs no escaping.
fn page_title(page: String) -> String {
    let title = if page.is_empty() {
        "Gốc".to_owned()
    } else {
        format!("{page} · Gốc")
    };
    if cfg!(feature = "ssr") {
        title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    } else {
        title
    }
}

/// The top bar: the name, and the language switch (a plain link, so it works before and
/// without JavaScript; `rel="external"` keeps the hydrated router from swallowing it, since
/// `/lang/…` is a server route that sets a cookie, not a page).
#[component]
fn Header() -> impl IntoView {
    let l = use_locale();
    let location = leptos_router::hooks::use_location();
    let switch_href = move || {
        // The whole address, query included (a join link keeps its code).
        let search = location.search.get();
        let here = if search.is_empty() {
            location.pathname.get()
        } else {
            format!("{}?{search}", location.pathname.get())
        };
        format!(
            "/lang/{}?next={}",
            l.other().code(),
            forms::urlencode(&here)
        )
    };
    let me = Resource::new(|| (), |_| crate::api::get_me());
    view! {
        <header class="top">
            <a class="brand" href="/">"Gốc"</a>
            <Suspense>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(me)) => view! {
                            // The farmer's pages are plain HTML with no wasm: a full load.
                            {(!me.coops.is_empty()).then(|| view! {
                                <a href="/farm" rel="external">{Msg::FarmShort.text(l)}</a>
                            })}
                            // Plain HTML with no wasm too: a full load.
                            <a href="/my-trees" rel="external">{Msg::MyTrees.text(l)}</a>
                            <a href="/notifications" rel="external">
                                {Msg::Notifications.text(l)}
                                {(me.unread > 0).then(|| view! { " "<span class="count" aria-label=format!("{} {}", me.unread, Msg::Unread.text(l))>{me.unread}</span> })}
                            </a>
                            // Buyers have nothing to manage (cooperatives start from the home page).
                            {(me.is_admin || !me.coops.is_empty()).then(|| view! {
                                <a href="/manage">{Msg::Manage.text(l)}</a>
                            })}
                            <a href="/account">{Msg::Account.text(l)}</a>
                            <form method="post" action="/logout" class="inline">
                                <input type="hidden" name="csrf" value=forms::csrf_token()/>
                                <button type="submit" class="link">{Msg::LogOut.text(l)}</button>
                            </form>
                        }.into_any(),
                        _ => view! { <a href="/login">{Msg::LogIn.text(l)}</a> }.into_any(),
                    }
                })}
            </Suspense>
            <a class="lang" href=switch_href rel="external nofollow" aria-label=Msg::SwitchLanguageLabel.text(l)
               hreflang=l.other().code() lang=l.other().code()>
                {Msg::SwitchLanguage.text(l)}
            </a>
        </header>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // A mark that the page is now interactive (tests wait for it; styles could use it).
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-hydrated", "");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_are_escaped_on_the_server() {
        assert_eq!(
            super::page_title("HTX</title><div>".into()),
            "HTX&lt;/title&gt;&lt;div&gt; · Gốc"
        );
        assert_eq!(super::page_title(String::new()), "Gốc");
    }
}
